import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { simulatedAnnotators, simulateAnnotation } from "@/ml";
import { mulberry32 } from "@/ml/rng";
import { computeQueuePriorities, refreshQueuePriorities } from "@/lib/annotations/queue-priority";
import { findQueueDataset, firstOpenPromptQuery, nextPrompt } from "@/lib/annotations/queue";
import { datasetOpennessEstimates } from "@/lib/openness/estimates";
import type { QueueOrderName } from "@/db/schema";
import { writeAnnotation } from "@/lib/datasets/writer";
import { addSimulatedDataset, addUser, freshDbPerTest } from "@/lib/test-fixtures";

let db: Db;
const fresh = freshDbPerTest();
beforeEach(() => ({ db } = fresh));

/** 30 simulated prompts; the first `annotated` get one tagged annotation each. */
function seed(annotated: number, queueOrder: QueueOrderName) {
  const { sim, prompts } = addSimulatedDataset(db, { slug: "q", promptCount: 30, seed: 8, queueOrder });
  const tagger = addUser(db, "tagger");
  const [annotator] = simulatedAnnotators(1, 8);
  const r = mulberry32(8);
  sim.slice(0, annotated).forEach((p, i) => {
    const a = simulateAnnotation(p, annotator!, r);
    writeAnnotation(db, prompts[i]!.promptId, tagger, {
      ranking: a.ranking.map((g) => g.map((x) => prompts[i]!.responseIds.get(x)!)),
      openness: a.openness,
      notRankable: false,
    });
  });
  return { dataset: findQueueDataset(db, "q")!, ids: prompts.map((p) => p.promptId) };
}

describe("queue orders", () => {
  it("least-annotated hands out an unannotated prompt first; fill the most annotated", () => {
    const { ids } = seed(10, "least-annotated");
    const annotator = addUser(db, "next");
    const dataset = findQueueDataset(db, "q")!;
    expect(dataset.queueOrder).toBe("least-annotated");
    const got = nextPrompt(db, dataset, annotator);
    expect(got.status === "prompt" && got.prompt.id).toBe(ids[10]);
    const other = addUser(db, "other");
    const filled = nextPrompt(db, dataset, other, new Date(), "fill");
    expect(filled.status === "prompt" && filled.prompt.id).toBe(ids[0]);
  });

  it("uncertain-openness hands out the widest openness error bar first, from an index", () => {
    const { dataset, ids } = seed(20, "uncertain-openness");
    const annotator = addUser(db, "next");
    const got = nextPrompt(db, dataset, annotator);
    expect(got.status).toBe("prompt");
    const estimates = datasetOpennessEstimates(db, dataset.id);
    expect(estimates.unavailable).toBeNull();
    const widest = [...estimates.byPrompt.values()].sort((a, b) => b.posterior!.sd - a.posterior!.sd)[0]!;
    expect(got.status === "prompt" && got.prompt.id).toBe(widest.promptId);
    // Untagged prompts are less certain than tagged ones: the first pick has no tag.
    expect(ids.indexOf(widest.promptId)).toBeGreaterThanOrEqual(20);
    const plan = db.all<{ detail: string }>(
      sql`explain query plan ${firstOpenPromptQuery(dataset, annotator, Date.now(), "uncertain-openness")}`,
    );
    expect(plan.map((p) => p.detail).join("\n")).not.toMatch(/TEMP B-TREE/);
  });

  it("refreshes priorities only when the data changed, and not more often than the refresh interval", () => {
    const { dataset } = seed(20, "uncertain-openness");
    const t = 1_000_000;
    expect(refreshQueuePriorities(db, dataset.id, "uncertain-openness", t)).toBe(true);
    expect(refreshQueuePriorities(db, dataset.id, "uncertain-openness", t + 1)).toBe(false);
    // A new order always recomputes.
    expect(refreshQueuePriorities(db, dataset.id, "uncertain-rewards", t + 2)).toBe(true);
    expect(refreshQueuePriorities(db, dataset.id, "fill", t + 3)).toBe(false);
  });

  it("uncertain-rewards without a run: every prompt unscored, so fewest annotations first", () => {
    const { dataset, ids } = seed(5, "uncertain-rewards");
    const p = computeQueuePriorities(db, dataset.id, "uncertain-rewards");
    expect(new Set(p.values()).size).toBe(1);
    const got = nextPrompt(db, dataset, addUser(db, "next"));
    expect(got.status === "prompt" && got.prompt.id).toBe(ids[5]);
  });
});
