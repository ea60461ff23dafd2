import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { openDatabase, schema, type Db } from "@/db";
import { connectPostgres } from "@/db/pg";
import { postgresStore } from "@/db/pg/store";
import {
  postgresDatabasePerTest,
  postgresSide,
  postgresTestsRun,
  sqliteSide,
  type Backend,
  type Side,
  type TableName,
} from "@/db/pg/test-database";
import { sqliteStore, type Store } from "@/db/store";
import type { QueueOrderName } from "@/lib/domain";
import { insertPrompt } from "@/db/store/writer";
import { isPostgresLocation } from "@/lib/env";
import { syntheticOpennessPrompts } from "@/ml";

/** The Side's types, for test files on freshDbPerTest(): they do not import the PostgreSQL harness themselves. */
export type { Select, Side, TableName } from "@/db/pg/test-database";

/**
 * A migrated SQLite file in a fresh temp folder (`dir`, free for other test files), and the store
 * over it, for unit tests that use the real database.
 */
export function openTempDb(): { db: Db; store: Store; dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-test-"));
  const db = openDatabase(path.join(dir, "test.db"));
  return {
    db,
    store: sqliteStore(db),
    dir,
    cleanup: () => {
      db.$client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A team member `name`@test.local (password hash "x"), on either backend; returns the id. */
export async function seedUser(
  side: Side,
  name: string,
  role: "annotator" | "researcher" | "admin" = "annotator",
): Promise<number> {
  const [id] = await side.insert("users", [{ email: `${name}@test.local`, name, role, passwordHash: "x" }]);
  return id!;
}

/** A dataset of `promptCount` prompts with `perPrompt` responses each, on either backend; returns the ids. */
export async function seedDataset(
  side: Side,
  {
    slug = "demo",
    promptCount = 3,
    perPrompt = 8,
    k = 3,
  }: { slug?: string; promptCount?: number; perPrompt?: number; k?: number } = {},
) {
  const [id] = await side.insert("datasets", [
    {
      slug,
      name: `Dataset ${slug}`,
      guidelines: "Rank best first.",
      responsesPerPrompt: perPrompt,
      annotationsPerPrompt: k,
    },
  ]);
  const prompts: { id: number; responseIds: number[] }[] = [];
  for (let p = 0; p < promptCount; p++) {
    const [promptId] = await side.insert("prompts", [
      { datasetId: id!, externalId: `${slug}-p${p}`, text: `Prompt ${p} of ${slug}` },
    ]);
    const responseIds = await side.insert(
      "responses",
      Array.from({ length: perPrompt }, (_, i) => ({
        promptId: promptId!,
        position: i,
        externalId: `r${i}`,
        text: `Response ${i} to prompt ${p}`,
      })),
    );
    prompts.push({ id: promptId!, responseIds });
  }
  return { dataset: { id: id!, slug }, prompts };
}

/** `count` import lines of 4 responses each, ranked by the given annotators (external names or team emails). */
export function promptLines(count: number, { prefix = "p", annotators = ["rater-a"], shift = 0 } = {}) {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    prompt: `Prompt ${prefix}${i}: explain task ${i % 97} in a few steps.`,
    responses: Array.from({ length: 4 }, (_, r) => ({ id: `r${r}`, text: `Answer ${r} to ${prefix}${i}` })),
    annotations: annotators.map((annotator, a) => ({
      annotator,
      ranking: [0, 1, 2, 3].map((r) => [(r + i + a + shift) % 4]),
      openness: ((i + a) % 5) / 4,
    })),
  }));
}

