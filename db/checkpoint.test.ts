import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointInBackground, whenCheckpointed } from "@/db/checkpoint";
import { freshDbPerTest, seedUser } from "@/lib/test-fixtures";

const temp = freshDbPerTest();

describe("the server connection's checkpoints", () => {
  it("happen on another thread: commits never copy the log themselves, and the log still reaches the file", async () => {
    const file = path.join(temp.dir, "test.db");
    const sqlite = temp.db.$client;
    const worker = checkpointInBackground(temp.db, file);
    try {
      expect(sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
      const before = fs.statSync(file).size;
      // Far more than SQLite's 1000-page threshold.
      const pad = "x".repeat(3000);
      const insert = sqlite.prepare("insert into users (email, name, role) values (?, ?, 'annotator')");
      sqlite.transaction(() => {
        for (let i = 0; i < 2000; i++) insert.run(`u${i}@t`, pad);
      })();
      await seedUser(temp.side, "last");
      // The file is checked once the checkpointer says the whole log is in it: while a checkpoint is
      // still copying pages the file has grown only part of the way.
      const pageSize = sqlite.pragma("page_size", { simple: true }) as number;
      await whenCheckpointed(worker, Math.floor((2000 * 3000) / pageSize), 20_000);
      expect(fs.statSync(file).size).toBeGreaterThan(before + 2000 * 3000);
    } finally {
      await worker.terminate();
    }
  });
});
