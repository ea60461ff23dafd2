import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { PG_MIGRATIONS_FOLDER } from "@/db/pg";
import { postgresErrorCode } from "@/db/pg/errors";
import {
  createPostgresDatabase,
  databasePerTest,
  dropPostgresDatabase,
  postgresDatabasePerTest,
  postgresTestsRun,
  TEST_BACKENDS,
} from "@/db/pg/test-database";

describe.skipIf(!postgresTestsRun())("a fresh PostgreSQL database per test", () => {
  const database = postgresDatabasePerTest();

  it("is migrated, copied from the template", async () => {
    const journal = JSON.parse(fs.readFileSync(path.join(PG_MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8"));
    const applied = await database.db.$client.query("select count(*)::int as n from drizzle.__drizzle_migrations");
    expect(applied.rows[0].n).toBe(journal.entries.length);
    await database.db.$client.query(
      "insert into users (email, name, role, password_hash) values ('a@x', 'a', 'admin', 'x')",
    );
  });

  it("holds nothing the previous test wrote", async () => {
    const users = await database.db.$client.query("select count(*)::int as n from users");
    expect(users.rows[0].n).toBe(0);
    expect(new URL(database.url).pathname).not.toBe("/octorank_test");
  });

  it("is copied from a template that takes no connection, so that copies made at once never wait", async () => {
    const template = new pg.Client({ connectionString: inject("postgresTemplateUrl") });
    const refused = await template.connect().then(
      () => null,
      (error: unknown) => error,
    );
    await template.end().catch(() => {});
    expect(postgresErrorCode(refused)).toBe("55000");
    const copies = await Promise.all(Array.from({ length: 4 }, () => createPostgresDatabase({ maxConnections: 1 })));
    try {
      expect(new Set(copies.map((c) => c.url)).size).toBe(4);
      for (const copy of copies)
        expect((await copy.db.$client.query("select count(*)::int as n from users")).rows[0].n).toBe(0);
    } finally {
      await Promise.all(copies.map(dropPostgresDatabase));
    }
  });
});

describe.each(TEST_BACKENDS)("seeding on %s", (backend) => {
  const fresh = databasePerTest(backend);

  it("writes and reads the same rows on either backend, ordered by id", async () => {
    const ids = await fresh.side.insert("users", [
      { email: "b@test.local", name: "Bé", role: "annotator", passwordHash: "x" },
      { email: "a@test.local", name: "A", role: "admin", passwordHash: "x", disabled: true },
    ]);
    expect(ids).toEqual([1, 2]);
    await fresh.side.update("users", { name: "B" }, { id: ids[0]! });
    await fresh.side.insert("datasets", [{ slug: "d", name: "d", quality: { gold: { rate: 0.1 } } }]);
    await fresh.side.remove("datasets", { id: [1] });
    const users = await fresh.side.rows("users");
    expect(users.map((u) => [u.id, u.name, u.role, u.disabled, u.createdAt instanceof Date])).toEqual([
      [1, "B", "annotator", false, true],
      [2, "A", "admin", true, true],
    ]);
    expect(await fresh.side.rows("datasets")).toEqual([]);
    expect(fresh.location).toMatch(backend === "postgres" ? /^postgres:\/\// : /test\.db$/);
  });
});
