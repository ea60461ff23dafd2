/**
 * The process-wide database connection and its store, at the path the environment names. db/ only
 * knows how to open a file; which file, and keeping one connection, is the app's business.
 */
import "server-only";
import { openDatabase, type Db } from "@/db";
import { checkpointInBackground } from "@/db/checkpoint";
import { sqliteStore, type Store } from "@/db/store";
import { databasePath } from "@/lib/env";

export type { Store } from "@/db/store";

// Cached on globalThis so that dev reloads don't open a new connection each time.
const globalForDb = globalThis as unknown as { octorankDb?: Db; octorankStore?: { db: Db; store: Store } };

export function getDb(): Db {
  if (!globalForDb.octorankDb) {
    const file = databasePath();
    globalForDb.octorankDb = openDatabase(file);
    checkpointInBackground(globalForDb.octorankDb, file);
  }
  return globalForDb.octorankDb;
}

/** The process's store: how lib/ reads and writes the database. */
export function getStore(): Store {
  const db = getDb();
  if (globalForDb.octorankStore?.db !== db) globalForDb.octorankStore = { db, store: sqliteStore(db) };
  return globalForDb.octorankStore.store;
}
