/**
 * The quality store (db/store/quality.ts, db/pg/store/quality.ts): one test body on both backends,
 * every method; JSON travels as its text, counts as numbers.
 */
import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS } from "../test-database";
import { MINUTE, NOW, rankingOf, seedAnnotating } from "./annotating-fixtures";

describe.each(TEST_BACKENDS)("the quality store on %s", (backend) => {
  const fresh = databasePerTest(backend);
  const setUp = async () => {
    const seeded = await seedAnnotating(fresh);
    const { annotations, quality, queue } = fresh.store;
    return { ...seeded, annotations, quality, queue };
  };

  it("reads settings, datasets, prompts and responses as the gold import needs them", async () => {
    const { quality, datasets, demo } = await setUp();
    expect(await quality.settings(datasets.demo)).toBe("{}");
    const settings = { goldRate: 0.25, note: "ünïcode ✓", nested: { b: 1, a: [2, 1] } };
    await fresh.side.update("datasets", { quality: settings }, { id: datasets.demo });
    expect(await quality.settings(datasets.demo)).toBe(JSON.stringify(settings));
    expect(await quality.settings(9999)).toBeNull();
    expect(await quality.datasetId("demo")).toBe(datasets.demo);
    expect(await quality.datasetId("staged")).toBeNull();
    expect(await quality.datasetId("none")).toBeNull();
    expect(await quality.promptId(datasets.demo, "d2")).toBe(demo[1]!.id);
    expect(await quality.promptId(datasets.other, "d2")).toBeNull();
    const [first, second] = demo[0]!.responses;
    expect(await quality.responseIds(demo[0]!.id)).toStrictEqual([second, first]);
    expect(await quality.responseIds(9999)).toStrictEqual([]);
    expect(await quality.responsesWithExternalIds(demo[0]!.id)).toStrictEqual([
      { id: second, external_id: "d1-b" },
      { id: first, external_id: "d1-a" },
    ]);
  });

  it("marks and unmarks gold, keeps its text, counts it, and marks the prompt's statistics stale", async () => {
    const { quality, demo, datasets } = await setUp();
    const answer = JSON.stringify({ ranking: [[demo[0]!.responses[1]], [demo[0]!.responses[0]]] });
    await fresh.side.update("promptStats", { stale: false }, { promptId: demo[0]!.id });
    await quality.setGold(demo[0]!.id, answer);
    await quality.setGold(demo[1]!.id, JSON.stringify({ best: demo[1]!.responses[0] }));
    expect(await quality.gold(demo[0]!.id)).toBe(answer);
    expect(await quality.gold(demo[2]!.id)).toBeNull();
    expect(await quality.gold(9999)).toBeNull();
    expect(await quality.goldCount(datasets.demo)).toBe(2);
    expect(await quality.goldCount(datasets.other)).toBe(0);
    const stats = await fresh.side.rows("promptStats");
    expect(stats.find((s) => s.promptId === demo[0]!.id)?.stale).toBe(true);
    await quality.setGold(demo[0]!.id, null);
    expect(await quality.gold(demo[0]!.id)).toBeNull();
    expect(await quality.goldCount(datasets.demo)).toBe(1);
  });

  it("draws each annotator's gold prompts in an order of their own, leaving out answered and skipped ones", async () => {
    const { quality, annotations, queue, demo, users, datasets } = await setUp();
    for (const p of demo) await quality.setGold(p.id, JSON.stringify({ best: p.responses[0] }));
    /** The order the SQL hashes to, ties by id (ids are small: no precision lost here). */
    const expectedOrder = (annotatorId: number, ids: number[]) =>
      ids
        .map((id) => ({ id, key: (id * 2654435761 + annotatorId) % 1000003 }))
        .sort((a, b) => a.key - b.key || a.id - b.id)
        .map((x) => x.id);
    const ids = demo.map((p) => p.id);
    for (const annotator of [users.alice, users.bob]) {
      const order = expectedOrder(annotator, ids);
      expect(await quality.goldPromptFor(datasets.demo, annotator, NOW, null)).toBe(order[0]);
      expect(await quality.goldPromptFor(datasets.demo, annotator, NOW, order[0]!)).toBe(order[1]);
    }
    const order = expectedOrder(users.alice, ids);
    const byId = new Map(demo.map((p) => [p.id, p]));
    await annotations.write(order[0]!, users.alice, rankingOf(byId.get(order[0]!)!), "keep");
    await queue.skip(order[1]!, users.alice, new Date(NOW + MINUTE), null);
    expect(await quality.goldPromptFor(datasets.demo, users.alice, NOW, null)).toBe(order[2]);
    expect(await quality.goldPromptFor(datasets.demo, users.alice, NOW + MINUTE, null)).toBe(order[1]);
    expect(await quality.goldPromptFor(datasets.other, users.alice, NOW, null)).toBeNull();
  });

  it("pauses, finds the active pause, lists pauses newest first, and resumes once", async () => {
    const { quality, users, datasets } = await setUp();
    const admin = users.dave;
    expect(await quality.activePause(datasets.demo, users.alice)).toBeNull();
    await quality.pause(datasets.demo, users.alice, "Too fast ✓");
    await quality.pause(datasets.other, users.bob, "Gold");
    await quality.pause(datasets.demo, users.alice, "Again");
    const active = await quality.activePause(datasets.demo, users.alice);
    expect(active).toStrictEqual({ id: 3, reason: "Again", pausedAt: active!.pausedAt });
    expect(active!.pausedAt).toBeInstanceOf(Date);
    expect(await quality.pauses()).toStrictEqual([
      {
        id: 3,
        reason: "Again",
        pausedAt: active!.pausedAt,
        datasetSlug: "demo",
        datasetName: "Démo ✓",
        email: "alice@test.local",
        name: "Alice Ünal",
      },
      expect.objectContaining({ id: 2, datasetSlug: "other", name: "bob" }),
      expect.objectContaining({ id: 1, reason: "Too fast ✓" }),
    ]);
    expect(await quality.resume(3, admin, NOW)).toBe(true);
    expect(await quality.resume(3, admin, NOW)).toBe(false);
    expect(await quality.resume(9999, admin, NOW)).toBe(false);
    expect((await quality.activePause(datasets.demo, users.alice))?.id).toBe(1);
    const resumed = (await fresh.side.rows("annotatorPauses")).find((p) => p.id === 3);
    expect(resumed).toMatchObject({ resumedAt: new Date(NOW), resumedBy: admin });
    expect((await quality.pauses()).map((p) => p.id)).toStrictEqual([2, 1]);
    expect(await quality.user(users.alice)).toStrictEqual({ name: "Alice Ünal", email: "alice@test.local" });
    expect(await quality.user(9999)).toBeNull();
  });

  it("reads each annotator's window: the last annotations since a resume, newest first, as stored text", async () => {
    const { quality, annotations, demo, users, datasets } = await setUp();
    const write = (i: number, annotator: number, minutes: number, overrides = {}) =>
      annotations.write(
        demo[i]!.id,
        annotator,
        rankingOf(demo[i]!, { createdAt: new Date(NOW + minutes * MINUTE), ...overrides }),
        "keep",
      );
    await quality.setGold(demo[0]!.id, JSON.stringify({ best: demo[0]!.responses[1] }));
    await write(0, users.alice, 1);
    await write(1, users.alice, 2, { notRankable: true, notRankableReason: "empty", durationMs: null });
    await write(2, users.alice, 3);
    await write(3, users.alice, 3);
    await write(0, users.bob, 1);
    await write(1, users.bob, 5);
    const window = await quality.window(datasets.demo, 3);
    const row = (i: number, annotator: { id: number; name: string; email: string }, n: number, extra = {}) => ({
      annotator_id: annotator.id,
      name: annotator.name,
      email: annotator.email,
      duration_ms: 12_000,
      not_rankable: 0,
      ranking: JSON.stringify([[demo[i]!.responses[0]], [demo[i]!.responses[1]]]),
      gold: null,
      // "First é" and "Second 👍": characters, not UTF-16 units nor bytes.
      chars: 15,
      response_ids: JSON.stringify([...demo[i]!.responses].sort((a, b) => a - b)),
      n,
      ...extra,
    });
    const alice = { id: users.alice, name: "Alice Ünal", email: "alice@test.local" };
    const bob = { id: users.bob, name: "bob", email: "bob@test.local" };
    const [first, second] = users.alice < users.bob ? [alice, bob] : [bob, alice];
    const rows = {
      [alice.id]: [
        row(3, alice, 1),
        row(2, alice, 2),
        row(1, alice, 3, { not_rankable: 1, ranking: "[]", duration_ms: null }),
      ],
      [bob.id]: [row(1, bob, 1), row(0, bob, 2, { gold: JSON.stringify({ best: demo[0]!.responses[1] }) })],
    };
    expect(window).toStrictEqual([...rows[first.id]!, ...rows[second.id]!]);
    expect(await quality.window(datasets.demo, 1, users.bob)).toStrictEqual([row(1, bob, 1)]);
    expect(await quality.window(datasets.other, 3)).toStrictEqual([]);

    // Resumed after its second annotation: only what came later counts.
    await quality.pause(datasets.demo, users.alice, "Paused");
    await quality.resume(1, users.dave, NOW + 2 * MINUTE);
    expect((await quality.window(datasets.demo, 5, users.alice)).map((r) => r.ranking)).toStrictEqual([
      rows[alice.id]![0]!.ranking,
      rows[alice.id]![1]!.ranking,
    ]);
  });
});
