import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { simulatedAnnotators, simulateAnnotation, mulberry32 } from "@/ml";
import {
  computeQueuePriorities,
  isComputingRewardPriorities,
  refreshQueuePriorities,
} from "@/lib/annotations/queue-priority";
import { findQueueDataset, nextPrompt } from "@/lib/annotations/queue";
import type { Store } from "@/db/store";
import { firstOpenPromptQuery } from "@/db/store/queue";
import {
  datasetOpennessEstimates,
  isComputingOpenness,
  opennessPriorityVersion,
  recomputeOpennessInBackground,
  opennessVersion,
} from "@/lib/openness/estimates";
import type { QueueOrderName } from "@/lib/domain";
import { datasetSettingsUpdateSchema, updateDatasetSettings } from "@/lib/admin/queries";
import { freshDbPerTest, seedSimulatedDataset, seedUser, TEST_BACKEND } from "@/lib/test-fixtures";

let store: Store;
const fresh = freshDbPerTest();
beforeEach(() => ({ store } = fresh));

/** 30 simulated prompts; the first `annotated` get one tagged annotation each. */
async function seed(annotated: number, queueOrder: QueueOrderName) {
  const { sim, prompts } = await seedSimulatedDataset(fresh, { slug: "q", promptCount: 30, seed: 8, queueOrder });
  const tagger = await seedUser(fresh.side, "tagger");
  const [annotator] = simulatedAnnotators(1, 8);
  const r = mulberry32(8);
  for (const [i, p] of sim.slice(0, annotated).entries()) {
    const a = simulateAnnotation(p, annotator!, r);
    await store.annotations.write(
      prompts[i]!.promptId,
      tagger,
      {
        ranking: a.ranking.map((g) => g.map((x) => prompts[i]!.responseIds.get(x)!)),
        openness: a.openness,
        notRankable: false,
      },
      "keep",
    );
  }
  return { dataset: (await findQueueDataset(store, "q"))!, ids: prompts.map((p) => p.promptId) };
}

async function priorityVersion(datasetId: number): Promise<string | null> {
  return (await fresh.side.rows("datasets")).find((d) => d.id === datasetId)!.queuePriorityVersion;
}

