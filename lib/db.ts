/**
 * The process-wide database connection and its store, where the environment says: the PostgreSQL
 * database at DATABASE_URL when it is set, else the SQLite file at DATABASE_PATH. db/ only knows
 * how to open them; which one, and keeping one connection, is the app's business.
 */
import "server-only";
import { openDatabase, type Db } from "@/db";
import { checkpointInBackground } from "@/db/checkpoint";
import { sqliteStore, type Store } from "@/db/store";
import { openStoreAt, type OpenedStore } from "@/db/store/open";
import { databasePath, env } from "@/lib/env";

export type { Store } from "@/db/store";

// Cached on globalThis so that dev reloads don't open a new connection each time.
const globalForDb = globalThis as unknown as {
  octorankDb?: Db;
  octorankStore?: { db: Db; store: Store };
  octorankPostgres?: { url: string; opened: OpenedStore };
  /** A test's database, served as the process's store while the test runs (lib/test-fixtures.ts serveTestStore). */
  octorankTestStore?: Store;
};

/**
 * The SQLite handle, for code not yet on the store. Throws while DATABASE_URL is set: such code
 * would otherwise read and write a SQLite file beside the PostgreSQL database.
 */
export function getDb(): Db {
  if (env().DATABASE_URL) {
    throw new Error("DATABASE_URL is set, and this code path still reads the SQLite database directly.");
  }
  if (!globalForDb.octorankDb) {
    const file = databasePath();
    globalForDb.octorankDb = openDatabase(file);
    checkpointInBackground(globalForDb.octorankDb, file);
  }
  return globalForDb.octorankDb;
}

/**
 * The process's store: how lib/ reads and writes the database. On PostgreSQL the database is
 * opened (checked and migrated) before the store's first statement, which waits for it; when it
 * cannot be, store calls reject with openPostgres's words.
 */
export function getStore(): Store {
  if (globalForDb.octorankTestStore) return globalForDb.octorankTestStore;
  const url = env().DATABASE_URL;
  if (url) {
    if (globalForDb.octorankPostgres?.url !== url) globalForDb.octorankPostgres = { url, opened: openStoreAt(url) };
    return globalForDb.octorankPostgres.opened.store;
  }
  const db = getDb();
  if (globalForDb.octorankStore?.db !== db) globalForDb.octorankStore = { db, store: sqliteStore(db) };
  return globalForDb.octorankStore.store;
}
