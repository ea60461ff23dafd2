/**
 * The stats store and the prompt list searched over it, one set of tests on both backends
 * (db/store/stats.ts on SQLite, db/pg/store/stats.ts on PostgreSQL): the same rows must give the
 * same numbers, pages and cursors, in the same order.
 */
import { describe, expect, it } from "vitest";
import type { PromptStatsValues } from "@/db/store/stats";
import { parsePromptSearch, PROMPT_SORTS, searchPrompts } from "@/lib/datasets/prompt-search";
import { STATS_HISTOGRAMS, statsBin, type StatsHistogramMetric } from "@/lib/datasets/prompt-stats";
import { databasePerTest, TEST_BACKENDS, type Side } from "../test-database";

const TEXTS = [
  "Café au lait, please",
  "ÜBER alles: the 100% answer",
  "under_score and back\\slash",
  "plain prompt",
  "Another CAFÉ question",
  "nothing here",
];

/** A dataset of `count` prompts p0, p1, … (texts from TEXTS in turn) and one staged dataset's prompt. */
async function seed(side: Side, count = 12) {
  const [dataset, other] = await side.insert("datasets", [
    { slug: "d", name: "D" },
    { slug: "o", name: "O" },
  ]);
  const prompts = await side.insert(
    "prompts",
    Array.from({ length: count }, (_, i) => ({
      datasetId: dataset!,
      externalId: `p${i}`,
      text: TEXTS[i % TEXTS.length]!,
      openness: i === 0 ? 0.25 : null,
      gold: i === 1 ? ({ ranking: [[0], [1]] } as never) : null,
    })),
  );
  await side.insert("prompts", [{ datasetId: other!, externalId: "p0", text: "Café elsewhere" }]);
  return { dataset: dataset!, other: other!, prompts };
}

const statsValues = (promptId: number, values: Partial<PromptStatsValues> = {}): PromptStatsValues => ({
  promptId,
  annotations: 0,
  rankings: 0,
  kendallW: null,
  meanTauB: null,
  meanOpenness: null,
  openness: null,
  notRankable: 0,
  commented: 0,
  pending: 0,
  accepted: 0,
  rejected: 0,
  sentBack: 0,
  alphaCount: 0,
  alphaSum: 0,
  alphaSumSquares: 0,
  alphaWithin: 0,
  ...values,
});

