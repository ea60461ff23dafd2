import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { seedDemo } from "@/lib/demo/seed";
import { environmentOpening } from "@/lib/env";
import { promptSplit } from "@/lib/runs/held-out";
import type { Store } from "@/db/store";
import { anotherConnection, blankRunSummary, freshDbPerTest, TEST_BACKEND } from "@/lib/test-fixtures";
import {
  claimNextQueuedRun,
  claimRun,
  renewRunLease,
  RUN_LEASE_MS,
  completeRun,
  failOrphanedRuns,
  finishRun,
  getRun,
  getRunDetail,
  listRuns,
  requestCancel,
  cancelRequested,
} from "@/lib/runs/lifecycle";
import { createRun } from "@/lib/runs/request-run";
import { datasetTrainingStats, loadTrainingPrompts } from "@/lib/runs/training-data";
import { recordProgress, runMetricSeries, runSnapshot } from "@/lib/runs/progress";
import { RunError, runRequestSchema } from "@/lib/runs/schemas";
import { executeRun, keepLease, validateTrainSettings } from "@/lib/runs/training";

let store: Store;
let demoId: number;

const fresh = freshDbPerTest();
beforeEach(async () => {
  ({ store } = fresh);
  await seedDemo(store);
  demoId = (await store.runs.datasetBySlug("demo"))!.id;
});

const request = (overrides: Record<string, unknown> = {}) =>
  runRequestSchema.parse({ datasetId: demoId, ...overrides });

/** A prompt with one ranking and no openness anywhere. */
async function addUntaggedPrompt(): Promise<number> {
  const [promptId] = await fresh.side.insert("prompts", [
    { datasetId: demoId, externalId: "untagged", text: "Untagged prompt" },
  ]);
  const ids = await fresh.side.insert(
    "responses",
    [0, 1, 2].map((position) => ({
      promptId: promptId!,
      position,
      externalId: `u${position}`,
      text: `response ${position}`,
    })),
  );
  const annotator = (await store.auth.userByEmail("mina@octorank.dev"))!;
  await fresh.side.insert("annotations", [
    { promptId: promptId!, annotatorId: annotator.id, ranking: [[ids[0]!], [ids[1]!, ids[2]!]], openness: null },
  ]);
  return promptId!;
}

describe("training data from annotations", () => {
  it("uses the mean of the annotators' openness tags, the imported openness first, and the missing-openness policy", async () => {
    const { prompts } = await loadTrainingPrompts(store, demoId, { policy: "exclude" });
    const first = prompts[0]!;
    const tags = (await fresh.side.rows("annotations")).filter((a) => a.promptId === Number(first.id));
    const usable = tags.filter((t) => !t.notRankable && t.openness !== null);
    expect(first.openness).toBeCloseTo(usable.reduce((s, t) => s + t.openness!, 0) / usable.length, 10);
    expect(first.rankings).toHaveLength(usable.length);
    expect(first.responses).toHaveLength(8);

    await fresh.side.update("prompts", { openness: 0.9 }, { id: Number(first.id) });
    expect((await loadTrainingPrompts(store, demoId, { policy: "exclude" })).prompts[0]!.openness).toBe(0.9);

    const untagged = String(await addUntaggedPrompt());
    const excluded = await loadTrainingPrompts(store, demoId, { policy: "exclude" });
    expect(excluded.excludedWithoutOpenness).toBe(1);
    expect(excluded.prompts.some((p) => p.id === untagged)).toBe(false);
    const assumed = await loadTrainingPrompts(store, demoId, { policy: "assume", value: 0.25 });
    expect(assumed.prompts.find((p) => p.id === untagged)?.openness).toBe(0.25);
  });

  it("counts ranked prompts with and without an openness", async () => {
    const before = (await datasetTrainingStats(store)).find((d) => d.slug === "demo")!;
    expect(before.ranked).toBe((await loadTrainingPrompts(store, demoId, { policy: "exclude" })).prompts.length);
    await addUntaggedPrompt();
    const after = (await datasetTrainingStats(store)).find((d) => d.slug === "demo")!;
    expect(after.ranked).toBe(before.ranked + 1);
    expect(after.rankedWithoutOpenness).toBe(before.rankedWithoutOpenness + 1);
    expect(after.prompts).toBe(before.prompts + 1);
  });

  it("refuses trainer settings the trainer does not know or accept", async () => {
    expect(() => validateTrainSettings(request({ train: { stepz: 10 } }))).toThrow(/Unknown training setting/);
    expect(() => validateTrainSettings(request({ train: { learningRate: -1 } }))).toThrow(RunError);
    expect(runRequestSchema.safeParse({ datasetId: demoId, heldOutShare: 0.9 }).success).toBe(false);
  });
});

