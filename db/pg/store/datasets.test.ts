/**
 * The datasets store, one set of tests on both backends (db/store/datasets.ts on SQLite,
 * db/pg/store/datasets.ts on PostgreSQL): the writer's inserts leave the same rows on both.
 */
import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS } from "../test-database";

describe.each(TEST_BACKENDS)("datasets store on %s", (backend) => {
  const fresh = databasePerTest(backend);
  const open = () => ({ side: fresh.side, datasets: fresh.store.datasets });

  it("inserts datasets and prompts with their responses, keeping JSON as written", async () => {
    const { side, datasets } = open();
    const dataset = await datasets.insertDataset({
      slug: "d",
      name: "D",
      guidelines: "Rank them.",
      responsesPerPrompt: 2,
      annotationsPerPrompt: 3,
      importStaging: true,
    });
    expect(dataset).toMatchObject({
      slug: "d",
      synthetic: false,
      importStaging: true,
      quality: {},
      rankingMode: "ranking",
    });
    expect(dataset.createdAt).toBeInstanceOf(Date);
    await expect(
      datasets.insertDataset({
        slug: "d",
        name: "again",
        guidelines: "",
        responsesPerPrompt: 2,
        annotationsPerPrompt: 1,
      }),
    ).rejects.toThrow();

    const first = await datasets.insertPrompt(dataset.id, {
      externalId: "p1",
      text: "user: hi",
      messages: [{ role: "user", content: "hi ✓" }],
      openness: 0.5,
      metadata: { z: 1, a: { y: [1, "é"] } },
      responses: [
        { externalId: "r-b", text: "B", embedding: [0.25, -1] },
        { externalId: "r-a", text: "A" },
      ],
    });
    const empty = await datasets.insertPrompt(dataset.id, { externalId: "p2", text: "no responses", responses: [] });
    expect(empty.responseIds).toEqual(new Map());
    const prompts = await side.rows("prompts");
    expect(prompts.map((p) => [p.id, p.externalId, p.openness, p.messages, p.metadata])).toEqual([
      [first.promptId, "p1", 0.5, [{ role: "user", content: "hi ✓" }], { z: 1, a: { y: [1, "é"] } }],
      [empty.promptId, "p2", null, null, null],
    ]);
    // A user's metadata keeps its key order.
    expect(Object.keys(prompts[0]!.metadata!)).toEqual(["z", "a"]);
    const responses = await side.rows("responses");
    expect(responses.map((r) => [r.id, r.promptId, r.position, r.externalId, r.embedding])).toEqual([
      [first.responseIds.get("r-b"), first.promptId, 0, "r-b", [0.25, -1]],
      [first.responseIds.get("r-a"), first.promptId, 1, "r-a", null],
    ]);
    // The same external id twice in a dataset, or for two responses of a prompt, is refused.
    await expect(datasets.insertPrompt(dataset.id, { externalId: "p1", text: "x", responses: [] })).rejects.toThrow();
    await expect(
      datasets.insertPrompt(dataset.id, {
        externalId: "p3",
        text: "x",
        responses: [
          { externalId: "same", text: "1" },
          { externalId: "same", text: "2" },
        ],
      }),
    ).rejects.toThrow();
  });

  it("inserts many prompts at once as insertPrompt inserts each", async () => {
    const { side, datasets } = open();
    const dataset = await datasets.insertDataset({
      slug: "d",
      name: "D",
      guidelines: "",
      responsesPerPrompt: 2,
      annotationsPerPrompt: 1,
    });
    const prompt = (externalId: string) => ({
      externalId,
      text: "user: hi",
      messages: [{ role: "user" as const, content: "hi ✓" }],
      openness: NaN,
      metadata: { z: 1, a: [1, "é"] },
      responses: [
        { externalId: "r-b", text: "B", embedding: [0.25, -1] },
        { externalId: "r-a", text: "A" },
      ],
    });
    const first = await datasets.insertPrompt(dataset.id, prompt("one"));
    const many = await datasets.insertPrompts(dataset.id, [
      prompt("two"),
      { externalId: "empty", text: "no responses", responses: [] },
      prompt("three"),
    ]);
    expect(await datasets.insertPrompts(dataset.id, [])).toEqual([]);
    const prompts = await side.rows("prompts");
    expect(prompts.map((p) => p.id)).toEqual([first.promptId, ...many.map((m) => m.promptId)]);
    const content = ({ id: _id, externalId: _e, text, messages, openness, metadata }: (typeof prompts)[number]) =>
      JSON.stringify({ text, messages, openness, metadata });
    expect(new Set([prompts[0]!, prompts[1]!, prompts[3]!].map(content)).size).toBe(1);
    expect(prompts[0]!.openness).toBeNull();
    const responses = await side.rows("responses");
    const responsesOf = ({ promptId, responseIds }: { promptId: number; responseIds: Map<string, number> }) =>
      responses
        .filter((r) => r.promptId === promptId)
        .map((r) => [r.position, r.externalId, r.text, r.embedding, responseIds.get(r.externalId) === r.id]);
    expect(responsesOf(many[0]!)).toEqual(responsesOf(first));
    expect(responsesOf(many[2]!)).toEqual(responsesOf(first));
    expect(many[1]!.responseIds).toEqual(new Map());
    await expect(datasets.insertPrompts(dataset.id, [prompt("four"), prompt("one")])).rejects.toThrow();
  });

  it("finds or creates many external annotators' accounts at once", async () => {
    const { side, datasets } = open();
    const existing = await datasets.ensureExternalAnnotator("rater-a");
    const found = await datasets.ensureExternalAnnotators(["rater-b", "rater-a", "Rater-A"]);
    expect(found.map((f) => f.created)).toEqual([true, false, true]);
    expect(found[1]!.id).toBe(existing.id);
    expect(await datasets.ensureExternalAnnotators(["Rater-A", "rater-b"])).toEqual([
      { id: found[2]!.id, created: false },
      { id: found[0]!.id, created: false },
    ]);
    expect(await datasets.ensureExternalAnnotators([])).toEqual([]);
    const users = await side.rows("users");
    expect(users.map((u) => [u.id, u.email, u.name, u.role, u.external, u.passwordHash])).toEqual([
      [existing.id, "rater-a@external.invalid", "rater-a", "annotator", true, null],
      [found[0]!.id, "rater-b@external.invalid", "rater-b", "annotator", true, null],
      [found[2]!.id, "Rater-A@external.invalid", "Rater-A", "annotator", true, null],
    ]);
  });

  it("finds an external annotator's account by name, or creates one that cannot sign in", async () => {
    const { side, datasets } = open();
    const created = await datasets.ensureExternalAnnotator("rater-a");
    expect(created.created).toBe(true);
    expect(await datasets.ensureExternalAnnotator("rater-a")).toEqual({ id: created.id, created: false });
    expect((await datasets.ensureExternalAnnotator("Rater-A")).created).toBe(true);
    const users = await side.rows("users");
    expect(users.map((u) => [u.id, u.email, u.name, u.role, u.external, u.passwordHash])).toEqual([
      [created.id, "rater-a@external.invalid", "rater-a", "annotator", true, null],
      [users[1]!.id, "Rater-A@external.invalid", "Rater-A", "annotator", true, null],
    ]);
  });

  it("reads datasets with progress, agreement rows, prompt pages and export pages as SQLite's raw rows", async () => {
    const { side, datasets } = open();
    const [ann, ext] = await side.insert("users", [
      { email: "ann@example.com", name: "Ann" },
      { email: "x@external.invalid", name: "x", external: true },
    ]);
    const [older, newer, staged] = await side.insert("datasets", [
      { slug: "b", name: "B", annotationsPerPrompt: 2, createdAt: new Date(1_000) },
      { slug: "a", name: "A", synthetic: true, createdAt: new Date(1_000) },
      { slug: "s", name: "S", importStaging: true },
    ]);
    const [p1, p2, p3] = await side.insert("prompts", [
      { datasetId: older!, externalId: "p1", text: "one", metadata: { z: 1, a: 2 } as never },
      { datasetId: newer!, externalId: "q1", text: "other dataset" },
      {
        datasetId: older!,
        externalId: "p2",
        text: "two",
        openness: 0.5,
        messages: [{ role: "user", content: "two" }],
        gold: { ranking: [[0], [1]] } as never,
      },
    ]);
    await side.insert("prompts", [{ datasetId: staged!, externalId: "s1", text: "staged" }]);
    const [r1b, r1a, q1a, r2a] = await side.insert("responses", [
      { promptId: p1!, position: 1, externalId: "b", text: "B", embedding: [1, 0.5] },
      { promptId: p1!, position: 0, externalId: "a", text: "A" },
      { promptId: p2!, position: 0, externalId: "a", text: "QA" },
      { promptId: p3!, position: 0, externalId: "a", text: "2A" },
    ]);
    const [a1, a2] = await side.insert("annotations", [
      {
        promptId: p1!,
        annotatorId: ext!,
        ranking: [[r1a!, r1b!]],
        createdAt: new Date(5_000),
        updatedAt: new Date(6_000),
      },
      {
        promptId: p1!,
        annotatorId: ann!,
        ranking: [[r1b!], [r1a!]],
        openness: 0.25,
        durationMs: 700,
        createdAt: new Date(5_000),
        updatedAt: new Date(5_000),
      },
      {
        promptId: p3!,
        annotatorId: ann!,
        ranking: [],
        notRankable: true,
        notRankableReason: "same",
        createdAt: new Date(7_000),
        updatedAt: new Date(7_000),
      },
    ]);
    await side.insert("annotationReviews", [
      { annotationId: a2!, reviewerId: ann!, decision: "accept", versionAt: new Date(5_000) },
    ]);
    const [run, otherRun] = await side.insert("trainingRuns", [
      { datasetId: older!, name: "r", config: {}, status: "succeeded" },
      { datasetId: older!, name: null, config: {}, status: "queued" },
    ]);
    await side.insert("runRewards", [
      { runId: run!, responseId: r1b!, split: "train", reward: 2 },
      { runId: run!, responseId: q1a!, split: "train", reward: 9 },
      { runId: otherRun!, responseId: r1a!, split: "test", reward: -1 },
    ]);

    const b = {
      id: older,
      slug: "b",
      name: "B",
      guidelines: "",
      responsesPerPrompt: 8,
      annotationsPerPrompt: 2,
      synthetic: false,
      rankingMode: "ranking",
      queueOrder: "fill",
      createdAt: new Date(1_000),
    };
    expect(await datasets.visible("b")).toEqual(b);
    expect(await datasets.visible("s")).toBeNull();
    expect(await datasets.progress("s")).toBeNull();
    // Oldest first, ties by id; counts as numbers.
    expect(await datasets.listProgress()).toEqual([
      { ...b, prompts: 2, annotations: 3, completePrompts: 1, annotators: 2 },
      {
        ...b,
        id: newer,
        slug: "a",
        name: "A",
        annotationsPerPrompt: 3,
        synthetic: true,
        prompts: 1,
        annotations: 0,
        completePrompts: 0,
        annotators: 0,
      },
    ]);
    expect(await datasets.progress("b")).toEqual({
      ...b,
      prompts: 2,
      annotations: 3,
      completePrompts: 1,
      annotators: 2,
    });

    expect(await datasets.agreementPrompts(older!)).toEqual([
      { id: p1, external_id: "p1", text: "one", openness: null },
      { id: p3, external_id: "p2", text: "two", openness: 0.5 },
    ]);
    expect(
      (await datasets.agreementAnnotations(older!)).map((a) => [
        a.prompt_id,
        a.annotator_id,
        a.ranking,
        a.not_rankable,
        a.external,
      ]),
    ).toEqual([
      [p1, ann, JSON.stringify([[r1b], [r1a]]), 0, 0],
      [p1, ext, JSON.stringify([[r1a, r1b]]), 0, 1],
      [p3, ann, "[]", 1, 0],
    ]);
    expect(await datasets.promptPage(older!, p1!)).toEqual({
      id: p1,
      external_id: "p1",
      text: "one",
      messages: null,
      openness: null,
      metadata: '{"z":1,"a":2}',
    });
    expect(await datasets.promptPage(newer!, p1!)).toBeNull();
    expect(await datasets.rewardedResponses(p1!, run!)).toEqual([
      { id: r1a, external_id: "a", position: 0, text: "A", reward: null },
      { id: r1b, external_id: "b", position: 1, text: "B", reward: 2 },
    ]);
    expect((await datasets.rewardedResponses(p1!, null)).map((r) => r.reward)).toEqual([null, null]);
    // Oldest first, ties by id.
    const reviewed = await datasets.reviewedAnnotations(p1!);
    expect(
      reviewed.map((a) => [
        a.id,
        a.review_state,
        a.created_at,
        a.updated_at,
        a.not_rankable,
        a.suggested_ranking,
        a.external,
      ]),
    ).toEqual([
      [a1, "pending", 5_000, 6_000, 0, null, 1],
      [a2, "accepted", 5_000, 5_000, 0, null, 0],
    ]);
    expect(reviewed[1]).toMatchObject({
      ranking: JSON.stringify([[r1b], [r1a]]),
      openness: 0.25,
      duration_ms: 700,
      name: "Ann",
    });
    expect(await datasets.runDatasetId(run!)).toBe(older);
    expect(await datasets.runDatasetId(9999)).toBeNull();
    expect(await datasets.runsOf(older!)).toEqual([
      { id: otherRun, name: null, status: "queued" },
      { id: run, name: "r", status: "succeeded" },
    ]);

    const firstPage = await datasets.exportPage(older!, 0, 1, run!);
    expect(firstPage.prompts).toEqual([
      { id: p1, external_id: "p1", text: "one", messages: null, openness: null, metadata: '{"z":1,"a":2}', gold: null },
    ]);
    expect(firstPage.responses).toEqual([
      { id: r1a, prompt_id: p1, external_id: "a", text: "A", embedding: null },
      { id: r1b, prompt_id: p1, external_id: "b", text: "B", embedding: "[1,0.5]" },
    ]);
    expect(firstPage.annotations.map((a) => [a.email, a.accepted, a.created_at, a.updated_at, a.external])).toEqual([
      ["x@external.invalid", 0, 5_000, 6_000, 1],
      ["ann@example.com", 1, 5_000, 5_000, 0],
    ]);
    expect(firstPage.rewards).toEqual([{ response_id: r1b, reward: 2 }]);
    // The id range p1..p3 takes in the other dataset's prompt q1's rows, on both backends alike.
    const rest = await datasets.exportPage(older!, p1!, 10, run!);
    expect(rest.prompts.map((p) => [p.id, p.messages, p.gold])).toEqual([
      [p3, JSON.stringify([{ role: "user", content: "two" }]), JSON.stringify({ ranking: [[0], [1]] })],
    ]);
    expect(rest.responses.map((r) => r.id)).toEqual([r2a]);
    expect(rest.annotations.map((a) => [a.not_rankable, a.not_rankable_reason])).toEqual([[1, "same"]]);
    expect(await datasets.exportPage(older!, p3!, 10, null)).toEqual({
      prompts: [],
      responses: [],
      annotations: [],
      rewards: [],
    });
    const wide = await datasets.exportPage(older!, 0, 10, run!);
    expect(wide.responses.map((r) => r.id)).toEqual([r1a, r1b, q1a, r2a]);
    expect(wide.rewards).toEqual([
      { response_id: r1b, reward: 2 },
      { response_id: q1a, reward: 9 },
    ]);
  });
});