/** Waits for the child process scoring the dataset's prompts for uncertain-rewards to finish. */
async function untilScored(datasetId: number) {
  while (await isComputingRewardPriorities(store, datasetId)) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Waits for the child process fitting the dataset's openness estimates to finish. */
async function untilFitted(datasetId: number) {
  while (await isComputingOpenness(store, datasetId)) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("queue orders", () => {
  it("least-annotated hands out an unannotated prompt first; fill the most annotated", async () => {
    const { ids } = await seed(10, "least-annotated");
    const annotator = await seedUser(fresh.side, "next");
    const dataset = (await findQueueDataset(store, "q"))!;
    expect(dataset.queueOrder).toBe("least-annotated");
    const got = await nextPrompt(store, dataset, annotator);
    expect(got.status === "prompt" && got.prompt.id).toBe(ids[10]);
    const other = await seedUser(fresh.side, "other");
    const filled = await nextPrompt(store, dataset, other, new Date(), "fill");
    expect(filled.status === "prompt" && filled.prompt.id).toBe(ids[0]);
  });

  it("uncertain-openness hands out the widest openness error bar first, fitted off the request thread", async () => {
    const { dataset, ids } = await seed(20, "uncertain-openness");
    const first = await nextPrompt(store, dataset, await seedUser(fresh.side, "first"));
    // Served at once from the priorities there are (none yet); the fit runs in a child process.
    expect(first.status).toBe("prompt");
    expect(await priorityVersion(dataset.id)).toBeNull();
    expect(await isComputingOpenness(store, dataset.id)).toBe(true);
    await untilFitted(dataset.id);
    expect(await priorityVersion(dataset.id)).toBe(opennessPriorityVersion(await opennessVersion(store, dataset.id)));

    const got = await nextPrompt(store, dataset, await seedUser(fresh.side, "next"));
    expect(await isComputingOpenness(store, dataset.id)).toBe(false);
    const estimates = await datasetOpennessEstimates(store, dataset.id);
    expect(estimates.unavailable).toBeNull();
    const byWidth = [...estimates.byPrompt.values()].sort((a, b) => b.posterior!.sd - a.posterior!.sd);
    const widest = byWidth.find((p) => first.status !== "prompt" || p.promptId !== first.prompt.id)!;
    expect(got.status === "prompt" && got.prompt.id).toBe(widest.promptId);
    // Untagged prompts are less certain than tagged ones: the first pick has no tag.
    expect(ids.indexOf(widest.promptId)).toBeGreaterThanOrEqual(20);
  });

  // SQLite's plan; db/pg/store/queue.test.ts checks PostgreSQL's on a big dataset.
  it.skipIf(TEST_BACKEND !== "sqlite")("uncertain-openness reads its order from an index on SQLite", async () => {
    const { dataset } = await seed(20, "uncertain-openness");
    const plan = fresh.db.all<{ detail: string }>(
      sql`explain query plan ${firstOpenPromptQuery(dataset, await seedUser(fresh.side, "plan"), Date.now(), "uncertain-openness")}`,
    );
    expect(plan.map((p) => p.detail).join("\n")).not.toMatch(/TEMP B-TREE/);
  });

  it("refreshes priorities only when the data changed, and not more often than the refresh interval", async () => {
    const { dataset, ids } = await seed(20, "uncertain-openness");
    // Openness: never in this process; a child fits and stores them, once per change of the data.
    expect(await refreshQueuePriorities(store, dataset.id, "uncertain-openness")).toBe(true);
    expect(await isComputingOpenness(store, dataset.id)).toBe(true);
    expect(await refreshQueuePriorities(store, dataset.id, "uncertain-openness")).toBe(false);
    await untilFitted(dataset.id);
    expect(await refreshQueuePriorities(store, dataset.id, "uncertain-openness")).toBe(false);
    expect(await isComputingOpenness(store, dataset.id)).toBe(false);
    // A new tag: the next fit waits for the recompute interval (a busy team tags all the time).
    await fresh.side.update("annotations", { openness: 1 }, { promptId: ids[0]! });
    expect(await refreshQueuePriorities(store, dataset.id, "uncertain-openness")).toBe(false);
    expect(await isComputingOpenness(store, dataset.id)).toBe(false);
    // A new order starts its own worker at once, and only one.
    await fresh.side.update("datasets", { queueOrder: "uncertain-rewards" }, { id: dataset.id });
    expect(await refreshQueuePriorities(store, dataset.id, "uncertain-rewards")).toBe(true);
    expect(await refreshQueuePriorities(store, dataset.id, "uncertain-rewards")).toBe(false);
    await untilScored(dataset.id);
    expect(await priorityVersion(dataset.id)).toBe("uncertain-rewards:none");
    expect(await refreshQueuePriorities(store, dataset.id, "uncertain-rewards")).toBe(false);
    expect(await refreshQueuePriorities(store, dataset.id, "fill")).toBe(false);
  });

  it("an admin choosing a model order starts its priorities at once, even right after a fit for the page", async () => {
    const { dataset } = await seed(20, "fill");
    // The dataset page fitted the estimates a moment ago, under another order: no priorities written.
    expect(await recomputeOpennessInBackground(store, dataset.id, 0)).toBe(true);
    await untilFitted(dataset.id);
    expect(await priorityVersion(dataset.id)).toBeNull();
    await updateDatasetSettings(
      store,
      datasetSettingsUpdateSchema.parse({
        slug: "q",
        name: "Q",
        guidelines: "",
        annotationsPerPrompt: 3,
        queueOrder: "uncertain-openness",
      }),
    );
    expect(await isComputingOpenness(store, dataset.id)).toBe(true);
    await untilFitted(dataset.id);
    expect(await priorityVersion(dataset.id)).toBe(opennessPriorityVersion(await opennessVersion(store, dataset.id)));
  });

  it("uncertain-rewards is scored off the request thread: served at once, then every prompt unscored without a run", async () => {
    const { dataset, ids } = await seed(5, "uncertain-rewards");
    const p = await computeQueuePriorities(store, dataset.id);
    expect(new Set(p.values()).size).toBe(1);
    const got = await nextPrompt(store, dataset, await seedUser(fresh.side, "next"));
    expect(got.status === "prompt" && got.prompt.id).toBe(ids[5]);
    // The request wrote nothing: a child process scores the prompts and stores the priorities.
    expect(await priorityVersion(dataset.id)).toBeNull();
    expect(await isComputingRewardPriorities(store, dataset.id)).toBe(true);
    await untilScored(dataset.id);
    expect(await priorityVersion(dataset.id)).toBe("uncertain-rewards:none");
    const stored = new Set(
      (await fresh.side.rows("prompts")).filter((q) => q.datasetId === dataset.id).map((q) => q.queuePriority),
    );
    expect([...stored]).toEqual([[...p.values()][0]]);
  });

  it("a reward worker stops writing once the dataset's order is another one", async () => {
    const { dataset } = await seed(0, "uncertain-rewards");
    await fresh.side.update("datasets", { queueOrder: "fill" }, { id: dataset.id });
    expect(await refreshQueuePriorities(store, dataset.id, "uncertain-rewards")).toBe(true);
    await untilScored(dataset.id);
    expect(await priorityVersion(dataset.id)).toBeNull();
  });
});