describe("run lifecycle", () => {
  it("claims queued runs oldest first, and none while a run trains (whichever process started it)", async () => {
    const a = await createRun(store, request(), null, "web");
    const b = await createRun(store, request({ utility: "log" }), null, "web");
    expect((await claimNextQueuedRun(store))?.id).toBe(a.id);
    expect((await getRun(store, a.id))?.status).toBe("running");
    // A second server on the same database must not start b next to a.
    expect(await claimNextQueuedRun(store)).toBeNull();
    expect((await getRun(store, b.id))?.status).toBe("queued");
    await finishRun(store, a.id, "failed", "test");
    expect((await claimNextQueuedRun(store))?.id).toBe(b.id);
    await finishRun(store, b.id, "failed", "test");
    expect(await claimNextQueuedRun(store)).toBeNull();
  });

  it("lists runs without reading their weights", async () => {
    const run = await createRun(store, request(), null, "cli", { workerPid: process.pid });
    const summary = blankRunSummary("x");
    expect(await completeRun(store, run.id, { rewards: [], weights: new Uint8Array(1000), summary })).toBe(true);
    const listed = (await listRuns(store)).find((r) => r.id === run.id)!;
    expect(listed.datasetSlug).toBe("demo");
    expect(listed.config.utility).toBe("conditioned");
    expect("weights" in listed).toBe(false);
    expect("weights" in (await getRunDetail(store, run.id))!).toBe(false);
  });

  it("cancels a queued run at once, flags a running one for its trainer (at once when its lease ran out), and refuses a finished one", async () => {
    const queued = await createRun(store, request(), null, "web");
    expect((await requestCancel(store, queued.id)).stopping).toBe(false);
    expect((await getRun(store, queued.id))?.status).toBe("canceled");
    await expect(requestCancel(store, queued.id)).rejects.toThrow(/already been canceled/);

    const running = await createRun(store, request(), null, "web", { workerPid: 4242 });
    expect(await cancelRequested(store, running.id)).toBe(false);
    expect((await requestCancel(store, running.id)).stopping).toBe(true);
    expect((await getRun(store, running.id))?.status).toBe("running");
    expect(await cancelRequested(store, running.id)).toBe(true);

    // Its trainer is gone (the lease ran out): nobody would see the flag, so it ends now.
    const orphan = await createRun(store, request(), null, "web", { workerPid: 4243 });
    const later = Date.now() + RUN_LEASE_MS + 1;
    expect((await requestCancel(store, orphan.id, later)).stopping).toBe(false);
    expect((await getRun(store, orphan.id))?.status).toBe("canceled");
  });

  it("fails only runs whose lease expired, whatever host trained them; live ones are left alone whoever trains them", async () => {
    const now = Date.now();
    const stale = (run: { id: number }) =>
      fresh.side.update("trainingRuns", { heartbeatAt: new Date(now - RUN_LEASE_MS - 1000) }, { id: run.id });
    // The same pid on two hosts says nothing: only the leases count.
    const dead = await createRun(store, request(), null, "web", { workerPid: process.pid });
    const canceledThenDied = await createRun(store, request(), null, "web", { workerPid: 222 });
    const otherServer = await createRun(store, request(), null, "web", { workerPid: 333 });
    const cli = await createRun(store, request(), null, "cli", { workerPid: process.pid });
    await requestCancel(store, canceledThenDied.id);
    await stale(dead);
    await stale(canceledThenDied);
    const failed = await failOrphanedRuns(store, now);
    expect(failed.sort()).toEqual([dead.id, canceledThenDied.id].sort());
    expect((await getRun(store, dead.id))?.status).toBe("failed");
    expect((await getRun(store, dead.id))?.error).toMatch(/lease/);
    expect((await getRun(store, canceledThenDied.id))?.status).toBe("canceled");
    expect((await getRun(store, otherServer.id))?.status).toBe("running");
    expect((await getRun(store, cli.id))?.status).toBe("running");
  });

  it("one claim for every trainer: the CLI's run waits while another trains and the server never takes it", async () => {
    const now = Date.now();
    const web = await createRun(store, request(), null, "web");
    const cli = await createRun(store, request(), null, "cli");
    expect((await claimRun(store, cli.id, 4242, now))?.id).toBe(cli.id);
    // The server may not start its run beside the CLI's.
    expect(await claimNextQueuedRun(store, now)).toBeNull();
    await finishRun(store, cli.id, "failed", "test");
    const second = await createRun(store, request(), null, "cli");
    expect((await claimNextQueuedRun(store, now))?.id).toBe(web.id);
    expect(await claimRun(store, second.id, 4243, now)).toBeNull();
    // Once the server's worker stops renewing its lease, the CLI may go.
    expect((await claimRun(store, second.id, 4243, now + RUN_LEASE_MS + 1))?.id).toBe(second.id);
    expect(await renewRunLease(store, second.id, now + RUN_LEASE_MS + 2)).toBe(true);
    expect(await renewRunLease(store, web.id)).toBe(true);
    await finishRun(store, web.id, "failed", "test");
    expect(await renewRunLease(store, web.id)).toBe(false);
  });

  it("records progress for the live view and does not complete a run cancelled meanwhile", async () => {
    const run = await createRun(store, request(), null, "web", { workerPid: 1 });
    await recordProgress(store, run.id, [
      { step: 10, totalSteps: 100, loss: 0.9, trainAccuracy: 0.6, testAccuracy: 0.55 },
      { step: 20, totalSteps: 100, loss: 0.7, trainAccuracy: 0.7 },
    ]);
    expect(await runMetricSeries(store, run.id)).toEqual([
      { step: 10, loss: 0.9, trainAccuracy: 0.6, testAccuracy: 0.55 },
      { step: 20, loss: 0.7, trainAccuracy: 0.7, testAccuracy: null },
    ]);
    expect((await runMetricSeries(store, run.id, 300, 10)).map((p) => p.step)).toEqual([20]);
    const snapshot = (await runSnapshot(store, run.id, (await getRun(store, run.id))!.startedAt!.getTime() + 10_000))!;
    expect(snapshot.progress).toBe(0.2);
    expect(snapshot.latest).toEqual({ step: 20, loss: 0.7, trainAccuracy: 0.7, testAccuracy: 0.55 });
    expect(snapshot.etaSeconds).toBe(40);

    await requestCancel(store, run.id);
    await fresh.side.update("trainingRuns", { status: "canceled" }, { id: run.id });
    const summary = blankRunSummary("x");
    expect(await completeRun(store, run.id, { rewards: [], weights: new Uint8Array([1]), summary })).toBe(false);
    expect((await getRun(store, run.id))?.status).toBe("canceled");
  });

  it("trains a small run end to end: rewards of both splits, weights and summary stored", async () => {
    const run = await createRun(
      store,
      validateTrainSettings(request({ heldOutShare: 0.25, train: { steps: 40 } })),
      null,
      "cli",
      { workerPid: process.pid },
    );
    expect(await executeRun(store, run.id)).toBe("succeeded");
    const stored = (await getRun(store, run.id))!;
    expect(stored.status).toBe("succeeded");
    expect(stored.progress).toBe(1);
    expect(stored.weights?.length).toBeGreaterThan(100);
    const rewards = (await fresh.side.rows("runRewards")).filter((r) => r.runId === run.id);
    expect([...new Set(rewards.map((r) => r.split))].sort()).toEqual(["test", "train"]);
    // The held-out prompts are the exports' split column (lib/runs/held-out.ts) under the run's seed and share.
    const promptOf = new Map((await fresh.side.rows("responses")).map((r) => [r.id, r.promptId]));
    const externalId = new Map((await fresh.side.rows("prompts")).map((p) => [p.id, p.externalId]));
    for (const r of rewards) {
      const prompt = externalId.get(promptOf.get(r.responseId)!)!;
      expect(r.split).toBe(promptSplit(prompt, { seed: 1, heldOutShare: 0.25 }));
    }
    const summary = stored.summary as {
      collapse: { test?: { gap: number; version?: number } };
      testAccuracy: number;
      trajectory?: { step: number; split: string }[];
    };
    expect(summary.testAccuracy).toBeGreaterThan(0);
    expect(summary.collapse.test?.version).toBe(3);
    // the collapse trajectory: 20 checkpoints of both splits, the last at the final step
    expect(summary.trajectory).toHaveLength(40);
    expect(summary.trajectory!.at(-1)!.step).toBe(40);
    expect((await runMetricSeries(store, run.id)).at(-1)?.step).toBe(40);
  });

  it("the run worker, a process of its own, trains a run on the database of the store that claimed it", async () => {
    const run = await createRun(store, validateTrainSettings(request({ train: { steps: 20 } })), null, "web", {
      workerPid: process.pid,
    });
    // As the scheduler starts it (lib/runs/scheduler.ts): the store's location in the environment.
    const worker = spawn(process.execPath, ["--import", "tsx", path.join("scripts", "run-worker.ts"), String(run.id)], {
      cwd: path.resolve(__dirname, "../.."),
      env: environmentOpening(store.location),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let said = "";
    worker.stderr.on("data", (chunk: Buffer) => (said += chunk.toString("utf8")));
    const [code] = (await once(worker, "exit")) as [number | null];
    expect(code, said).toBe(0);
    const trained = (await getRun(store, run.id))!;
    expect(trained.status).toBe("succeeded");
    expect((await runMetricSeries(store, run.id)).at(-1)?.step).toBe(20);
  });

  it("a cancelled training ends as canceled, and too little data fails with a reason", async () => {
    const run = await createRun(store, request({ train: { steps: 100000, evalEvery: 5 } }), null, "cli", {
      workerPid: process.pid,
    });
    const controller = new AbortController();
    const outcome = await executeRun(store, run.id, {
      signal: controller.signal,
      onProgress: () => controller.abort("canceled"),
    });
    expect(await outcome).toBe("canceled");
    expect((await getRun(store, run.id))?.status).toBe("canceled");

    // Canceled from another server: a second connection to the database asks, the trainer sees it.
    const elsewhere = anotherConnection(store.location);
    const far = await createRun(store, request({ train: { steps: 100000, evalEvery: 5 } }), null, "cli", {
      workerPid: process.pid,
    });
    let asked: Promise<unknown> | null = null;
    const farOutcome = await executeRun(store, far.id, {
      onProgress: () => void (asked ??= requestCancel(elsewhere.store, far.id)),
    });
    expect(farOutcome).toBe("canceled");
    expect(await asked).toMatchObject({ stopping: true });
    expect((await getRun(elsewhere.store, far.id))?.status).toBe("canceled");
    await elsewhere.close();

    const [emptyId] = await fresh.side.insert("datasets", [{ slug: "empty", name: "Empty" }]);
    const starved = await createRun(store, runRequestSchema.parse({ datasetId: emptyId }), null, "cli", {
      workerPid: process.pid,
    });
    expect(await executeRun(store, starved.id)).toBe("failed");
    expect((await getRun(store, starved.id))?.error).toMatch(/Only 0 prompt/);

    // Settings stored by an older version that the trainer no longer accepts: a sentence, not a zod dump.
    const stale = await createRun(store, request({ train: { steps: -5 } }), null, "cli", { workerPid: process.pid });
    expect(await executeRun(store, stale.id)).toBe("failed");
    expect((await getRun(store, stale.id))?.error).toMatch(/^Training settings: /);
  });

  // SQLite's one write lock, taken by another connection past the trainer's busy timeout: PostgreSQL
  // has no database-wide write lock (its writers wait only on the rows they share).
  it.skipIf(TEST_BACKEND === "postgres")(
    "a run trains to the end while another connection keeps taking the write lock",
    async () => {
      const { db, dir } = fresh;
      const run = await createRun(
        store,
        validateTrainSettings(request({ train: { steps: 200, evalEvery: 2 } })),
        null,
        "cli",
        {
          workerPid: process.pid,
        },
      );
      // Another writer (an import, say) holds the lock longer than the trainer's busy timeout, over and over.
      db.$client.pragma("busy_timeout = 5");
      const other = new Database(path.join(dir, "test.db"));
      let locked = 0;
      const hog = setInterval(() => {
        if (other.inTransaction) return;
        other.exec("begin immediate");
        locked++;
        setTimeout(() => other.exec("commit"), 40);
      }, 45);
      try {
        const lease = keepLease(store, run.id);
        // A renewal that meets the lock waits for it on timers (the trainer goes on meanwhile).
        other.exec("begin immediate");
        const renewal = lease.renew();
        await new Promise((r) => setTimeout(r, 50));
        other.exec("commit");
        expect(await renewal).toBe(true);
        lease.stop();
        expect(await executeRun(store, run.id)).toBe("succeeded");
      } finally {
        clearInterval(hog);
        await new Promise((r) => setTimeout(r, 60));
        other.close();
      }
      expect(locked).toBeGreaterThan(3);
      expect((await getRun(store, run.id))?.status).toBe("succeeded");
      expect((await runMetricSeries(store, run.id)).at(-1)?.step).toBe(200);
    },
  );
});