/** Writes JSONL lines (objects are stringified, strings written as they are) to a new file in `dir`. */
export function writeJsonl(dir: string, lines: (object | string)[]): string {
  const file = path.join(dir, `import-${crypto.randomUUID()}.jsonl`);
  fs.writeFileSync(file, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return file;
}

/**
 * Rows in every table an import writes or stages, on either backend: equal before and after means
 * it left nothing. `searchIndexRows` is SQLite's FTS5 index (its own table, kept by triggers);
 * PostgreSQL's trigram indexes are the prompts table's own, so there it is the prompts' count.
 */
export async function importedRowCounts(database: { readonly side: Side; readonly db: Db }) {
  const { side } = database;
  const count = async (table: TableName) => (await side.rows(table)).length;
  const prompts = await count("prompts");
  return {
    datasets: await count("datasets"),
    prompts,
    responses: await count("responses"),
    annotations: await count("annotations"),
    annotationRevisions: await count("annotationRevisions"),
    users: await count("users"),
    promptStats: await count("promptStats"),
    stagedAnnotations: await count("stagedAnnotations"),
    datasetImports: await count("datasetImports"),
    datasetFill: (await side.rows("datasetFill")).reduce((sum, row) => sum + row.prompts, 0),
    searchIndexRows:
      side.name === "sqlite"
        ? (database.db.$client.prepare("select count(*) as n from prompts_fts_docsize").get() as { n: number }).n
        : prompts,
  };
}

/**
 * A dataset of `promptCount` prompts from ml/'s openness simulator, stored through the writer;
 * returns each prompt's id and its response ids by the simulator's ids, with the simulated prompts.
 */
export function addSimulatedDataset(
  db: Db,
  {
    slug,
    promptCount,
    seed,
    queueOrder,
  }: { slug: string; promptCount: number; seed: number; queueOrder?: QueueOrderName },
) {
  const dataset = db
    .insert(schema.datasets)
    .values({ slug, name: slug.toUpperCase(), ...(queueOrder ? { queueOrder } : {}) })
    .returning()
    .get();
  const sim = syntheticOpennessPrompts({ prompts: promptCount, seed });
  const prompts = sim.map((p) =>
    insertPrompt(db, dataset.id, {
      externalId: p.id,
      text: p.text,
      responses: p.responses.map((x) => ({ externalId: x.id, text: x.text })),
    }),
  );
  return { dataset, sim, prompts };
}

/** A run summary with nothing measured, for tests that complete a run by hand. */
export function blankRunSummary(backend: string) {
  return {
    backend,
    durationMs: 1,
    prompts: { train: 0, test: 0, excludedWithoutOpenness: 0 },
    metrics: {},
    testAccuracy: null,
    trainAccuracy: null,
    collapse: {},
  };
}

/**
 * Another connection to a test database (a SQLite file or a postgres:// URL, the store's `location`),
 * as a second server on it has: its own handle or pool. The caller closes it.
 */
export function anotherConnection(location: string): { store: Store; close: () => Promise<void> } {
  if (isPostgresLocation(location)) {
    const db = connectPostgres(location, { maxConnections: 2 });
    return { store: postgresStore(db, location), close: () => db.$client.end() };
  }
  const db = openDatabase(location);
  return { store: sqliteStore(db), close: async () => void db.$client.close() };
}

/** Every item of an async iterable (an export's lines), in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The backend freshDbPerTest() gives: OCTORANK_TEST_BACKEND=postgres in vitest.config.mts's `postgres` project. */
export const TEST_BACKEND: Backend = process.env.OCTORANK_TEST_BACKEND === "postgres" ? "postgres" : "sqlite";

/**
 * A fresh migrated database, its store and a temp folder for each test of the file that calls this
 * at its top: read `.store`, `.side` (rows seeded or read alike on either backend) and `.dir` inside
 * the tests, and `.db` for SQLite's own handle. On TEST_BACKEND: a file calling this runs on both
 * backends (vitest.config.mts), so its tests read and seed only through `.store` and `.side`, or it
 * is listed there as SQLite-only. With `shared`, one database for all the tests of the calling
 * block, for tests that only read what its first hook seeded.
 */
export function freshDbPerTest({ shared = false }: { shared?: boolean } = {}): {
  readonly db: Db;
  readonly store: Store;
  readonly side: Side;
  readonly dir: string;
} {
  const [before, after] = shared ? [beforeAll, afterAll] : [beforeEach, afterEach];
  // The `postgres` project where no server is installed: its run of this file is skipped.
  if (TEST_BACKEND === "postgres" && !postgresTestsRun()) beforeEach((context) => context.skip());
  else if (TEST_BACKEND === "postgres") {
    let dir: string | null = null;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-test-"));
    });
    after(() => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      dir = null;
    });
    const database = postgresDatabasePerTest({ shared });
    return {
      get db(): Db {
        throw new Error("This test database is a PostgreSQL one.");
      },
      get store() {
        return postgresStore(database.db, database.url);
      },
      get side() {
        return postgresSide(database.db);
      },
      get dir() {
        return dir!;
      },
    };
  }
  // The database is `test.db` in `dir` (tests that open it from another process count on it).
  let current: (ReturnType<typeof openTempDb> & { side: Side }) | null = null;
  before(() => {
    const opened = openTempDb();
    current = { ...opened, side: sqliteSide(opened.db) };
  });
  after(() => {
    current?.cleanup();
    current = null;
  });
  return {
    get db() {
      return current!.db;
    },
    get store() {
      return current!.store;
    },
    get side() {
      return current!.side;
    },
    get dir() {
      return current!.dir;
    },
  };
}

/** Annotators by name, their ids in the same order, on either backend. */
export async function seedUsers<Names extends string[]>(
  side: Side,
  ...names: Names
): Promise<{ [K in keyof Names]: number }> {
  const ids = [];
  for (const name of names) ids.push(await seedUser(side, name));
  return ids as { [K in keyof Names]: number };
}

/**
 * addSimulatedDataset's twin on either backend: the dataset through the Side, its prompts through
 * the store's writer (as imports write them).
 */
export async function seedSimulatedDataset(
  { side, store }: { side: Side; store: Store },
  {
    slug,
    promptCount,
    seed,
    queueOrder,
  }: { slug: string; promptCount: number; seed: number; queueOrder?: QueueOrderName },
) {
  const [id] = await side.insert("datasets", [
    { slug, name: slug.toUpperCase(), ...(queueOrder ? { queueOrder } : {}) },
  ]);
  const sim = syntheticOpennessPrompts({ prompts: promptCount, seed });
  const prompts = [];
  for (const p of sim)
    prompts.push(
      await store.datasets.insertPrompt(id!, {
        externalId: p.id,
        text: p.text,
        responses: p.responses.map((x) => ({ externalId: x.id, text: x.text })),
      }),
    );
  return { dataset: { id: id!, slug }, sim, prompts };
}

/**
 * Makes this test file's database the process's store for each test (getStore() in lib/db.ts,
 * what routes and the import process use), on either backend.
 */
export function serveTestStore(database: { readonly store: Store }): void {
  const globalForDb = globalThis as { octorankTestStore?: Store };
  beforeEach(() => {
    globalForDb.octorankTestStore = database.store;
  });
  afterEach(() => {
    delete globalForDb.octorankTestStore;
  });
}