describe.each(TEST_BACKENDS)("stats store on %s", (backend) => {
  const fresh = databasePerTest(backend);
  const open = () => ({ side: fresh.side, stats: fresh.store.stats, store: fresh.store });

  it("keeps stale prompts, agreement rows, versions and the stats a refresh writes", async () => {
    const { side, stats } = open();
    const { dataset, prompts } = await seed(side, 4);
    const [alice, bob] = await side.insert("users", [
      { email: "alice@example.com", name: "Alice" },
      { email: "bob@example.com", name: "Bob" },
    ]);
    const [p0, p1, p2] = prompts;
    const annotations = await side.insert("annotations", [
      {
        promptId: p0!,
        annotatorId: alice!,
        ranking: [[2], [1]],
        openness: 0.5,
        durationMs: 900,
        updatedAt: new Date(5),
      },
      { promptId: p0!, annotatorId: bob!, ranking: [], notRankable: true, comment: "same", updatedAt: new Date(6) },
      { promptId: p1!, annotatorId: alice!, ranking: [[1, 2]], updatedAt: new Date(7) },
    ]);
    await side.insert("annotationReviews", [
      { annotationId: annotations[0]!, reviewerId: bob!, decision: "reject", versionAt: new Date(5) },
      { annotationId: annotations[0]!, reviewerId: bob!, decision: "accept", versionAt: new Date(5) },
      { annotationId: annotations[2]!, reviewerId: bob!, decision: "send_back", versionAt: new Date(1) },
    ]);

    expect(await stats.staleCount(dataset)).toBe(4);
    expect(await stats.staleIds(dataset, 2)).toEqual([p0, p1]);
    expect(await stats.annotationsForStats([p1!, p0!])).toEqual([
      {
        id: annotations[0],
        prompt_id: p0,
        annotator_id: alice,
        ranking: "[[2],[1]]",
        openness: 0.5,
        not_rankable: 0,
        comment: null,
        duration_ms: 900,
        review_state: "accepted",
      },
      {
        id: annotations[1],
        prompt_id: p0,
        annotator_id: bob,
        ranking: "[]",
        openness: null,
        not_rankable: 1,
        comment: "same",
        duration_ms: null,
        review_state: "pending",
      },
      {
        id: annotations[2],
        prompt_id: p1,
        annotator_id: alice,
        ranking: "[[1,2]]",
        openness: null,
        not_rankable: 0,
        comment: null,
        duration_ms: null,
        review_state: "pending",
      },
    ]);
    expect(await stats.annotationsForStats([])).toEqual([]);
    expect(await stats.importedOpenness([p1!, p0!, p2!])).toEqual([
      { id: p0, openness: 0.25, gold: 0 },
      { id: p1, openness: null, gold: 1 },
      { id: p2, openness: null, gold: 0 },
    ]);

    await stats.addAgreement({
      annotationId: annotations[0]!,
      promptId: p0!,
      datasetId: dataset,
      annotatorId: alice!,
      tau: 0.5,
      durationMs: 900,
    });
    await stats.addAgreement({
      annotationId: annotations[2]!,
      promptId: p1!,
      datasetId: dataset,
      annotatorId: alice!,
      tau: Number.NaN,
      durationMs: 300,
    });
    expect(await stats.nthDuration(dataset, alice!, 0)).toBe(300);
    expect(await stats.nthDuration(dataset, alice!, 1)).toBe(900);
    expect(await stats.nthDuration(dataset, alice!, 2)).toBeNull();
    const agreement = async () =>
      (await side.rows("annotationAgreement")).sort((a, b) => a.annotationId - b.annotationId);
    expect((await agreement()).map((r) => [r.annotationId, r.tau])).toEqual([
      [annotations[0], 0.5],
      [annotations[2], null],
    ]);
    expect(await stats.annotators(dataset)).toEqual([{ id: alice, name: "Alice" }]);
    // dataset_annotators, kept by triggers, as the annotator table reads it.
    expect(await stats.annotatorRows(dataset)).toEqual([
      {
        id: alice,
        name: "Alice",
        email: "alice@example.com",
        external: 0,
        annotations: 2,
        compared: 1,
        tau_sum: 0.5,
        durations: 2,
      },
      {
        id: bob,
        name: "Bob",
        email: "bob@example.com",
        external: 0,
        annotations: 1,
        compared: 0,
        tau_sum: 0,
        durations: 0,
      },
    ]);
    expect(await stats.annotatorCount(dataset)).toBe(2);
    await stats.clearAgreement([p0!]);
    expect((await agreement()).map((r) => r.annotationId)).toEqual([annotations[2]]);
    await stats.clearAgreement([]);

    await stats.writePromptStats(
      statsValues(p0!, {
        annotations: 2,
        rankings: 1,
        kendallW: 0.25,
        meanTauB: -0.5,
        notRankable: 1,
        commented: 1,
        accepted: 1,
        pending: 1,
        alphaCount: 2,
        alphaSum: 1.5,
        alphaSumSquares: 1.25,
        alphaWithin: 0.125,
      }),
    );
    await stats.writePromptStats(statsValues(p1!, { annotations: 1, rankings: 1, kendallW: 0.75, pending: 1 }));
    expect(await stats.staleIds(dataset, 10)).toEqual([p2, prompts[3]]);
    expect(await stats.staleCount(dataset)).toBe(2);
    expect(await stats.datasetStats(dataset)).toEqual({
      datasetId: dataset,
      prompts: 4,
      stale: 2,
      wCount: 2,
      wSum: 1,
      alphaCount: 2,
      alphaSum: 1.5,
      alphaSumSquares: 1.25,
      alphaWithin: 0.125,
      alphaUnits: 1,
      reviewPending: 2,
      reviewAccepted: 1,
      reviewRejected: 0,
      reviewSentBack: 0,
    });
    expect(await stats.datasetStats(9999)).toBeNull();
    expect(await stats.flaggedCount(dataset, 0.5)).toBe(1);
    expect(await stats.flaggedCount(dataset, 0.25)).toBe(0);
    // p0 has 2 annotations, p1 1, p2 and p3 none.
    expect(await stats.fill(dataset, 2)).toEqual({ annotations: 3, complete: 1 });
    expect(await stats.fill(dataset, 3)).toEqual({ annotations: 3, complete: null });
    expect(await stats.fill(9999, 1)).toEqual({ annotations: null, complete: null });
    // A NaN is NULL, which the NOT NULL sums refuse on both backends.
    await expect(stats.writePromptStats(statsValues(p2!, { alphaSum: Number.NaN }))).rejects.toThrow();

    expect(await stats.nextPendingReview(dataset, 0)).toBe(p0);
    expect(await stats.nextPendingReview(dataset, p0!)).toBe(p1);
    expect(await stats.nextPendingReview(dataset, p1!)).toBe(p0);

    expect(await stats.version(dataset)).toBe(0);
    await stats.bumpVersion(dataset);
    await stats.bumpVersion(dataset);
    expect(await stats.version(dataset)).toBe(2);
  });

  it("lists a dataset's annotators by name in byte order (SQLite's BINARY), ties by id", async () => {
    const { side, stats } = open();
    const { dataset, prompts } = await seed(side, 1);
    const users = await side.insert(
      "users",
      ["bob", "Émile", "", "Alice", "alice", "Alice"].map((name, i) => ({ email: `u${i}@example.com`, name })),
    );
    const annotations = await side.insert(
      "annotations",
      users.map((annotatorId) => ({ promptId: prompts[0]!, annotatorId, ranking: [] })),
    );
    for (const [i, annotationId] of annotations.entries())
      await stats.addAgreement({
        annotationId,
        promptId: prompts[0]!,
        datasetId: dataset,
        annotatorId: users[i]!,
        tau: null,
        durationMs: null,
      });
    expect((await stats.annotators(dataset)).map((a) => [a.name, a.id])).toEqual([
      ["Alice", users[3]],
      ["Alice", users[5]],
      ["alice", users[4]],
      ["bob", users[0]],
      ["u2@example.com", users[2]],
      ["Émile", users[1]],
    ]);
  });

  it("bins values as statsBin does: edges, the rounding below 0.3, negatives, the ends", async () => {
    const { side, stats } = open();
    const w = [0, 0.1, 0.3, 0.35, 0.95, 1, null, 0.999999];
    const tau = [-1, -0.85, -0.3, -0.05, 0, 0.5, 1, null];
    const { dataset, prompts } = await seed(side, w.length);
    for (const [i, id] of prompts.entries())
      await stats.writePromptStats(statsValues(id, { kendallW: w[i]!, meanTauB: tau[i]! }));
    const expected = (metric: StatsHistogramMetric, values: (number | null)[]) => {
      const counts = new Map<number, number>();
      for (const v of values)
        if (v !== null) counts.set(statsBin(metric, v), (counts.get(statsBin(metric, v)) ?? 0) + 1);
      return [...counts].sort((a, b) => a[0] - b[0]).map(([bin, n]) => ({ bin, n }));
    };
    expect(await stats.bins(dataset, "kendall_w")).toEqual(expected("kendall_w", w));
    expect(await stats.bins(dataset, "mean_tau_b")).toEqual(expected("mean_tau_b", tau));
    // -0.85 is 0.75 of a bin above -1: truncated, not rounded.
    expect(statsBin("mean_tau_b", -0.85)).toBe(0);
    expect(Object.keys(STATS_HISTOGRAMS)).toEqual(["kendall_w", "mean_tau_b"]);
  });

  it("searches text and short ids the same way, folding case, taking % _ \\ literally", async () => {
    const { side, store } = open();
    const { dataset } = await seed(side);
    const ids = async (q: string) =>
      (await searchPrompts(store, dataset, parsePromptSearch({ q }))).rows.map((r) => r.externalId);
    expect(await ids("café")).toEqual(["p0", "p4", "p6", "p10"]);
    expect(await ids("über")).toEqual(["p1", "p7"]);
    expect(await ids("100%")).toEqual(["p1", "p7"]);
    expect(await ids("% a")).toEqual(["p1", "p7"]);
    expect(await ids("r_s")).toEqual(["p2", "p8"]);
    expect(await ids("r_a")).toEqual([]); // "ÜBER alles" would match a wildcard
    expect(await ids("k\\s")).toEqual(["p2", "p8"]);
    expect(await ids("PLAIN PROMPT")).toEqual(["p3", "p9"]);
    expect(await ids("p11")).toEqual(["p11"]);
    expect(await ids("nowhere")).toEqual([]);
    // Under three characters: ids only, folding ASCII case as SQLite's like does.
    expect(await ids("P1")).toEqual(["p1", "p10", "p11"]);
    expect(await ids("1")).toEqual(["p1", "p10", "p11"]);
    expect(await ids("_")).toEqual([]);
    expect(await ids("%")).toEqual([]);
    expect(await ids("é")).toEqual([]);
    const page = await searchPrompts(store, dataset, parsePromptSearch({ q: "café" }));
    expect([page.total, page.pages, page.rows[0]!.text]).toEqual([4, 1, TEXTS[0]]);
  });

  it("reads only a prompt's first 300 characters and filters on the stats", async () => {
    const { side, stats, store } = open();
    const { dataset, prompts } = await seed(side, 4);
    const [alice] = await side.insert("users", [{ email: "alice@example.com", name: "Alice" }]);
    await side.insert("annotations", [{ promptId: prompts[2]!, annotatorId: alice!, ranking: [[1], [2]] }]);
    await side.update("prompts", { text: "ü".repeat(400) }, { id: prompts[3]! });
    await stats.writePromptStats(statsValues(prompts[0]!, { kendallW: 0.1, openness: 0.25, notRankable: 1 }));
    await stats.writePromptStats(
      statsValues(prompts[1]!, { kendallW: 0.9, openness: 0.75, commented: 2, rejected: 1 }),
    );
    await stats.writePromptStats(statsValues(prompts[2]!, { annotations: 1, sentBack: 1 }));
    const found = async (params: Record<string, string>) =>
      (await searchPrompts(store, dataset, parsePromptSearch(params))).rows.map((r) => r.externalId);
    expect(await found({ agreement: "low" })).toEqual(["p0"]);
    expect(await found({ agreement: "ok" })).toEqual(["p1"]);
    expect(await found({ agreement: "none" })).toEqual(["p2", "p3"]);
    expect(await found({ open_min: "0.25", open_max: "0.5" })).toEqual(["p0"]);
    expect(await found({ flag: "not_rankable" })).toEqual(["p0"]);
    expect(await found({ flag: "commented" })).toEqual(["p1"]);
    expect(await found({ flag: "unannotated" })).toEqual(["p0", "p1", "p3"]);
    expect(await found({ annotator: String(alice) })).toEqual(["p2"]);
    expect(await found({ review: "rejected" })).toEqual(["p1"]);
    expect(await found({ review: "sent_back", agreement: "none" })).toEqual(["p2"]);
    const rows = (await searchPrompts(store, dataset, parsePromptSearch({}))).rows;
    expect(rows[3]!.text).toBe("ü".repeat(300));
    expect(rows[1]).toEqual({
      id: prompts[1],
      externalId: "p1",
      text: TEXTS[1],
      annotations: 0,
      rankings: 0,
      kendallW: 0.9,
      meanTauB: null,
      openness: 0.75,
      notRankable: 0,
      review: { pending: 0, accepted: 0, rejected: 1, sentBack: 0 },
      flagged: false,
    });
    expect(await stats.annotators(9999)).toEqual([]);
    expect(await searchPrompts(store, 9999, parsePromptSearch({}))).toMatchObject({ rows: [], total: 0 });
  });

  it.each(PROMPT_SORTS)("pages by cursor forwards and back through ties and missing W (sort %s)", async (sort) => {
    const { side, stats, store } = open();
    const w = [0.5, 0.5, null, 0.2, 0.5, null, 0.9, 0.2, 0, null, 0.5, 0, 0.2];
    const rankings = [2, 2, 0, 3, 2, 0, 2, 3, 2, 1, 2, 2, 3];
    const { dataset, prompts } = await seed(side, w.length);
    for (const [i, id] of prompts.entries())
      await stats.writePromptStats(statsValues(id, { kendallW: w[i]!, rankings: rankings[i]! }));
    const key = (i: number): [number, number, number] =>
      sort === "id"
        ? [0, 0, i]
        : sort === "rankings"
          ? [0, -rankings[i]!, i]
          : w[i] === null
            ? [1, 0, i]
            : [0, sort === "w" ? w[i]! : -w[i]!, i];
    const order = prompts
      .map((id, i) => ({ id, key: key(i) }))
      .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2])
      .map((p) => p.id);
    const size = 4;
    const expected = [0, 4, 8, 12].map((start) => order.slice(start, start + size));
    const search = async (params: Record<string, string>) =>
      searchPrompts(store, dataset, parsePromptSearch({ sort, ...params }), size);

    const forward: number[][] = [];
    let page = await search({});
    forward.push(page.rows.map((r) => r.id));
    while (page.next) {
      page = await search({ page: String(page.page + 1), after: page.next });
      forward.push(page.rows.map((r) => r.id));
      expect(page.page).toBe(forward.length);
    }
    expect(forward).toEqual(expected);
    const cursors = [page.previous];

    page = await search({ page: "4" });
    const back = [page.rows.map((r) => r.id)];
    expect([page.next, page.previous]).toEqual([null, cursors[0]]);
    while (page.previous) {
      page = await search({ page: String(page.page - 1), before: page.previous });
      back.unshift(page.rows.map((r) => r.id));
    }
    expect(back).toEqual(expected);
    expect((await search({ page: "3" })).rows.map((r) => r.id)).toEqual(expected[2]);
    // Hand-edited cursors: a fraction against integer rankings, an id past 32 bits, junk.
    for (const after of ["2.5~1", "0.5~99999999999", "null~99999999999", "abc"])
      await expect(search({ after })).resolves.toMatchObject({ total: 13 });
  });
});
