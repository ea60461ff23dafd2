import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");

/** How long a statement waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** Opens a SQLite file with the settings every connection needs, and applies pending migrations. */
export function openDatabase(file: string): Db {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const sqlite = new Database(file);
  if (file !== ":memory:") ownerOnly(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Durable on power loss for acknowledged writes: each commit waits for its fsync (see
  // withoutCommitSync for the writes that may skip it).
  sqlite.pragma("synchronous = FULL");
  reuseStatements(sqlite);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
}

/** Prepared statements kept per connection, by SQL text; the least recently used go first. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Drizzle prepares every query's SQL afresh, and SQLite's parse and plan of a queue query cost
 * more than running it (a third of a claim's time in the server's profile). The connection hands
 * back the statement it prepared for the same SQL before, in its default mode (rows as objects),
 * unless that one is still being iterated.
 */
function reuseStatements(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    const cached = cache.get(source);
    if (cached && !cached.busy) {
      cache.delete(source);
      cache.set(source, cached);
      if (cached.reader) cached.raw(false).pluck(false).expand(false);
      return cached;
    }
    const statement = prepare(source);
    if (!cached) {
      cache.set(source, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    return statement;
  }) as typeof sqlite.prepare;
}

/**
 * Runs a write transaction whose commit does not wait for its fsync: for writes a power cut may
 * lose without harm, such as a queue lease (the prompt is handed out again, as when a lease
 * expires) or a token's "last used" minute. Under WAL the next ordinary commit syncs the log up
 * to and including these writes, and a lost tail of the log is dropped whole, so the database
 * stays consistent and every annotation acknowledged after them survives. Inside an outer
 * transaction the write simply shares that transaction's durability.
 */
export function withoutCommitSync<T>(db: Db, write: () => T): T {
  const sqlite = db.$client;
  if (sqlite.inTransaction) return write();
  const before = sqlite.pragma("synchronous", { simple: true }) as number;
  sqlite.pragma("synchronous = NORMAL");
  try {
    return write();
  } finally {
    sqlite.pragma(`synchronous = ${before}`);
  }
}

/** SQLITE_BUSY and its variants: another connection held the write lock past this one's busy timeout. */
export function isDatabaseBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

/**
 * Runs `write` with no busy wait: it throws SQLITE_BUSY at once if another connection holds the
 * write lock, rather than SQLite sleeping on this thread (which, in the server, is every request's
 * thread) until the lock is free.
 */
export function withoutBusyWait<T>(db: Db, write: () => T): T {
  const sqlite = db.$client;
  if (sqlite.inTransaction) return write();
  sqlite.pragma("busy_timeout = 0");
  try {
    return write();
  } finally {
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

/**
 * Runs a write, and again while the database is locked, backing off between attempts without
 * holding the event loop, until `deadline` (ms since the epoch): for writes that must not be lost
 * to a long writer elsewhere (a run's lease, progress and result).
 */
export async function writeWhenFree<T>(write: () => T, deadline: number): Promise<T> {
  for (let wait = 50; ; wait = Math.min(wait * 2, 2_000)) {
    try {
      return write();
    } catch (error) {
      if (!isDatabaseBusy(error) || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/**
 * The database holds password hashes and everyone's work: readable by its owner only. SQLite gives
 * the -wal and -shm files the database file's mode; ones left by an older version are fixed too.
 */
function ownerOnly(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      fs.chmodSync(f, 0o600);
    } catch {
      // Not there (yet): SQLite will create it with the database file's mode.
    }
  }
}

export { schema };
