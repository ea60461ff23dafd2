import fs from "node:fs";
import path from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { datasetAgreement, getDataset, getDatasetProgress, histogramBins } from "@/lib/datasets/queries";
import { importJsonlFile } from "@/lib/datasets/import";
import { cursorQueries } from "@/db/store/stats";
import { parsePromptSearch, PROMPT_SORTS, promptSearchQuery, searchPrompts } from "@/lib/datasets/prompt-search";
import {
  agreementSummary,
  annotatorStats,
  datasetAggregates,
  refreshPromptStats,
  staleCount,
  statsHistogram,
} from "@/lib/datasets/prompt-stats";
import { seededRandom, shuffled } from "@/lib/random";
import type { Store } from "@/db/store";
import { freshDbPerTest, TEST_BACKEND } from "@/lib/test-fixtures";

let store: Store;
let dir: string;
const fresh = freshDbPerTest();
beforeEach(() => ({ dir, store } = fresh));

/** The ids of the annotations `pick` chooses, read through .side. */
const annotationIds = async (pick: (a: { id: number; promptId: number }) => boolean = () => true) =>
  (await fresh.side.rows("annotations")).filter(pick).map((a) => a.id);

/** A staged import's swap: every prompt of one dataset into another, by the imports store's one writer. */
const moveAllPrompts = (from: number, to: number) =>
  store.transaction("serial", (tx) => tx.imports.movePrompts(from, to, 1000));

/**
 * A random dataset: prompts with 0–4 annotations by 5 annotators, some "cannot rank", some comments,
 * in the test's database (or `into`, a block's shared one).
 */
async function importRandom(promptCount: number, seed = 7, into: { store: Store; dir: string } = { store, dir }) {
  const { store, dir } = into;
  const random = seededRandom(seed);
  const scale = [0, 0.25, 0.5, 0.75, 1];
  const lines = Array.from({ length: promptCount }, (_, i) => {
    const annotators = shuffled(["ann-a", "ann-b", "ann-c", "ann-d", "ann-e"], random).slice(
      0,
      Math.floor(random() * 5),
    );
    return {
      id: `p${i}`,
      prompt: i % 10 === 3 ? `100% sure it's 'quoted' _under_ ${i}` : `Prompt number ${i}`,
      responses: ["a", "b", "c", "d"],
      openness: i % 7 === 0 ? 0.25 : null,
      annotations: annotators.map((annotator, j) =>
        i % 11 === 5 && j === 0
          ? { annotator, ranking: [], not_rankable: true, not_rankable_reason: "same text" }
          : {
              annotator,
              ranking: shuffled([0, 1, 2, 3], random).map((r) => [r]),
              openness: scale[Math.floor(random() * 5)],
              comment: j === 1 ? "hmm" : null,
            },
      ),
    };
  });
  const file = path.join(dir, "random.jsonl");
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n"));
  const result = await importJsonlFile(store, file, { slug: "rand", create: { annotationsPerPrompt: 3 } });
  if (!result.ok) throw new Error(JSON.stringify(result));
  return (await getDataset(store, "rand"))!;
}

