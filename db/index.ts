import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import * as schema from "./schema";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");

/** Opens a SQLite file with the settings every connection needs, and applies pending migrations. */
export function openDatabase(file: string): Db {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const sqlite = new Database(file);
  if (file !== ":memory:") ownerOnly(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // Durable on power loss for acknowledged writes, still fast under WAL.
  sqlite.pragma("synchronous = FULL");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
}

/** SQLITE_BUSY and its variants: another connection held the write lock past this one's busy timeout. */
export function isDatabaseBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
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
