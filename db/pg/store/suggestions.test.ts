/**
 * The suggestions store, one set of tests on both backends (db/store/suggestions.ts on SQLite,
 * db/pg/store/suggestions.ts on PostgreSQL).
 */
import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS } from "../test-database";

describe.each(TEST_BACKENDS)("suggestions store on %s", (backend) => {
  const fresh = databasePerTest(backend);
  const open = () => ({ side: fresh.side, suggestions: fresh.store.suggestions });

  it("reads runs' scores, datasets' suggestion runs and what annotations recorded of them", async () => {
    const { side, suggestions } = open();
    const [user] = await side.insert("users", [{ email: "a@example.com", name: "A" }]);
    const [dataset, other] = await side.insert("datasets", [
      { slug: "d", name: "D", rankingMode: "ranking" },
      { slug: "o", name: "O" },
    ]);
    const [prompt, gold] = await side.insert("prompts", [
      { datasetId: dataset!, externalId: "p", text: "p" },
      { datasetId: dataset!, externalId: "g", text: "g", gold: { ranking: [[0], [1]] } as never },
    ]);
    const [r1, r2] = await side.insert("responses", [
      { promptId: prompt!, position: 0, externalId: "a", text: "A" },
      { promptId: prompt!, position: 1, externalId: "b", text: "B" },
    ]);
    const [g1] = await side.insert("responses", [{ promptId: gold!, position: 0, externalId: "a", text: "A" }]);
    const [done, queued, elsewhere] = await side.insert("trainingRuns", [
      { datasetId: dataset!, name: null, config: {}, status: "succeeded" },
      { datasetId: dataset!, name: "q", config: {}, status: "queued" },
      { datasetId: other!, name: "o", config: {}, status: "succeeded" },
    ]);
    await side.insert("runRewards", [
      { runId: done!, responseId: r2!, split: "train", reward: 0.5 },
      { runId: done!, responseId: g1!, split: "test", reward: -1 },
    ]);

    expect(await suggestions.succeededRun(done!, prompt!)).toEqual({ name: null, gold: false });
    expect(await suggestions.succeededRun(done!, gold!)).toEqual({ name: null, gold: true });
    expect(await suggestions.succeededRun(queued!, prompt!)).toBeNull();
    expect(await suggestions.succeededRun(elsewhere!, prompt!)).toBeNull();
    expect(await suggestions.promptScores(done!, prompt!)).toEqual([
      { id: r1, reward: null },
      { id: r2, reward: 0.5 },
    ]);
    expect(await suggestions.datasetScores(done!, dataset!)).toEqual([
      { promptId: prompt, id: r1, reward: null },
      { promptId: prompt, id: r2, reward: 0.5 },
    ]);
    expect(await suggestions.candidateRun(done!, dataset!)).toEqual({ status: "succeeded", scored: true });
    expect(await suggestions.candidateRun(queued!, dataset!)).toEqual({ status: "queued", scored: false });
    expect(await suggestions.candidateRun(elsewhere!, dataset!)).toBeNull();

    expect(await suggestions.setting(dataset!)).toEqual({ runId: null, mode: "ranking" });
    expect(await suggestions.setting(9999)).toBeNull();
    expect(await suggestions.datasetRun(dataset!)).toBeNull();
    await suggestions.setDatasetRun(dataset!, done!);
    expect(await suggestions.setting(dataset!)).toEqual({ runId: done, mode: "ranking" });
    expect(await suggestions.datasetRun(dataset!)).toEqual({ id: done, name: null });
    await suggestions.setDatasetRun(dataset!, null);
    expect(await suggestions.datasetRun(dataset!)).toBeNull();

    const [a1, a2, a3] = await side.insert("annotations", [
      { promptId: prompt!, annotatorId: user!, ranking: [[r2!], [r1!]] },
      { promptId: gold!, annotatorId: user!, ranking: [[g1!]] },
      {
        promptId: prompt!,
        annotatorId: (await side.insert("users", [{ email: "b@x", name: "B" }]))[0]!,
        ranking: [],
        notRankable: true,
      },
    ]);
    expect(await suggestions.annotationSuggestion(a1!)).toEqual({ runId: null, ranking: null });
    expect(await suggestions.annotationSuggestion(9999)).toBeNull();
    await suggestions.setAnnotationSuggestion(a1!, done!, "[[2],[1]]", 0.25);
    await suggestions.setAnnotationSuggestion(a2!, queued!, "[[3]]", Number.NaN);
    await suggestions.setAnnotationSuggestion(a3!, done!, "[]", null);
    expect(await suggestions.annotationSuggestion(a1!)).toEqual({ runId: done, ranking: "[[2],[1]]" });
    expect(await suggestions.anchoringRuns(dataset!)).toEqual([
      { id: done, name: null },
      { id: queued, name: "q" },
    ]);
    // Rankable annotations of non-gold prompts; a NaN distance is NULL.
    expect(await suggestions.anchoringAnnotations(dataset!)).toEqual([
      { promptId: prompt, ranking: JSON.stringify([[r2], [r1]]), runId: done, distance: 0.25 },
    ]);
    expect((await side.rows("annotations")).map((a) => a.suggestionDistance)).toEqual([0.25, null, null]);
  });
});
