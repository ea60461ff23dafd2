import { describe, expect, it } from "vitest";
import { STATEMENT_CACHE_SIZE, withoutCommitSync } from "@/db";
import { findQueueDataset, nextPrompt } from "@/lib/annotations/queue";
import { saveAnnotation } from "@/lib/annotations/annotations";
import { freshDbPerTest, seedDataset, seedUser } from "@/lib/test-fixtures";

const temp = freshDbPerTest();
const FULL = 2;
const NORMAL = 1;

describe("the connection", () => {
  it("commits with fsync (synchronous = FULL) unless a write is marked as harmless to lose", async () => {
    const sqlite = temp.db.$client;
    expect(sqlite.pragma("synchronous", { simple: true })).toBe(FULL);
    expect(withoutCommitSync(temp.db, () => sqlite.pragma("synchronous", { simple: true }))).toBe(NORMAL);
    expect(sqlite.pragma("synchronous", { simple: true })).toBe(FULL);
    expect(() =>
      withoutCommitSync(temp.db, () => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(sqlite.pragma("synchronous", { simple: true })).toBe(FULL);
    // Inside a transaction the write is part of it, and as durable as it.
    const inside = sqlite.transaction(() =>
      withoutCommitSync(temp.db, () => sqlite.pragma("synchronous", { simple: true })),
    );
    expect(inside()).toBe(FULL);
  });

  it("writes a queue lease without waiting for the disk, and an annotation with it", async () => {
    const sqlite = temp.db.$client;
    const { prompts } = await seedDataset(temp.side, { promptCount: 2, k: 2 });
    const annotator = await seedUser(temp.side, "ann");
    sqlite.exec(`
      create temp table seen (what text, level integer);
      create temp trigger lease_seen after insert on assignments
        begin insert into seen values ('lease', (select synchronous from pragma_synchronous)); end;
      create temp trigger annotation_seen after insert on annotations
        begin insert into seen values ('annotation', (select synchronous from pragma_synchronous)); end;`);
    const claimed = await nextPrompt(temp.store, (await findQueueDataset(temp.store))!, annotator);
    expect(claimed.status).toBe("prompt");
    const promptId = claimed.status === "prompt" ? claimed.prompt.id : 0;
    await saveAnnotation(temp.store, annotator, {
      promptId,
      ranking: prompts.find((p) => p.id === promptId)!.responseIds.map((id) => [id]),
      openness: 0.5,
      notRankable: false,
    });
    expect(sqlite.prepare("select what, level from seen").all()).toEqual([
      { what: "lease", level: NORMAL },
      { what: "annotation", level: FULL },
    ]);
    expect(sqlite.pragma("synchronous", { simple: true })).toBe(FULL);
  });

  it("reuses a prepared statement for the same SQL, in its default mode, unless it is being iterated", async () => {
    const sqlite = temp.db.$client;
    const sql = "select id, email from users order by id";
    await seedUser(temp.side, "a");
    await seedUser(temp.side, "b");
    const first = sqlite.prepare(sql);
    expect(sqlite.prepare(sql)).toBe(first);
    first.raw(true);
    expect(sqlite.prepare(sql).all()[0]).toMatchObject({ email: "a@test.local" });
    const iterating = sqlite.prepare(sql).iterate();
    iterating.next();
    const other = sqlite.prepare(sql);
    expect(other).not.toBe(first);
    expect(other.all()).toHaveLength(2);
    iterating.return?.();
    expect(sqlite.prepare(sql)).toBe(first);
    // Bounded: a flood of distinct SQL texts does not keep every statement.
    for (let i = 0; i <= STATEMENT_CACHE_SIZE; i++) sqlite.prepare(`select ${i} as n`);
    expect(sqlite.prepare(sql)).not.toBe(first);
  });
});