/** The trigger-kept aggregates (migration 0012) against the full computation over every annotation. */
async function expectMaintainedAggregatesExact(datasetId: number) {
  const full = await datasetAgreement(store, datasetId);
  const summary = await agreementSummary(store, datasetId, 3);
  const { slug } = (await fresh.side.rows("datasets")).find((d) => d.id === datasetId)!;
  const progress = (await getDatasetProgress(store, slug))!;
  expect([summary.prompts, summary.annotations, summary.completePrompts, summary.annotators]).toEqual([
    progress.prompts,
    progress.annotations,
    progress.completePrompts,
    progress.annotators,
  ]);
  expect(summary.meanW).toBeCloseTo(full.meanW!, 10);
  expect(summary.opennessAlpha).toBeCloseTo(full.opennessAlpha!, 10);
  expect(summary.opennessUnits).toBe(full.opennessUnits);
  expect(summary.flaggedPrompts).toBe(full.prompts.filter((p) => p.flagged).length);
  const annotators = await annotatorStats(store, datasetId);
  expect(annotators.map((a) => [a.name, a.annotations, a.comparedPrompts])).toEqual(
    full.annotators.map((a) => [a.name, a.annotations, a.comparedPrompts]),
  );
  annotators.forEach((a, i) => {
    if (a.tauVsConsensus === null) expect(full.annotators[i]!.tauVsConsensus).toBeNull();
    else expect(a.tauVsConsensus).toBeCloseTo(full.annotators[i]!.tauVsConsensus!, 10);
  });
  const ws = full.prompts.map((p) => p.kendallW).filter((w): w is number => w !== null);
  const taus = full.prompts.map((p) => p.meanTauB).filter((t): t is number => t !== null);
  expect(await statsHistogram(store, datasetId, "kendall_w")).toEqual(histogramBins(ws, 0, 1, 10));
  expect(await statsHistogram(store, datasetId, "mean_tau_b")).toEqual(histogramBins(taus, -1, 1, 10));
  expect(annotators.map((a) => [a.name, a.medianSeconds, a.flagged])).toEqual(
    full.annotators.map((a) => [a.name, a.medianSeconds, a.flagged]),
  );
}

describe("prompt stats", () => {
  it("agree with the full computation over every annotation", async () => {
    const dataset = await importRandom(120);
    expect(await staleCount(store, dataset.id)).toBe(120);
    expect(await refreshPromptStats(store, dataset.id, 50)).toBe(70);
    expect(await refreshPromptStats(store, dataset.id)).toBe(0);
    await expectMaintainedAggregatesExact(dataset.id);
    const full = await datasetAgreement(store, dataset.id);
    const page = await searchPrompts(store, dataset.id, parsePromptSearch({}), 500);
    for (const row of page.rows) {
      const expected = full.prompts.find((p) => p.id === row.id)!;
      expect(row.rankings).toBe(expected.annotators);
      for (const [got, want] of [
        [row.kendallW, expected.kendallW],
        [row.meanTauB, expected.meanTauB],
      ]) {
        if (want === null || want === undefined) expect(got).toBeNull();
        else expect(got).toBeCloseTo(want, 10);
      }
    }
  });

  it("stay exact through edits, deletions, reviews, a move to another dataset and its deletion", async () => {
    const dataset = await importRandom(90, 11);
    await refreshPromptStats(store, dataset.id);
    const { side } = fresh;
    const [other] = await side.insert("datasets", [{ slug: "other", name: "Other" }]);
    await side.update(
      "annotations",
      { openness: 1, durationMs: 5 },
      { id: await annotationIds((a) => a.id % 3 === 0) },
    );
    await side.update(
      "annotations",
      { ranking: [], notRankable: true },
      { id: await annotationIds((a) => a.id % 7 === 0) },
    );
    await side.remove("annotations", { id: await annotationIds((a) => a.id % 5 === 0) });
    const [reviewer] = await side.insert("users", [{ email: "rev@test.local", name: "Rev", role: "researcher" }]);
    await side.insert(
      "annotationReviews",
      (await side.rows("annotations"))
        .filter((a) => a.id % 4 === 1)
        .map((a) => ({
          annotationId: a.id,
          reviewerId: reviewer!,
          decision: "reject" as const,
          comment: "no",
          versionAt: a.updatedAt,
        })),
    );
    await refreshPromptStats(store, dataset.id);
    await expectMaintainedAggregatesExact(dataset.id);
    expect((await agreementSummary(store, dataset.id, 3)).review.rejected).toBeGreaterThan(0);
    // A staged import's swap moves every prompt into another dataset, by the one writer.
    expect(await moveAllPrompts(dataset.id, other!)).toBe(90);
    await refreshPromptStats(store, other!);
    await expectMaintainedAggregatesExact(other!);
    await expectMaintainedAggregatesExact(dataset.id);
    expect(await agreementSummary(store, dataset.id, 3)).toMatchObject({ prompts: 0, annotations: 0, annotators: 0 });
    await moveAllPrompts(other!, dataset.id);
    // The cached aggregates follow the change too (keyed on the stats version).
    const before = (await datasetAggregates(store, dataset.id, 3)).summary.annotations;
    const promptIds = new Set((await side.rows("prompts")).filter((p) => p.datasetId === dataset.id).map((p) => p.id));
    await side.remove("annotations", { id: Math.max(...(await annotationIds((a) => promptIds.has(a.promptId)))) });
    await refreshPromptStats(store, dataset.id);
    expect((await datasetAggregates(store, dataset.id, 3)).summary.annotations).toBe(before - 1);
    // Deleting a dataset leaves no aggregates behind.
    await side.remove("datasets", { id: other! });
    expect((await side.rows("datasetStats")).filter((s) => s.datasetId === other)).toEqual([]);
  });

  it("goes stale when an annotation changes, and only that prompt", async () => {
    const dataset = await importRandom(20);
    await refreshPromptStats(store, dataset.id);
    await fresh.side.update("annotations", { openness: 1 }, { id: Math.min(...(await annotationIds())) });
    expect(await staleCount(store, dataset.id)).toBe(1);
    // Counts stay exact without a refresh, whoever writes.
    await fresh.side.remove("annotations", { id: Math.max(...(await annotationIds())) });
    const annotations = await fresh.side.rows("annotations");
    const perPrompt = new Map<number, number>();
    for (const a of annotations) perPrompt.set(a.promptId, (perPrompt.get(a.promptId) ?? 0) + 1);
    expect(await getDatasetProgress(store, "rand")).toMatchObject({
      annotations: annotations.length,
      completePrompts: [...perPrompt.values()].filter((n) => n >= 3).length,
      annotators: new Set(annotations.map((a) => a.annotatorId)).size,
      prompts: 20,
    });
  });
});

