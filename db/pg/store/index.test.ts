/**
 * The store's transaction primitive, one test body on each backend (db/pg/test-database.ts), and
 * what only PostgreSQL has: concurrent clients, serialization failures and lock timeouts.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { SERIALIZATION_FAILURE, postgresErrorCode } from "@/db/pg/errors";
import { postgresStore } from "@/db/pg/store";
import { databasePerTest, postgresTestsRun, TEST_BACKENDS, type TestDatabase } from "@/db/pg/test-database";
import { isLockTimeout, type Store } from "@/db/store";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function addAdmins(store: Store, ...names: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const name of names) {
    ids.push((await store.auth.addUser({ email: `${name}@test.local`, name, role: "admin", passwordHash: "x" })).id);
  }
  return ids;
}

/** A serial transaction that has taken the serial writers' lock and holds it until `release`; `holder` is its end. */
async function holdSerialLock(store: Store): Promise<{ release: () => void; holder: Promise<void> }> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const holder = store.transaction("serial", async (tx) => {
    await tx.admin.activeAdmins();
    entered();
    await held;
  });
  await inside;
  return { release, holder };
}

/** lib/admin's rule, as a transaction: demote `userId` unless that would leave no active admin. */
const demote = (store: Store, userId: number, intent: "serial" | "atomic" = "serial", afterRead = async () => {}) =>
  store.transaction(intent, async (tx) => {
    const admins = await tx.admin.activeAdmins();
    await afterRead();
    if (admins <= 1) return false;
    await tx.admin.setRole(userId, "annotator");
    return true;
  });

