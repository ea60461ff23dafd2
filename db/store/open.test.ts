import { afterEach, describe, expect, it, vi } from "vitest";
import { databasePerTest, postgresTestsRun, TEST_BACKENDS } from "@/db/pg/test-database";
import { openStoreAt, type OpenedStore } from "@/db/store/open";

const opened: OpenedStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
  vi.unstubAllEnvs();
  vi.resetModules();
});
const open = (location: string) => {
  const store = openStoreAt(location, { maxConnections: 2 });
  opened.push(store);
  return store.store;
};

describe.each(TEST_BACKENDS)("a store opened from its location on %s", (backend) => {
  const fresh = databasePerTest(backend);

  it("reaches the same database as the store whose location it is, as a child process would", async () => {
    const { id } = await fresh.store.auth.addUser({
      email: "a@test.local",
      name: "A",
      role: "admin",
      passwordHash: "x",
    });
    const child = open(fresh.store.location);
    expect(child.location).toBe(fresh.location);
    expect((await child.auth.user(id))?.email).toBe("a@test.local");
    await child.transaction("serial", (tx) => tx.admin.setRole(id, "researcher"));
    expect((await fresh.store.auth.user(id))?.role).toBe("researcher");
  });
});

describe.skipIf(!postgresTestsRun())("the PostgreSQL store by URL", () => {
  const fresh = databasePerTest("postgres");

  it("is the process's store (lib/db getStore) while DATABASE_URL is set, and getDb refuses", async () => {
    vi.stubEnv("DATABASE_URL", fresh.location);
    const { getDb, getStore } = await import("@/lib/db");
    const store = getStore();
    expect(store.location).toBe(fresh.location);
    expect(getStore()).toBe(store);
    await store.auth.addUser({ email: "b@test.local", name: "B", role: "annotator", passwordHash: "x" });
    expect((await fresh.store.auth.userByEmail("b@test.local"))?.name).toBe("B");
    expect(() => getDb()).toThrow(/DATABASE_URL is set/);
    const cached = globalThis as { octorankPostgres?: { opened: OpenedStore } };
    await cached.octorankPostgres?.opened.close();
    delete cached.octorankPostgres;
  });

  it("rejects its calls with openPostgres's words, naming the database without its password", async () => {
    // A port of this project's own range where nothing listens.
    const store = open("postgres://octorank:secret@127.0.0.1:4399/octorank");
    expect(store.location).toBe("postgres://octorank:secret@127.0.0.1:4399/octorank");
    const refused =
      /Could not open the PostgreSQL database postgres:\/\/octorank:\*\*\*@127\.0\.0\.1:4399\/octorank: .*ECONNREFUSED/;
    await expect(store.auth.user(1)).rejects.toThrow(refused);
    // Tried again, not a remembered failure: a server that comes up later is reached.
    await expect(store.transaction("atomic", (tx) => tx.auth.user(1))).rejects.toThrow(refused);
  });
});
