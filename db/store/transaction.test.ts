import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { BUSY_TIMEOUT_MS, isDatabaseBusy } from "@/db";
import { sqliteStore } from "@/db/store";
import { sqliteConnection } from "@/db/store/transaction";
import { freshDbPerTest } from "@/lib/test-fixtures";

const temp = freshDbPerTest();
const FULL = 2;
const NORMAL = 1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A store call as an area's would make it: statements run through the connection. */
function statements() {
  const connection = sqliteConnection(temp.db.$client);
  const sqlite = temp.db.$client;
  return {
    addUser: (name: string) =>
      connection.run(() =>
        sqlite
          .prepare("insert into users (email, name, role, password_hash) values (?, ?, 'annotator', 'x')")
          .run(`${name}@test.local`, name),
      ),
    names: () =>
      connection.run(() =>
        (sqlite.prepare("select name from users order by id").all() as { name: string }[]).map((r) => r.name),
      ),
    synchronous: () => connection.run(() => sqlite.pragma("synchronous", { simple: true })),
  };
}

describe("the store's transactions on one SQLite connection", () => {
  it("keep concurrent async transactions and plain reads out of each other's uncommitted writes", async () => {
    const store = sqliteStore(temp.db);
    const s = statements();
    const events: string[] = [];
    const first = store.transaction("serial", async () => {
      await s.addUser("first");
      await sleep(30); // other requests run here
      events.push(`first sees ${(await s.names()).join(",")}`);
      return "first done";
    });
    const second = store.transaction("serial", async () => {
      await s.addUser("second");
      await sleep(5);
      events.push(`second sees ${(await s.names()).join(",")}`);
    });
    await sleep(10);
    // Issued while the first is open (between its statements): it waits for the commit.
    const read = s.names().then((names) => events.push(`read sees ${names.join(",")}`));
    await Promise.all([first, second, read]);
    expect(await first).toBe("first done");
    expect(events).toEqual(["first sees first", "read sees first", "second sees first,second"]);
    expect(await s.names()).toEqual(["first", "second"]);
  });

  it("roll back whole when the work fails, and a read meanwhile never sees the write", async () => {
    const store = sqliteStore(temp.db);
    const s = statements();
    const failing = store.transaction("atomic", async () => {
      await s.addUser("lost");
      await sleep(20);
      throw new Error("refused");
    });
    await sleep(5);
    const read = s.names();
    await expect(failing).rejects.toThrow("refused");
    expect(await read).toEqual([]);
    expect(await s.names()).toEqual([]);
    expect(temp.db.$client.inTransaction).toBe(false);
    // The next transaction runs normally.
    await store.transaction("atomic", () => s.addUser("kept"));
    expect(await s.names()).toEqual(["kept"]);
  });

  it("make a transaction begun inside another a savepoint: its failure undoes its own writes only", async () => {
    const store = sqliteStore(temp.db);
    const s = statements();
    await store.transaction("serial", async (tx) => {
      await s.addUser("outer");
      await expect(
        tx.transaction("atomic", async () => {
          await s.addUser("inner");
          throw new Error("inner refused");
        }),
      ).rejects.toThrow("inner refused");
      await tx.transaction("atomic", () => s.addUser("inner kept"));
    });
    expect(await s.names()).toEqual(["outer", "inner kept"]);
  });

  it("commit a low-durability write without waiting for the disk, and only that one", async () => {
    const store = sqliteStore(temp.db);
    const s = statements();
    expect(await store.transaction("low-durability", () => s.synchronous())).toBe(NORMAL);
    expect(await store.transaction("serial", () => s.synchronous())).toBe(FULL);
    await expect(
      store.transaction("low-durability", async () => {
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(await s.synchronous()).toBe(FULL);
  });

  it("wait out another process's write lock on timers, so the event loop serves others meanwhile", async () => {
    const store = sqliteStore(temp.db);
    const s = statements();
    const other = new Database(path.join(temp.dir, "test.db"));
    other.exec("begin immediate");
    const events: string[] = [];
    const writing = store.transaction("serial", async () => {
      await s.addUser("waited");
      events.push("written");
    });
    await sleep(20);
    events.push("other request served");
    // Reads go on while the write waits for the lock.
    expect(await s.names()).toEqual([]);
    other.exec("commit");
    await writing;
    expect(events).toEqual(["other request served", "written"]);
    expect(await s.names()).toEqual(["waited"]);
    expect(temp.db.$client.pragma("busy_timeout", { simple: true })).toBe(BUSY_TIMEOUT_MS);
    other.close();
  });

  it("give up with SQLITE_BUSY when the lock is not freed in time, having written nothing", async () => {
    const store = sqliteStore(temp.db);
    const s = statements();
    const other = new Database(path.join(temp.dir, "test.db"));
    other.exec("begin immediate");
    let ran = false;
    try {
      const error = await store
        .transaction(
          "serial",
          async () => {
            ran = true;
          },
          { lockWaitMs: 30 },
        )
        .catch((e: unknown) => e);
      expect(isDatabaseBusy(error)).toBe(true);
    } finally {
      other.exec("rollback");
      other.close();
    }
    expect(ran).toBe(false);
    // The refusal ended its turn: the next transaction runs.
    await store.transaction("serial", () => s.addUser("after"));
    expect(await s.names()).toEqual(["after"]);
  });
});
