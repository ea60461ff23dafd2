import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db";
import { openTempDb } from "@/lib/test-fixtures";
import { importJsonlFile } from "./import";

let dir: string;
let db: Db;
let cleanup: () => void;
beforeEach(() => ({ db, dir, cleanup } = openTempDb()));
afterEach(() => cleanup());

const lineOf = (i: number, text = `Prompt ${i}`) => ({
  id: `p${i}`,
  prompt: text,
  responses: [`a${i}`, `b${i}`, `c${i}`],
  annotations: [{ annotator: "rater", ranking: [[0], [1], [2]], openness: 0.5 }],
});

function writeLines(lines: object[]): string {
  const file = path.join(dir, `in-${Math.random().toString(36).slice(2)}.jsonl`);
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return file;
}

function fingerprint(handle: Database.Database) {
  return ["datasets", "prompts", "responses", "annotations", "annotation_revisions", "users"].map(
    (t) => (handle.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n,
  );
}

describe("import in short transactions", () => {
  it("lets another writer in between its transactions, with no wait at all", () => {
    const file = writeLines(Array.from({ length: 60 }, (_, i) => lineOf(i)));
    const other = new Database(path.join(dir, "test.db"));
    other.pragma("busy_timeout = 0");
    let wrote = 0;
    const result = importJsonlFile(
      db,
      file,
      { slug: "chunks" },
      {
        chunkMs: 0,
        pauseMs: 0,
        betweenChunks: () => {
          other.prepare("insert into users (email, name) values (?, 'writer')").run(`w${wrote++}@test.local`);
        },
      },
    );
    other.close();
    expect(result.ok).toBe(true);
    expect(wrote).toBeGreaterThan(10);
    expect(result.ok && result.promptsCreated).toBe(60);
  });

  it("stays whole or nothing when another writer changes a prompt it is about to write", () => {
    importJsonlFile(db, writeLines([lineOf(0, "Already stored")]), { slug: "chunks" });
    const other = new Database(path.join(dir, "test.db"));
    const before = fingerprint(other);
    const storedRanking = () =>
      (
        other
          .prepare(
            "select a.ranking from annotations a join prompts p on p.id = a.prompt_id where p.external_id = 'p0'",
          )
          .get() as { ranking: string }
      ).ranking;
    const rankingBefore = storedRanking();
    // The file passes the check; then, mid-write, someone stores p59 with another text. Its first
    // line re-ranks p0, which the write pass does (keeping a revision) before it meets p59.
    const lines = [
      { ...lineOf(0, "Already stored"), annotations: [{ annotator: "rater", ranking: [[2], [1], [0]], openness: 1 }] },
      ...Array.from({ length: 60 }, (_, i) => lineOf(i + 1)),
    ];
    let sneaked = false;
    const result = importJsonlFile(
      db,
      writeLines(lines),
      { slug: "chunks" },
      {
        chunkMs: 0,
        pauseMs: 0,
        betweenChunks: () => {
          if (sneaked) return;
          sneaked = true;
          const datasetId = (other.prepare("select id from datasets where slug = 'chunks'").get() as { id: number }).id;
          other
            .prepare("insert into prompts (dataset_id, external_id, text) values (?, 'p59', 'Changed meanwhile')")
            .run(datasetId);
        },
      },
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]!.reason).toMatch(/different text/);
    // Everything the import wrote is gone; only the other writer's prompt remains.
    const after = fingerprint(other);
    expect(after).toEqual([before[0], before[1]! + 1, before[2], before[3], before[4], before[5]]);
    expect(storedRanking()).toBe(rankingBefore);
    other.close();
  });

  it("a file whose last line is bad writes nothing, however long", () => {
    const before = fingerprint(db.$client);
    const lines: object[] = Array.from({ length: 60 }, (_, i) => lineOf(i));
    lines.push({ id: "broken", prompt: "", responses: [] });
    const result = importJsonlFile(db, writeLines(lines), { slug: "fresh" }, { chunkMs: 0, pauseMs: 0 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.every((e) => e.line === 61)).toBe(true);
    expect(fingerprint(db.$client)).toEqual(before);
  });

  it("checks a prompt repeated within one file against its first line, as if it were stored", () => {
    const result = importJsonlFile(db, writeLines([lineOf(1), lineOf(1, "Another text")]), { slug: "dups" });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]).toMatchObject({ line: 2, field: "prompt" });
    const twice = importJsonlFile(db, writeLines([lineOf(1), lineOf(1)]), { slug: "dups" });
    expect(twice.ok).toBe(false);
    expect(!twice.ok && twice.errors[0]!.reason).toMatch(/more than once in this file/);
  });
});
