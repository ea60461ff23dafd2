/**
 * Tests on PostgreSQL, and tests run alike on both backends. A test that uses
 * postgresDatabasePerTest() gets a fresh database copied from the template that the run's one
 * throwaway cluster migrated (db/pg/test-cluster-setup.ts, vitest's globalSetup), dropped after
 * it. `Side` writes and reads the same rows on either backend through drizzle's builder, so one
 * test body can seed and check both.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, inArray, type Column, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { afterAll, afterEach, beforeAll, beforeEach, inject } from "vitest";
import { openDatabase, type Db } from "../index";
import * as sqliteSchema from "../schema";
import { sqliteStore, type Store } from "../store";
import { postgresErrorCode } from "./errors";
import { connectPostgres, type PgDb } from "./index";
import * as pgSchema from "./schema";
import { postgresStore } from "./store";
import { databaseUrl, NO_POSTGRES_MESSAGE, postgresBinDir } from "./test-cluster";

/** Whether PostgreSQL tests run here: a server is installed. */
export const postgresInstalled = postgresBinDir() !== null;

export type Backend = "sqlite" | "postgres";

/**
 * The backends a both-backends test runs on (`describe.each(TEST_BACKENDS)`): both, or SQLite
 * alone (saying so once) when no PostgreSQL server is installed.
 */
export const TEST_BACKENDS: readonly Backend[] = postgresInstalled ? ["sqlite", "postgres"] : ["sqlite"];

let warned = false;
/** Says once per test file that the PostgreSQL tests were skipped; true when they run. */
export function postgresTestsRun(): boolean {
  if (!postgresInstalled && !warned) {
    warned = true;
    console.warn(NO_POSTGRES_MESSAGE);
  }
  return postgresInstalled;
}

export type TableName = {
  [K in keyof typeof pgSchema]: (typeof pgSchema)[K] extends PgTable ? K : never;
}[keyof typeof pgSchema];
export type Insert<K extends TableName> = (typeof pgSchema)[K]["$inferInsert"];
export type Select<K extends TableName> = (typeof pgSchema)[K]["$inferSelect"];
/** Rows a write applies to: column = value, or column in [values]. */
export type Match<K extends TableName> = Partial<Record<keyof Select<K>, number | number[]>>;

/** One backend, written and read through its own schema, in the terms both share. */
export type Side = {
  name: Backend;
  /** Inserts rows; returns their ids when the table numbers its rows. */
  insert<K extends TableName>(table: K, rows: Insert<K>[]): Promise<number[]>;
  update<K extends TableName>(table: K, set: Partial<Insert<K>>, match: Match<K>): Promise<void>;
  remove<K extends TableName>(table: K, match: Match<K>): Promise<void>;
  /** By id where the table has one, so that both backends list them alike. */
  rows<K extends TableName>(table: K): Promise<Select<K>[]>;
};

function where(table: Record<string, unknown>, match: Record<string, number | number[] | undefined>): SQL {
  const conditions = Object.entries(match).map(([key, value]) => {
    const column = table[key] as Column;
    return Array.isArray(value) ? inArray(column, value) : eq(column, value!);
  });
  return and(...conditions)!;
}

/**
 * A backend as a Side. drizzle's query builder has the same shape on both dialects, and only the
 * tables differ, so the SQLite handle is typed as the PostgreSQL one here; each runs its own SQL.
 */
function sideOf(name: Backend, db: Db | PgDb, tables: typeof sqliteSchema | typeof pgSchema): Side {
  const builder = db as PgDb;
  const table = (t: TableName) => tables[t] as unknown as PgTable & Record<string, PgColumn>;
  return {
    name,
    async insert(tableName, rows) {
      const t = table(tableName);
      if (!("id" in t)) {
        await builder.insert(t).values(rows as never);
        return [];
      }
      return (
        await builder
          .insert(t)
          .values(rows as never)
          .returning({ id: t.id })
      ).map((r) => r.id as number);
    },
    async update(tableName, set, match) {
      await builder
        .update(table(tableName))
        .set(set as never)
        .where(where(table(tableName), match));
    },
    async remove(tableName, match) {
      await builder.delete(table(tableName)).where(where(table(tableName), match));
    },
    async rows(tableName) {
      const t = table(tableName);
      return (await ("id" in t ? builder.select().from(t).orderBy(t.id) : builder.select().from(t))) as never;
    },
  };
}

export const sqliteSide = (db: Db): Side => sideOf("sqlite", db, sqliteSchema);
export const postgresSide = (db: PgDb): Side => sideOf("postgres", db, pgSchema);

export type PostgresDatabase = {
  /** The database's drizzle handle (its own pool). */
  db: PgDb;
  /** postgres://… to the database, for a second pool or a child process. */
  url: string;
};

/**
 * The run's migrated template (db/pg/test-cluster-setup.ts starts its cluster) and, for this test
 * file, a pool on the cluster's maintenance database that creates and drops the copies.
 */
let cluster: { templateUrl: string; admin: PgDb } | null = null;
let databases = 0;

function sharedCluster(): { templateUrl: string; admin: PgDb } {
  if (cluster) return cluster;
  const templateUrl = inject("postgresTemplateUrl");
  if (!templateUrl)
    throw new Error(
      "No test cluster for this file: vitest.config.mts starts one for its `postgres` project, which takes " +
        "the files that use db/pg/test-database.ts (see the rule in its comment).",
    );
  cluster = { templateUrl, admin: connectPostgres(databaseUrl(templateUrl, "postgres"), { maxConnections: 2 }) };
  return cluster;
}

/** The next test's database, copied from the template while the current test runs. */
let spare: Promise<string> | null = null;
/** Drops still running: the next test need not wait for them, the file's end does. */
const drops = new Set<Promise<unknown>>();

