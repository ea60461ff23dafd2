/**
 * The annotations store (db/store/annotations.ts, db/pg/store/annotations.ts): one test body on
 * both backends, every method, the writer's versions and revisions included.
 */
import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS } from "../test-database";
import { MINUTE, NOW, rankingOf, seedAnnotating } from "./annotating-fixtures";

describe.each(TEST_BACKENDS)("the annotations store on %s", (backend) => {
  const fresh = databasePerTest(backend);
  const setUp = async () => {
    const seeded = await seedAnnotating(fresh);
    return { ...seeded, annotations: fresh.store.annotations, queue: fresh.store.queue };
  };

  it("finds prompts of visible datasets, and which response ids exist, in id order", async () => {
    const { annotations, demo, synth, staged, datasets } = await setUp();
    expect(await annotations.visiblePrompt(demo[0]!.id)).toStrictEqual({ id: demo[0]!.id, datasetId: datasets.demo });
    expect(await annotations.visiblePrompt(synth.id)).toStrictEqual({ id: synth.id, datasetId: datasets.synth });
    expect(await annotations.visiblePrompt(staged.id)).toBeNull();
    expect(await annotations.visiblePrompt(9999)).toBeNull();
    expect(await annotations.existingResponses([])).toStrictEqual([]);
    const [a, b] = demo[1]!.responses;
    expect(await annotations.existingResponses([9999, b!, a!])).toStrictEqual([Math.min(a!, b!), Math.max(a!, b!)]);
    expect(await annotations.responsePositions([])).toStrictEqual([]);
    expect(await annotations.responsePositions([demo[1]!.id, demo[0]!.id])).toStrictEqual(
      [demo[0]!, demo[1]!]
        .flatMap((p) => [
          { id: p.responses[1]!, promptId: p.id, position: 1 },
          { id: p.responses[0]!, promptId: p.id, position: 0 },
        ])
        .sort((x, y) => x.id - y.id),
    );
  });

  it("reads the write rule's facts as booleans and numbers", async () => {
    const { annotations, queue, users, demo, synth, staged } = await setUp();
    const facts = (promptId: number, annotator = users.alice, at = NOW) =>
      annotations.writeFacts(promptId, annotator, at);
    expect(await facts(demo[0]!.id)).toStrictEqual({ synthetic: false, k: 2, taken: 0, mine: false, leased: false });
    expect(await facts(synth.id)).toStrictEqual({ synthetic: true, k: 3, taken: 0, mine: false, leased: false });
    expect(await facts(staged.id)).toBeNull();
    expect(await facts(9999)).toBeNull();
    await annotations.write(demo[0]!.id, users.carol, rankingOf(demo[0]!), "keep");
    await queue.lease(demo[0]!.id, users.bob, new Date(NOW + MINUTE));
    await queue.lease(demo[0]!.id, users.dave, new Date(NOW));
    await queue.skip(demo[0]!.id, users.carol, new Date(NOW + MINUTE), null);
    await queue.lease(demo[0]!.id, users.alice, new Date(NOW + MINUTE));
    expect(await facts(demo[0]!.id)).toStrictEqual({ synthetic: false, k: 2, taken: 2, mine: false, leased: true });
    expect(await facts(demo[0]!.id, users.alice, NOW + MINUTE)).toStrictEqual({
      synthetic: false,
      k: 2,
      taken: 1,
      mine: false,
      leased: false,
    });
    expect(await facts(demo[0]!.id, users.carol)).toStrictEqual({
      synthetic: false,
      k: 2,
      taken: 3,
      mine: true,
      leased: false,
    });
  });

  it("writes a first version, keeps or revises the same content, and dates a new version after the old", async () => {
    const { annotations, users, demo } = await setUp();
    const prompt = demo[0]!;
    const at = new Date(NOW);
    expect(await annotations.stored(prompt.id, users.alice)).toBeNull();
    const created = await annotations.write(
      prompt.id,
      users.alice,
      rankingOf(prompt, { comment: "Ünïcode 👍", createdAt: at }),
      "keep",
    );
    expect(created.outcome).toBe("created");
    expect(created.annotation).toStrictEqual({
      id: created.annotation.id,
      promptId: prompt.id,
      annotatorId: users.alice,
      ranking: [[prompt.responses[0]], [prompt.responses[1]]],
      openness: 0.5,
      notRankable: false,
      notRankableReason: null,
      comment: "Ünïcode 👍",
      durationMs: 12_000,
      suggestionRunId: null,
      suggestedRanking: null,
      suggestionDistance: null,
      createdAt: at,
      updatedAt: at,
    });
    expect(await annotations.stored(prompt.id, users.alice)).toStrictEqual(created.annotation);

    const same = rankingOf(prompt, { comment: "Ünïcode 👍", updatedAt: new Date(NOW + MINUTE) });
    expect(await annotations.write(prompt.id, users.alice, same, "keep")).toStrictEqual({
      annotation: created.annotation,
      outcome: "unchanged",
    });
    // Dated before the version it replaces: a millisecond after it instead.
    const revised = await annotations.write(
      prompt.id,
      users.alice,
      rankingOf(prompt, { updatedAt: new Date(NOW - MINUTE) }),
      "revise",
    );
    expect(revised.outcome).toBe("updated");
    expect(revised.annotation).toMatchObject({ comment: null, createdAt: at, updatedAt: new Date(NOW + 1) });
    const notRankable = await annotations.write(
      prompt.id,
      users.alice,
      rankingOf(prompt, { notRankable: true, notRankableReason: "Both empty", updatedAt: new Date(NOW + MINUTE) }),
      "keep",
    );
    expect(notRankable.annotation).toMatchObject({
      ranking: [],
      notRankable: true,
      notRankableReason: "Both empty",
      updatedAt: new Date(NOW + MINUTE),
    });
    const revisions = await fresh.side.rows("annotationRevisions");
    expect(revisions.map((r) => [r.annotationId, r.versionAt.getTime(), r.comment, r.notRankable])).toStrictEqual([
      [created.annotation.id, NOW, "Ünïcode 👍", false],
      [created.annotation.id, NOW + 1, null, false],
    ]);
    expect(await annotations.ownPrompt(created.annotation.id, users.alice)).toBe(prompt.id);
    expect(await annotations.ownPrompt(created.annotation.id, users.bob)).toBeNull();
    expect(await annotations.ownPrompt(9999, users.alice)).toBeNull();
  });

  it("writes many annotations at once as write() writes each, and reads the stored ones of many pairs", async () => {
    const { annotations, users, demo } = await setUp();
    const [one, many] = [demo[0]!, demo[1]!];
    const at = new Date(NOW);
    for (const prompt of [one, many]) {
      await annotations.write(prompt.id, users.alice, rankingOf(prompt, { comment: "old", createdAt: at }), "keep");
      await annotations.write(prompt.id, users.bob, rankingOf(prompt, { createdAt: at }), "keep");
    }
    // A new version dated before the stored one, the same content again, a first version with a NaN.
    const versions = (prompt: { responses: number[] }) => [
      { annotatorId: users.alice, version: rankingOf(prompt, { comment: "new", updatedAt: new Date(NOW - MINUTE) }) },
      { annotatorId: users.bob, version: rankingOf(prompt, { updatedAt: new Date(NOW + MINUTE) }) },
      { annotatorId: users.carol, version: rankingOf(prompt, { openness: NaN, createdAt: at }) },
    ];
    const oneByOne = [];
    for (const { annotatorId, version } of versions(one))
      oneByOne.push((await annotations.write(one.id, annotatorId, version, "keep")).outcome);
    const atOnce = await annotations.writeAll(
      versions(many).map((v) => ({ promptId: many.id, ...v })),
      "keep",
    );
    expect(atOnce).toEqual(["updated", "unchanged", "created"]);
    expect(atOnce).toEqual(oneByOne);
    const rows = await fresh.side.rows("annotations");
    const ofPrompt = (promptId: number) =>
      rows
        .filter((a) => a.promptId === promptId)
        .map(({ id: _id, promptId: _p, ranking, ...rest }) => ({
          ...rest,
          ranking: ranking.map((group) => group.map((id) => (promptId === one.id ? one : many).responses.indexOf(id))),
        }));
    expect(ofPrompt(many.id)).toEqual(ofPrompt(one.id));
    const revisions = await fresh.side.rows("annotationRevisions");
    const annotationPrompt = new Map(rows.map((a) => [a.id, a.promptId]));
    const revisionsOf = (promptId: number) =>
      revisions
        .filter((r) => annotationPrompt.get(r.annotationId) === promptId)
        .map((r) => [r.versionAt.getTime(), r.comment]);
    expect(revisionsOf(many.id)).toEqual([[NOW, "old"]]);
    expect(revisionsOf(many.id)).toEqual(revisionsOf(one.id));
    expect(await annotations.writeAll([], "keep")).toEqual([]);

    const stored = await annotations.storedOf([
      { promptId: many.id, annotatorId: users.carol },
      { promptId: many.id, annotatorId: users.dave },
      { promptId: one.id, annotatorId: users.alice },
    ]);
    expect(stored.map((a) => [a.promptId, a.annotatorId, a.openness]).sort()).toEqual(
      [
        [many.id, users.carol, null],
        [one.id, users.alice, 0.5],
      ].sort(),
    );
    expect(await annotations.storedOf([])).toEqual([]);
  });

  it("pages my annotations newest version first, ties by id, staged datasets left out", async () => {
    const { annotations, users, demo, other, staged } = await setUp();
    const write = (prompt: { id: number; responses: number[] }, minutes: number, annotator = users.alice) =>
      annotations.write(
        prompt.id,
        annotator,
        rankingOf(prompt, { createdAt: new Date(NOW + minutes * MINUTE) }),
        "keep",
      );
    const ids = [
      (await write(demo[0]!, 1)).annotation.id,
      (await write(demo[1]!, 3)).annotation.id,
      (await write(other[0]!, 3)).annotation.id,
      (await write(demo[2]!, 2)).annotation.id,
    ];
    await write(staged, 9);
    await write(demo[3]!, 9, users.bob);
    await annotations.write(demo[0]!.id, users.alice, rankingOf(demo[0]!, { openness: 0.9 }), "revise");
    const edited = await annotations.write(
      demo[0]!.id,
      users.alice,
      rankingOf(demo[0]!, { openness: 0.1, updatedAt: new Date(NOW) }),
      "revise",
    );

    const page = await annotations.myPage(users.alice, undefined, 2);
    expect(page.map((r) => r.id)).toStrictEqual([edited.annotation.id, ids[2], ids[1]]);
    expect(page[0]).toStrictEqual({
      id: ids[0],
      promptId: demo[0]!.id,
      datasetSlug: "demo",
      datasetName: "Démo ✓",
      promptText: "Prompt d1 — ünïcode 👍",
      openness: 0.1,
      notRankable: false,
      ranking: [[demo[0]!.responses[0]], [demo[0]!.responses[1]]],
      createdAt: new Date(NOW + MINUTE),
      updatedAt: edited.annotation.updatedAt,
      edits: 2,
    });
    expect(page[1]).toMatchObject({ datasetSlug: "other", edits: 0, updatedAt: new Date(NOW + 3 * MINUTE) });
    const after = { updatedAt: page[1]!.updatedAt.getTime(), id: page[1]!.id };
    expect((await annotations.myPage(users.alice, after, 2)).map((r) => r.id)).toStrictEqual([ids[1], ids[3]]);
    const last = { updatedAt: NOW + 2 * MINUTE, id: ids[3]! };
    expect(await annotations.myPage(users.alice, last, 2)).toStrictEqual([]);
    expect(await annotations.myPage(users.dave, undefined, 2)).toStrictEqual([]);
    expect(await annotations.myTotal(users.alice)).toBe(4);
    expect(await annotations.myTotal(users.dave)).toBe(0);
  });

  it("reads one of my own annotations with its prompt, dataset and edit count", async () => {
    const { annotations, users, demo, staged, datasets } = await setUp();
    const first = await annotations.write(demo[0]!.id, users.alice, rankingOf(demo[0]!), "keep");
    await annotations.write(demo[0]!.id, users.alice, rankingOf(demo[0]!), "revise");
    const mine = await annotations.mine(users.alice, first.annotation.id);
    expect(mine?.edits).toBe(1);
    expect(mine?.annotation).toStrictEqual(await annotations.stored(demo[0]!.id, users.alice));
    expect(mine?.prompt).toMatchObject({
      id: demo[0]!.id,
      datasetId: datasets.demo,
      externalId: "d1",
      messages: null,
      annotationCount: 1,
      gold: null,
    });
    expect(mine?.prompt.createdAt).toBeInstanceOf(Date);
    expect(mine?.dataset).toMatchObject({
      id: datasets.demo,
      slug: "demo",
      synthetic: false,
      importStaging: false,
      quality: {},
    });
    expect(await annotations.mine(users.bob, first.annotation.id)).toBeNull();
    const hidden = await annotations.write(staged.id, users.alice, rankingOf(staged), "keep");
    expect(await annotations.mine(users.alice, hidden.annotation.id)).toBeNull();
  });
});
