/**
 * The runs store, one set of tests on both backends (db/store/runs.ts on SQLite,
 * db/pg/store/runs.ts on PostgreSQL): the same seeded rows must give the same answers.
 */
import { describe, expect, it } from "vitest";
import { openDatabase } from "@/db";
import { connectPostgres } from "@/db/pg";
import { postgresStore } from "@/db/pg/store";
import { sqliteStore, type Store } from "@/db/store";
import { claimNextQueuedRun, claimRun, finishRun } from "@/lib/runs/lifecycle";
import { databasePerTest, TEST_BACKENDS, type Side } from "../test-database";

/** Two datasets (one an import still staging) with prompts, responses and annotations by two people. */
async function seed(side: Side) {
  const [alice, bob] = await side.insert("users", [
    { email: "alice@example.com", name: "Alice", role: "researcher" },
    { email: "bob@example.com", name: "Bob" },
  ]);
  const [open, staged, synthetic] = await side.insert("datasets", [
    { slug: "open", name: "Open" },
    { slug: "staged", name: "Staged", importStaging: true },
    { slug: "synth", name: "A synthetic", synthetic: true },
  ]);
  const [p1, p2, p3, gold] = await side.insert("prompts", [
    { datasetId: open!, externalId: "p1", text: "first", openness: 0.5 },
    { datasetId: open!, externalId: "p2", text: "second" },
    { datasetId: open!, externalId: "p3", text: "third" },
    { datasetId: open!, externalId: "g1", text: "gold", gold: { ranking: [[0], [1]] } as never },
  ]);
  await side.insert("prompts", [{ datasetId: staged!, externalId: "s1", text: "staged" }]);
  const responses: number[] = [];
  for (const prompt of [p1!, p2!, p3!, gold!])
    responses.push(
      ...(await side.insert("responses", [
        // Inserted out of position order: reads must order by position, not by id.
        { promptId: prompt, position: 1, externalId: "b", text: "B", embedding: [0.5, 1] },
        { promptId: prompt, position: 0, externalId: "a", text: "A" },
      ])),
    );
  const [b1, a1, b2, a2] = responses;
  const annotations = await side.insert("annotations", [
    // p1: two rankable (one tagged); p2: a tag on a not-rankable one only; p3: a one-group ranking.
    { promptId: p1!, annotatorId: alice!, ranking: [[a1!], [b1!]], openness: 0.25, updatedAt: new Date(1_000) },
    { promptId: p1!, annotatorId: bob!, ranking: [[b1!], [a1!]], updatedAt: new Date(3_000) },
    { promptId: p2!, annotatorId: alice!, ranking: [[a2!], [b2!]], updatedAt: new Date(2_000) },
    { promptId: p2!, annotatorId: bob!, ranking: [], notRankable: true, openness: 1, updatedAt: new Date(2_500) },
    { promptId: p3!, annotatorId: alice!, ranking: [[responses[5]!, responses[4]!]], updatedAt: new Date(1_500) },
    { promptId: gold!, annotatorId: alice!, ranking: [[responses[7]!], [responses[6]!]], updatedAt: new Date(500) },
  ]);
  return {
    alice: alice!,
    bob: bob!,
    open: open!,
    staged: staged!,
    synthetic: synthetic!,
    p1: p1!,
    p2: p2!,
    p3: p3!,
    gold: gold!,
    responses,
    annotations,
  };
}

const newRun = (datasetId: number, createdBy: number | null, config: Record<string, unknown> = {}) => ({
  datasetId,
  name: "r",
  config,
  status: "queued" as const,
  startedAt: null,
  heartbeatAt: null,
  workerPid: null,
  createdBy,
});