async function copyTemplate(): Promise<string> {
  const { templateUrl, admin } = sharedCluster();
  // Unique across the workers of the run, which share the cluster.
  const name = `test_${process.pid}_${++databases}`;
  const create = `create database ${name} template ${new URL(templateUrl).pathname.slice(1)}`;
  // The copy is refused (55006) while any session is on the template. The setup closes the template
  // to connections and waits for its migrating sessions to go, so this should not happen; should a
  // session linger all the same (as seen under load with one cluster per file), the copy is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.$client.query(create);
      break;
    } catch (error) {
      if (postgresErrorCode(error) !== "55006" || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
  return databaseUrl(templateUrl, name);
}

/**
 * A new database copied from the migrated template, with its own pool; the caller closes it with
 * dropPostgresDatabase.
 */
export async function createPostgresDatabase({ maxConnections = 4 } = {}): Promise<PostgresDatabase> {
  // Taken before any await, so that calls at once each get a copy of their own.
  const next = spare ?? copyTemplate();
  spare = copyTemplate();
  // A failure to copy shows when the next test takes it.
  spare.catch(() => {});
  const url = await next;
  return { db: connectPostgres(url, { maxConnections }), url };
}

function dropDatabase(url: string): void {
  const { admin } = sharedCluster();
  // FORCE: a server process of the test's pool may still be on its way out.
  const drop = admin.$client
    .query(`drop database if exists ${new URL(url).pathname.slice(1)} with (force)`)
    .finally(() => drops.delete(drop));
  drops.add(drop);
}

/** Closes the database's pool and drops the database (finishing in the background). */
export async function dropPostgresDatabase(database: PostgresDatabase): Promise<void> {
  const pool = database.db.$client;
  // The pool's ending connections may be still open when the drop below ends them: no error to tell.
  pool.removeAllListeners("error").on("error", () => {});
  await pool.end();
  dropDatabase(database.url);
}

/** Drops the spare copy, waits for the drops and closes the file's admin pool. */
async function releaseCluster(): Promise<void> {
  if (!cluster) return;
  const unused = await spare?.catch(() => null);
  spare = null;
  if (unused) dropDatabase(unused);
  await Promise.all(drops);
  await cluster.admin.$client.end();
  cluster = null;
}

/**
 * How many describe blocks of the file use the cluster and have not ended: counted as the file is
 * collected, so the file's copies are dropped when the last of them ends. (A block that never runs
 * leaves its copies to the cluster's end.)
 */
let blocksUsingCluster = 0;

/**
 * A fresh migrated PostgreSQL database for each test of the calling describe block (or file), or
 * with `shared`, one for all its tests (for tests that build on each other's rows):
 * `const pg = postgresDatabasePerTest();` then `pg.db` / `pg.url` inside tests. Call it only where
 * PostgreSQL tests run (postgresTestsRun()).
 */
export function postgresDatabasePerTest(
  options: { maxConnections?: number; shared?: boolean } = {},
): Readonly<PostgresDatabase> {
  let current: PostgresDatabase | null = null;
  blocksUsingCluster++;
  // After-hooks run last-registered first: this one after the drop below.
  afterAll(async () => {
    if (--blocksUsingCluster === 0) await releaseCluster();
  });
  const create = async () => {
    current = await createPostgresDatabase(options);
  };
  const drop = async () => {
    if (current) await dropPostgresDatabase(current);
    current = null;
  };
  if (options.shared) {
    beforeAll(create);
    afterAll(drop);
  } else {
    beforeEach(create);
    afterEach(drop);
  }
  return {
    get db() {
      return current!.db;
    },
    get url() {
      return current!.url;
    },
  };
}

/** A test's database on one backend: seeded and read through `side`. */
export type TestDatabase = {
  readonly backend: Backend;
  /** The same rows written and read on either backend. */
  readonly side: Side;
  /** The backend's Store on this database. */
  readonly store: Store;
  /** The SQLite file's path or the postgres:// URL: how a child process opens this database. */
  readonly location: string;
  /** The SQLite handle (throws on PostgreSQL). */
  readonly sqlite: Db;
  /** The PostgreSQL handle (throws on SQLite). */
  readonly postgres: PgDb;
};

/**
 * A fresh database on `backend` for each test of the calling block, for one test body run on both
 * backends: `describe.each(TEST_BACKENDS)("… on %s", (backend) => { const fresh = databasePerTest(backend); … })`.
 */
export function databasePerTest(backend: Backend): TestDatabase {
  if (backend === "postgres") {
    const database = postgresDatabasePerTest();
    return {
      backend,
      get store() {
        return postgresStore(database.db, database.url);
      },
      get side() {
        return postgresSide(database.db);
      },
      get location() {
        return database.url;
      },
      get sqlite(): Db {
        throw new Error("This test database is a PostgreSQL one.");
      },
      get postgres() {
        return database.db;
      },
    };
  }
  let current: { db: Db; store: Store; dir: string } | null = null;
  beforeEach(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-test-"));
    const db = openDatabase(path.join(dir, "test.db"));
    current = { db, store: sqliteStore(db), dir };
  });
  afterEach(() => {
    current?.db.$client.close();
    if (current) fs.rmSync(current.dir, { recursive: true, force: true });
    current = null;
  });
  return {
    backend,
    get side() {
      return sqliteSide(current!.db);
    },
    get store() {
      return current!.store;
    },
    get location() {
      return current!.db.$client.name;
    },
    get sqlite() {
      return current!.db;
    },
    get postgres(): PgDb {
      throw new Error("This test database is a SQLite one.");
    },
  };
}
