import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { BUSY_TIMEOUT_MS, isDatabaseBusy, STATEMENT_CACHE_SIZE, withoutCommitSync, writeWhenUnlocked } from "@/db";
import { findQueueDataset, nextPrompt } from "@/lib/annotations/queue";
import { saveAnnotation } from "@/lib/annotations/annotations";
import { addDataset, addUser, freshDbPerTest } from "@/lib/test-fixtures";

const temp = freshDbPerTest();
const FULL = 2;
const NORMAL = 1;

describe("the connection", () => {
  it("commits with fsync (synchronous = FULL) unless a write is marked as harmless to lose", () => {
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

  it("writes a queue lease without waiting for the disk, and an annotation with it", () => {
    const sqlite = temp.db.$client;
    const { prompts } = addDataset(temp.db, { promptCount: 2, k: 2 });
    const annotator = addUser(temp.db, "ann");
    sqlite.exec(`
      create temp table seen (what text, level integer);
      create temp trigger lease_seen after insert on assignments
        begin insert into seen values ('lease', (select synchronous from pragma_synchronous)); end;
      create temp trigger annotation_seen after insert on annotations
        begin insert into seen values ('annotation', (select synchronous from pragma_synchronous)); end;`);
    const claimed = nextPrompt(temp.db, findQueueDataset(temp.db)!, annotator);
    expect(claimed.status).toBe("prompt");
    const promptId = claimed.status === "prompt" ? claimed.prompt.id : 0;
    saveAnnotation(temp.db, annotator, {
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

  it("reuses a prepared statement for the same SQL, in its default mode, unless it is being iterated", () => {
    const sqlite = temp.db.$client;
    const sql = "select id, email from users order by id";
    addUser(temp.db, "a");
    addUser(temp.db, "b");
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

describe("a request's write while another process holds the lock", () => {
  it("waits on timers, so the event loop serves others meanwhile, then writes", async () => {
    const other = new Database(path.join(temp.dir, "test.db"));
    other.exec("begin immediate");
    const events: string[] = [];
    const writing = writeWhenUnlocked(temp.db, () => {
      addUser(temp.db, "waited");
      events.push("written");
    });
    // Another request's turn comes while the write waits; then the other writer commits.
    await new Promise((resolve) => setTimeout(resolve, 20));
    events.push("other request served");
    other.exec("commit");
    await writing;
    expect(events).toEqual(["other request served", "written"]);
    expect(temp.db.$client.prepare("select count(*) as n from users where name = 'waited'").get()).toEqual({ n: 1 });
    // The connection waits for locks as before for everything else.
    expect(temp.db.$client.pragma("busy_timeout", { simple: true })).toBe(BUSY_TIMEOUT_MS);
    other.close();
  });

  it("gives up with SQLITE_BUSY when the lock is not freed in time", async () => {
    const other = new Database(path.join(temp.dir, "test.db"));
    other.exec("begin immediate");
    try {
      const error = await writeWhenUnlocked(temp.db, () => addUser(temp.db, "never"), 30).catch((e: unknown) => e);
      expect(isDatabaseBusy(error)).toBe(true);
    } finally {
      other.exec("rollback");
      other.close();
    }
    expect(temp.db.$client.prepare("select count(*) as n from users where name = 'never'").get()).toEqual({ n: 0 });
  });
});