describe.each(TEST_BACKENDS)("runs store on %s", (backend) => {
  const fresh = databasePerTest(backend);
  const open = () => ({ side: fresh.side, runs: fresh.store.runs });

  it("inserts runs and lists them newest first, without weights, with dataset and creator", async () => {
    const { side, runs } = open();
    const s = await seed(side);
    const first = await runs.insert(newRun(s.open, s.alice, { steps: 3, nested: { b: 1, a: [2] } }));
    const second = await runs.insert(newRun(s.open, null));
    expect(first.config).toEqual({ steps: 3, nested: { b: 1, a: [2] } });
    expect([first.status, first.progress, first.weights, first.createdAt instanceof Date]).toEqual([
      "queued",
      0,
      null,
      true,
    ]);
    expect(await runs.run(first.id)).toEqual(first);
    expect(await runs.run(999)).toBeNull();
    const list = await runs.listRows(10);
    expect(list.map((r) => [r.id, r.datasetSlug, r.datasetName, r.createdByName])).toEqual([
      [second.id, "open", "Open", null],
      [first.id, "open", "Open", "Alice"],
    ]);
    expect(list[0]).not.toHaveProperty("weights");
    expect((await runs.listRows(1)).map((r) => r.id)).toEqual([second.id]);
    expect((await runs.listRow(first.id))?.createdByName).toBe("Alice");
    expect(await runs.listRow(999)).toBeNull();
    expect(await runs.status(first.id)).toBe("queued");
    expect(await runs.status(999)).toBeNull();
  });

  it("claims, leases and ends runs as the lifecycle reads them", async () => {
    const { side, runs } = open();
    const s = await seed(side);
    const cli = await runs.insert(newRun(s.open, s.alice, { origin: "cli" }));
    const numeric = await runs.insert(newRun(s.open, s.alice, { origin: 7 }));
    const server = await runs.insert(newRun(s.open, s.bob));
    // The CLI's queued runs wait for their CLI; a non-text origin is not "cli".
    expect(await runs.oldestQueued("next")).toBe(numeric.id);
    expect(await runs.oldestQueued(cli.id)).toBe(cli.id);
    expect(await runs.queuedAhead(server.id)).toBe(2);
    expect(await runs.openRunsBy(s.alice)).toBe(2);

    expect(await runs.anyLiveRunning(0)).toBe(false);
    const marked = await runs.markRunning(numeric.id, 4242, 10_000);
    expect([marked?.status, marked?.startedAt?.getTime(), marked?.heartbeatAt?.getTime(), marked?.workerPid]).toEqual([
      "running",
      10_000,
      10_000,
      4242,
    ]);
    expect(await runs.markRunning(999, null, 1)).toBeNull();
    // Live means a heartbeat strictly after the bound, to the millisecond.
    expect(await runs.anyLiveRunning(9_999)).toBe(true);
    expect(await runs.anyLiveRunning(10_000)).toBe(false);
    expect(await runs.renewLease(numeric.id, 20_001)).toBe(true);
    expect(await runs.anyLiveRunning(20_000)).toBe(true);
    expect(await runs.renewLease(server.id, 20_001)).toBe(false);
    await runs.setWorkerPid(numeric.id, null);
    await runs.setProgress(numeric.id, 0.25);
    await runs.setProgress(server.id, 0.75); // not running: unchanged
    expect(await runs.progressRow(numeric.id)).toEqual({
      id: numeric.id,
      status: "running",
      progress: 0.25,
      error: null,
      startedAt: new Date(10_000),
      finishedAt: null,
    });
    expect((await runs.progressRow(server.id))?.progress).toBe(0);
    expect(await runs.progressRow(999)).toBeNull();
    await runs.markRunning(server.id, 1, 30_000);
    expect((await runs.running()).map((r) => [r.id, r.workerPid])).toEqual([
      [numeric.id, null],
      [server.id, 1],
    ]);
    expect(await runs.openRunsBy(s.alice)).toBe(2);

    expect(await runs.finish(server.id, "canceled", "Stop.")).toBe(true);
    expect(await runs.finish(server.id, "failed", "again")).toBe(false);
    const canceled = await runs.run(server.id);
    expect([canceled?.status, canceled?.error, canceled?.workerPid, canceled?.finishedAt instanceof Date]).toEqual([
      "canceled",
      "Stop.",
      null,
      true,
    ]);
    const counts = await runs.statusCounts();
    expect(counts).toEqual([
      { status: "canceled", n: 1 },
      { status: "queued", n: 1 },
      { status: "running", n: 1 },
    ]);
    expect(await runs.queuedAhead(server.id)).toBe(1);
  });

  it("stores weights, summaries, rewards and metrics, and reads them back in order", async () => {
    const { side, runs } = open();
    const s = await seed(side);
    const run = await runs.insert(newRun(s.open, null));
    await runs.markRunning(run.id, null, 1);
    const [b1, a1, b2, a2] = s.responses;
    await runs.replaceRewards(run.id, [{ responseId: b1!, split: "train", reward: 2, openness: null }]);
    await runs.replaceRewards(run.id, [
      { responseId: b2!, split: "test", reward: -0.5, openness: 0.25 },
      { responseId: b1!, split: "train", reward: 1.5, openness: 0.5 },
      { responseId: a2!, split: "test", reward: 0, openness: 0.25 },
      { responseId: a1!, split: "train", reward: -1.5, openness: 0.5 },
    ]);
    expect((await runs.storedRewards(run.id)).map((r) => [r.promptExternalId, r.responseExternalId, r.reward])).toEqual(
      [
        ["p1", "a", -1.5],
        ["p1", "b", 1.5],
        ["p2", "a", 0],
        ["p2", "b", -0.5],
      ],
    );
    expect((await runs.storedRewards(run.id))[0]).toEqual({
      promptId: s.p1,
      responseId: a1,
      split: "train",
      reward: -1.5,
      openness: 0.5,
      promptExternalId: "p1",
      promptText: "first",
      responseExternalId: "a",
    });
    // A NaN reward is NULL in a NOT NULL column: refused on both.
    await expect(
      runs.replaceRewards(run.id, [{ responseId: a1!, split: "train", reward: Number.NaN, openness: null }]),
    ).rejects.toThrow();

    const weights = new Uint8Array([0, 1, 2, 254, 255]);
    await runs.markSucceeded(run.id, weights, { accuracy: 0.75 });
    const done = await runs.run(run.id);
    expect([done?.status, done?.progress, done?.summary, [...(done?.weights ?? [])]]).toEqual([
      "succeeded",
      1,
      { accuracy: 0.75 },
      [0, 1, 2, 254, 255],
    ]);
    await runs.setSummary(run.id, { accuracy: 0.5 }, new Date(123_456));
    expect([(await runs.run(run.id))?.summary, (await runs.run(run.id))?.finishedAt]).toEqual([
      { accuracy: 0.5 },
      new Date(123_456),
    ]);

    expect(await runs.latestMetric(run.id)).toBeNull();
    await runs.putMetric(run.id, 1, "train", 0.9, 0.5);
    await runs.putMetric(run.id, 1, "test", null, 0.4);
    await runs.putMetric(run.id, 2, "train", 0.8, null);
    await runs.putMetric(run.id, 3, "train", Number.NaN, 0.7);
    await runs.putMetric(run.id, 2, "train", 0.7, 0.6); // replaces step 2's numbers
    expect(await runs.metricSeries(run.id, 0)).toEqual([
      { step: 1, loss: 0.9, trainAccuracy: 0.5, testAccuracy: 0.4 },
      { step: 2, loss: 0.7, trainAccuracy: 0.6, testAccuracy: null },
      { step: 3, loss: null, trainAccuracy: 0.7, testAccuracy: null },
    ]);
    expect((await runs.metricSeries(run.id, 2)).map((m) => m.step)).toEqual([3]);
    // The latest step's test accuracy is the latest at or before it.
    expect(await runs.latestMetric(run.id)).toEqual({ step: 3, loss: null, trainAccuracy: 0.7, testAccuracy: 0.4 });
  });

  it("reads datasets, ids and what training reads, hiding staged imports", async () => {
    const { side, runs } = open();
    const s = await seed(side);
    expect((await runs.visibleDataset(s.open))?.slug).toBe("open");
    expect(await runs.visibleDataset(s.staged)).toBeNull();
    expect(await runs.visibleDatasetId("open")).toBe(s.open);
    expect(await runs.visibleDatasetId("staged")).toBeNull();
    expect((await runs.datasetBySlug("staged"))?.importStaging).toBe(true);
    expect(await runs.datasetBySlug("none")).toBeNull();
    expect(await runs.promptIds(s.open)).toEqual([
      { id: s.p1, externalId: "p1" },
      { id: s.p2, externalId: "p2" },
      { id: s.p3, externalId: "p3" },
      { id: s.gold, externalId: "g1" },
    ]);
    expect((await runs.responseIds(s.open)).slice(0, 2)).toEqual([
      { id: s.responses[0], externalId: "b", position: 1 },
      { id: s.responses[1], externalId: "a", position: 0 },
    ]);
    expect(await runs.promptIds(s.synthetic)).toEqual([]);

    // Not gold, with a rankable annotation: p1, p2, p3; with an openness too: p1 (imported), p2 (a tag).
    expect(await runs.rankedPromptCount(s.open, false)).toBe(3);
    expect(await runs.rankedPromptCount(s.open, true)).toBe(2);
    expect(await runs.rankedPromptCount(s.synthetic, true)).toBe(0);

    expect(await runs.rankingsVersion(s.open)).toEqual({ n: 6, latest: 3_000 });
    expect(await runs.rankingsVersion(s.synthetic)).toEqual({ n: 0, latest: null });

    // Rankable means not "cannot rank" and more than one group: p1 (2), p2 (1), gold (1); synthetic last.
    expect(await runs.trainingStats()).toEqual([
      {
        datasetId: s.open,
        slug: "open",
        name: "Open",
        synthetic: 0,
        prompts: 4,
        ranked: 3,
        rankedWithOpenness: 1,
        annotations: 4,
      },
      {
        datasetId: s.synthetic,
        slug: "synth",
        name: "A synthetic",
        synthetic: 1,
        prompts: 0,
        ranked: 0,
        rankedWithOpenness: 0,
        annotations: 0,
      },
    ]);

    const rows = await runs.trainingRows(s.open, false);
    expect(rows.prompts.map((p) => [p.id, p.text, p.openness])).toEqual([
      [s.p1, "first", 0.5],
      [s.p2, "second", null],
      [s.p3, "third", null],
      [s.gold, "gold", null],
    ]);
    // By prompt then position, the stored JSON as text.
    expect(rows.responses.slice(0, 2)).toEqual([
      { id: s.responses[1], promptId: s.p1, text: "A", embedding: null },
      { id: s.responses[0], promptId: s.p1, text: "B", embedding: "[0.5,1]" },
    ]);
    // Not gold, not "cannot rank", oldest first.
    expect(rows.annotations.map((a) => [a.promptId, JSON.parse(a.ranking), a.openness])).toEqual([
      [s.p1, [[s.responses[1]], [s.responses[0]]], 0.25],
      [s.p1, [[s.responses[0]], [s.responses[1]]], null],
      [s.p2, [[s.responses[3]], [s.responses[2]]], null],
      [s.p3, [[s.responses[5], s.responses[4]]], null],
    ]);
    expect(typeof rows.annotations[0]!.ranking).toBe("string");
    expect((await runs.trainingRows(s.open, true)).annotations).toEqual([]);
    // An accepted current version counts; a decision about an older version does not.
    await side.insert("annotationReviews", [
      { annotationId: s.annotations[0]!, reviewerId: s.alice, decision: "accept", versionAt: new Date(1_000) },
      { annotationId: s.annotations[1]!, reviewerId: s.alice, decision: "accept", versionAt: new Date(2_999) },
    ]);
    expect((await runs.trainingRows(s.open, true)).annotations.map((a) => a.promptId)).toEqual([s.p1]);
  });
});