describe("searchPrompts", () => {
  it("reads a search with a NUL or other control characters as the words around them", async () => {
    const dataset = await importRandom(20);
    await refreshPromptStats(store, dataset.id);
    for (const q of ["prompt\u0000 text", "\u0000", "a\u0007\u001fb\u007f", "\u0000".repeat(300)]) {
      await expect(searchPrompts(store, dataset.id, parsePromptSearch({ q }))).resolves.not.toThrow();
    }
    expect(parsePromptSearch({ q: "two\u0000words" }).q).toBe("two words");
    expect(parsePromptSearch({ q: "\u0000\u0000" }).q).toBeUndefined();
  });

  it("pages through every match once, and past the end is empty with the real total", async () => {
    const dataset = await importRandom(120);
    await refreshPromptStats(store, dataset.id);
    const seen: number[] = [];
    for (let page = 1; page <= 3; page++) {
      const result = await searchPrompts(store, dataset.id, parsePromptSearch({ page: String(page) }));
      expect(result).toMatchObject({ total: 120, pages: 3 });
      seen.push(...result.rows.map((r) => r.id));
    }
    expect(new Set(seen).size).toBe(120);
    expect(await searchPrompts(store, dataset.id, parsePromptSearch({ page: "99" }))).toMatchObject({
      rows: [],
      total: 120,
      page: 99,
    });
  });

  describe("on one dataset of 230 prompts that the tests only read", () => {
    const shared = freshDbPerTest({ shared: true });
    let dataset: { id: number };
    beforeAll(async () => {
      dataset = await importRandom(230, 7, shared);
      await refreshPromptStats(shared.store, dataset.id);
    });

    it.each(PROMPT_SORTS)(
      "walks every page by cursor, forwards and back, as the sorted list cuts into pages (sort %s)",
      async (sort) => {
        const { store } = shared;
        const size = 20;
        const search = (params: Record<string, string>) =>
          searchPrompts(store, dataset.id, parsePromptSearch({ sort, ...params }), size);
        const all = (await searchPrompts(store, dataset.id, parsePromptSearch({ sort }), 1000)).rows.map((r) => r.id);
        const expected = Array.from({ length: Math.ceil(all.length / size) }, (_, i) =>
          all.slice(i * size, (i + 1) * size),
        );
        expect(expected).toHaveLength(12);
        // The data has what cursors must get right: ties in the sorted value, and (W) prompts without one.
        const stats = (await searchPrompts(store, dataset.id, parsePromptSearch({}), 1000)).rows;
        expect(stats.some((r) => r.kendallW === null)).toBe(true);
        expect(new Set(stats.map((r) => r.rankings)).size).toBeLessThan(10);

        const forward: number[][] = [];
        let result = await search({});
        forward.push(result.rows.map((r) => r.id));
        expect(result.previous).toBeNull();
        while (result.next) {
          result = await search({ page: String(result.page + 1), after: result.next });
          forward.push(result.rows.map((r) => r.id));
          expect(result.page).toBe(forward.length);
        }
        expect(forward).toEqual(expected);

        result = await search({ page: String(expected.length) });
        const back = [result.rows.map((r) => r.id)];
        expect(result.next).toBeNull();
        while (result.previous) {
          result = await search({ page: String(result.page - 1), before: result.previous });
          back.unshift(result.rows.map((r) => r.id));
          expect(result.page).toBe(expected.length - back.length + 1);
        }
        expect(back).toEqual(expected);

        // A jump is the page it names; a cursor from a hand-edited URL with the wrong page number still
        // shows the rows after it, and the last page says it is the last.
        expect((await search({ page: "7" })).rows.map((r) => r.id)).toEqual(expected[6]);
        const seventh = await search({ page: "7" });
        const mislabelled = await search({ page: "3", after: seventh.next! });
        expect(mislabelled.rows.map((r) => r.id)).toEqual(expected[7]);
        const nearEnd = await search({ page: "2", after: (await search({ page: "11" })).next! });
        expect([nearEnd.page, nearEnd.next, nearEnd.rows.map((r) => r.id)]).toEqual([12, null, expected[11]]);
        // A cursor of another sort, or junk, starts over at page 1.
        for (const after of ["abc", "1~2~3", sort === "id" ? "0.5~3" : "17", "null~x"])
          expect((await search({ after })).rows.map((r) => r.id)).toEqual(expected[0]);
      },
    );
  });

  // SQLite's query plan (EXPLAIN QUERY PLAN over the SQLite cursor queries): a SQLite-only check.
  it.skipIf(TEST_BACKEND !== "sqlite")(
    "reads a page after a cursor by seeking an index, never by a scan or a sort",
    async () => {
      const from = "from prompt_stats ps where ps.dataset_id = @datasetId";
      for (const sort of PROMPT_SORTS)
        for (const cursor of [
          { value: 0.5, id: 10 },
          { value: null, id: 10 },
        ])
          for (const forward of [true, false]) {
            if (cursor.value === null && (sort === "id" || sort === "rankings")) continue;
            for (const query of cursorQueries(from, sort, cursor, forward)) {
              const plan = (
                fresh.db.$client
                  .prepare(`explain query plan ${query}`)
                  .all({ datasetId: 1, cursorValue: cursor.value ?? 0, cursorId: cursor.id, limit: 51 }) as {
                  detail: string;
                }[]
              )
                .map((p) => p.detail)
                .join("; ");
              expect(plan, `${sort} ${forward ? "after" : "before"} ${JSON.stringify(cursor)}: ${query}`).toMatch(
                /^SEARCH ps USING (COVERING )?INDEX prompt_stats_\w+ \(dataset_id=\? AND [^)]+\)$/,
              );
            }
          }
    },
  );

  it("takes % _ ' and \\ literally, and an empty search means everything", async () => {
    const dataset = await importRandom(120);
    await refreshPromptStats(store, dataset.id);
    const count = async (q: string) => (await searchPrompts(store, dataset.id, parsePromptSearch({ q }))).total;
    expect(await count("")).toBe(120);
    expect(await count("   ")).toBe(120);
    // One or two characters are too short for the trigram index: they match the ids containing them, and say so.
    expect(await count("%")).toBe(0);
    expect(await count("p4")).toBe(11); // p4, p40..p49
    expect(await count("17")).toBe(2); // p17, p117
    expect(await count("_")).toBe(0);
    expect((await searchPrompts(store, dataset.id, parsePromptSearch({ q: "p4" }))).notice).toMatch(
      /at least 3 characters/,
    );
    expect((await searchPrompts(store, dataset.id, parsePromptSearch({ q: "p41" }))).notice).toBeNull();
    expect(await count("100%")).toBe(12);
    expect(await count("'quoted'")).toBe(12);
    expect(await count("_under_")).toBe(12);
    expect(await count("'; drop table prompts; --")).toBe(0);
    expect(await count("\\")).toBe(0);
    expect(await count("number 11")).toBe(10); // 11 and 110..119, but 113 is a quoted one
    expect(await count("p11")).toBe(11); // external ids are searched too: p11, p110..p119
    expect((await searchPrompts(store, dataset.id, parsePromptSearch({}))).total).toBe(120);
    expect(await count('say "hi" OR NEAR(x)')).toBe(0); // FTS syntax is just text
    expect(await count("NUMBER 11")).toBe(10); // case-insensitive like LIKE
    // The trigram index follows edits to the text, whoever writes them.
    const p0 = (await fresh.side.rows("prompts")).find((p) => p.externalId === "p0")!;
    await fresh.side.update("prompts", { text: "renamed haiku" }, { id: p0.id });
    expect(await count("haiku")).toBe(1);
    expect(await count("Prompt number 0")).toBe(0);
  });

  it("filters by agreement, openness, flags, annotator and review state, combined", async () => {
    const dataset = await importRandom(120);
    await refreshPromptStats(store, dataset.id);
    const full = (await datasetAgreement(store, dataset.id)).prompts;
    const total = async (params: Record<string, string>) =>
      (await searchPrompts(store, dataset.id, parsePromptSearch(params), 1000)).total;
    expect(await total({ agreement: "low" })).toBe(full.filter((p) => p.flagged).length);
    expect(await total({ agreement: "none" })).toBe(full.filter((p) => p.kendallW === null).length);
    expect(
      (await total({ agreement: "low" })) + (await total({ agreement: "ok" })) + (await total({ agreement: "none" })),
    ).toBe(120);
    expect(await total({ open_min: "0.25", open_max: "0.25" })).toBeGreaterThanOrEqual(18); // every 7th is imported at .25
    expect(await total({ open_min: "0.9", open_max: "0.1" })).toBe(0);
    expect(await total({ flag: "not_rankable" })).toBeGreaterThan(0);
    expect(await total({ flag: "commented" })).toBeGreaterThan(0);
    const annotatorId = (await annotatorStats(store, dataset.id)).find((a) => a.name === "ann-a")!.id;
    const byA = await total({ annotator: String(annotatorId) });
    expect(byA).toBe((await annotatorStats(store, dataset.id)).find((a) => a.name === "ann-a")!.annotations);
    expect(await total({ review: "pending" })).toBe(120 - (await total({ flag: "unannotated" })));
    expect(await total({ review: "accepted" })).toBe(0);
    expect(await total({ annotator: String(annotatorId), agreement: "low" })).toBeLessThanOrEqual(byA);
  });

  it("reads a broken URL as no filter rather than an error", async () => {
    const search = parsePromptSearch({
      agreement: "bogus",
      page: "-3",
      open_min: "abc",
      annotator: "1 or 1=1",
      sort: "w; drop",
      q: ["first", "second"],
    });
    expect(search).toEqual({ q: "first" });
    expect(promptSearchQuery({ q: "a b&c", agreement: "low", page: 3 }, { page: 4 })).toBe(
      "?q=a+b%26c&agreement=low&page=4",
    );
    expect(promptSearchQuery({ q: "x", page: 3 }, { review: "pending" })).toBe("?q=x&review=pending");
  });
});