describe.each(TEST_BACKENDS)("the store's transactions on %s", (backend) => {
  const fresh: TestDatabase = databasePerTest(backend);

  it("let only one of two admins demoting each other at once succeed (serial)", async () => {
    const [ann, bob] = await addAdmins(fresh.store, "ann", "bob");
    const outcomes = await Promise.all([demote(fresh.store, ann!), demote(fresh.store, bob!)]);
    expect(outcomes.sort()).toEqual([false, true]);
    expect(await fresh.store.admin.activeAdmins()).toBe(1);
  });

  it("roll back whole when the work fails", async () => {
    const [ann] = await addAdmins(fresh.store, "ann");
    await expect(
      fresh.store.transaction("atomic", async (tx) => {
        await tx.admin.setRole(ann!, "annotator");
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(await fresh.store.admin.activeAdmins()).toBe(1);
  });

  it("make a transaction begun inside another a savepoint: its failure undoes its own writes only", async () => {
    const [ann, bob] = await addAdmins(fresh.store, "ann", "bob");
    const value = await fresh.store.transaction("serial", async (tx) => {
      await tx.admin.setRole(ann!, "researcher");
      await expect(
        tx.transaction("atomic", async (inner) => {
          await inner.admin.setRole(bob!, "researcher");
          expect(await inner.admin.activeAdmins()).toBe(0);
          throw new Error("inner refused");
        }),
      ).rejects.toThrow("inner refused");
      expect(await tx.admin.activeAdmins()).toBe(1);
      return tx.transaction("atomic", async (inner) => (await inner.auth.user(bob!))?.role);
    });
    expect(value).toBe("admin");
    expect((await fresh.store.auth.user(ann!))?.role).toBe("researcher");
    expect((await fresh.store.auth.user(bob!))?.role).toBe("admin");
  });

  it("commit a low-durability write like any other", async () => {
    const [ann] = await addAdmins(fresh.store, "ann");
    const token = await fresh.store.transaction("atomic", (tx) => tx.admin.addToken(ann!, "t", "hash", "oct_"));
    await fresh.store.transaction("low-durability", (tx) => tx.auth.setTokenLastUsed(token, 1_700_000_000_000));
    expect((await fresh.store.auth.unrevokedToken("hash"))?.lastUsedAt?.getTime()).toBe(1_700_000_000_000);
  });
});

describe.skipIf(!postgresTestsRun())("the store's transactions on PostgreSQL alone", () => {
  const fresh = databasePerTest("postgres");

  it("run the whole work again after a real serialization failure, and keep the invariant", async () => {
    const [ann, bob] = await addAdmins(fresh.store, "ann", "bob");
    // Both read the count before either writes: a write skew serializable isolation refuses.
    let reads = 0;
    let bothRead!: () => void;
    const barrier = new Promise<void>((resolve) => (bothRead = resolve));
    const afterRead = async () => {
      if (++reads === 2) bothRead();
      await Promise.race([barrier, sleep(2_000)]);
    };
    const outcomes = await Promise.all([
      demote(fresh.store, ann!, "atomic", afterRead),
      demote(fresh.store, bob!, "atomic", afterRead),
    ]);
    expect(outcomes.sort()).toEqual([false, true]);
    // Two first attempts, then at least one again, which saw the other's commit.
    expect(reads).toBeGreaterThanOrEqual(3);
    expect(await fresh.store.admin.activeAdmins()).toBe(1);
  });

  it("give up waiting for another serial writer after lockWaitMs, as a lock timeout, having written nothing", async () => {
    const [ann] = await addAdmins(fresh.store, "ann");
    const { release, holder } = await holdSerialLock(fresh.store);
    const refused = fresh.store
      .transaction("serial", (tx) => tx.admin.setRole(ann!, "annotator"), { lockWaitMs: 50 })
      .then(
        () => null,
        (error: unknown) => error,
      );
    const error = await refused;
    release();
    await holder;
    expect(isLockTimeout(error)).toBe(true);
    expect(await fresh.store.admin.activeAdmins()).toBe(1);
    // The pool's clients were returned clean: a later transaction with the default wait succeeds.
    await fresh.store.transaction("serial", (tx) => tx.admin.setRole(ann!, "researcher"));
    expect(await fresh.store.admin.activeAdmins()).toBe(0);
  });

  /** Sessions holding an advisory lock now, and the pool's clients. */
  async function serialLockHolders(): Promise<number> {
    const held = await fresh.postgres.execute<{ n: number }>(
      sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and granted`,
    );
    return held.rows[0]!.n;
  }

  it("tries the serial lock once when asked not to wait, and a session whose wait failed is closed, not pooled", async () => {
    const [ann] = await addAdmins(fresh.store, "ann");
    const { release, holder } = await holdSerialLock(fresh.store);
    const pool = fresh.postgres.$client;
    const attemptWith = (lockWaitMs: number) =>
      fresh.store
        .transaction("serial", (tx) => tx.admin.setRole(ann!, "annotator"), { lockWaitMs })
        .then(
          () => null,
          (error: unknown) => error,
        );
    try {
      // A try: refused at once, and its session, which never held the lock, goes back to the pool.
      expect(pool.idleCount).toBe(0);
      expect(isLockTimeout(await attemptWith(0))).toBe(true);
      expect(pool.idleCount).toBe(1);
      // A wait that times out may have been granted the lock as it failed: its session is closed.
      const pooled = pool.totalCount;
      expect(isLockTimeout(await attemptWith(50))).toBe(true);
      expect(pool.totalCount).toBe(pooled - 1);
      expect(await serialLockHolders()).toBe(1);
    } finally {
      release();
      await holder;
    }
    // The closed session's lock goes when its server process notices the closed connection and
    // exits, a moment after the close: a pooled session would keep it for good.
    await expect.poll(serialLockHolders, { timeout: 10_000 }).toBe(0);
    expect(await fresh.store.admin.activeAdmins()).toBe(1);
    await fresh.store.transaction("serial", (tx) => tx.admin.setRole(ann!, "researcher"), { lockWaitMs: 0 });
    expect(await fresh.store.admin.activeAdmins()).toBe(0);
  });

  it("runs plain reads on the pool and names the database by its URL", () => {
    const store = postgresStore(fresh.postgres, fresh.location);
    expect(store.location).toMatch(/^postgres:\/\//);
  });

  it("reads the SQLSTATE through drizzle's wrapping of a pg error", () => {
    const pgError = Object.assign(new Error("could not serialize"), { code: SERIALIZATION_FAILURE });
    expect(postgresErrorCode(new Error("Failed query", { cause: pgError }))).toBe("40001");
    expect(isLockTimeout(new Error("Failed query", { cause: Object.assign(new Error(), { code: "55P03" }) }))).toBe(
      true,
    );
    expect(isLockTimeout(Object.assign(new Error(), { code: "23505" }))).toBe(false);
  });
});