describe.each(TEST_BACKENDS)("one run at a time on %s, claimed from several servers at once", (backend) => {
  const fresh = databasePerTest(backend);

  /** `count` stores on connections of their own to the test's database, as separate servers would open it. */
  function servers(count: number): { stores: Store[]; close: () => Promise<void> } {
    if (backend === "sqlite") {
      const handles = Array.from({ length: count }, () => openDatabase(fresh.location));
      return { stores: handles.map(sqliteStore), close: async () => handles.forEach((h) => h.$client.close()) };
    }
    const pools = Array.from({ length: count }, () => connectPostgres(fresh.location, { maxConnections: 2 }));
    return {
      stores: pools.map((pool) => postgresStore(pool, fresh.location)),
      close: async () => {
        await Promise.all(pools.map((pool) => pool.$client.end()));
      },
    };
  }

  it("starts exactly one of the queued runs however many claims race, then the next once it ends", async () => {
    const s = await seed(fresh.side);
    const queued: number[] = [];
    for (let i = 0; i < 4; i++) queued.push((await fresh.store.runs.insert(newRun(s.open, s.alice))).id);
    const cli = (await fresh.store.runs.insert(newRun(s.open, s.alice, { origin: "cli" }))).id;
    const { stores, close } = servers(3);
    try {
      const race = (now: number) =>
        Promise.all(
          stores.flatMap((store, i) => [
            claimNextQueuedRun(store, now),
            claimNextQueuedRun(store, now),
            // A CLI training its own run claims by id, against the same rule.
            ...(i === 0 ? [claimRun(store, cli, null, now)] : []),
          ]),
        );
      const first = (await race(1_000)).filter((run) => run !== null);
      expect(first).toHaveLength(1);
      expect((await fresh.store.runs.running()).map((r) => r.id)).toEqual([first[0]!.id]);
      expect([queued[0], cli]).toContain(first[0]!.id);

      // While it trains, nothing else starts; once it ends, exactly one more does.
      expect((await race(2_000)).filter((run) => run !== null)).toEqual([]);
      expect(await finishRun(stores[1]!, first[0]!.id, "failed", "stopped")).toBe(true);
      const second = (await race(3_000)).filter((run) => run !== null);
      expect(second).toHaveLength(1);
      expect((await fresh.store.runs.running()).map((r) => r.id)).toEqual([second[0]!.id]);
      expect(await fresh.store.runs.statusCounts()).toEqual([
        { status: "failed", n: 1 },
        { status: "queued", n: 3 },
        { status: "running", n: 1 },
      ]);
    } finally {
      await close();
    }
  });
});
