/**
 * Opening a store from its location (Store.location): how a child process (a background job, an
 * import or run worker) reaches the same database as the server that started it, on either backend.
 */
import { openDatabase } from "../index";
import { describePostgresUrl, openPostgresStore, type OpenedStore } from "../pg/store";
import { sqliteStore } from "./index";
import { isPostgresLocation } from "../../lib/env";

export type { OpenedStore } from "../pg/store";

/** A location as a message may show it: a postgres:// URL without its password. */
export const describeLocation = (location: string) =>
  isPostgresLocation(location) ? describePostgresUrl(location) : location;

/**
 * The store at `location`: a postgres:// URL (opened, checked and migrated before its first
 * statement) or a SQLite file's path (opened, and migrated, now).
 */
export function openStoreAt(location: string, options: { maxConnections?: number } = {}): OpenedStore {
  if (isPostgresLocation(location)) return openPostgresStore(location, options);
  const db = openDatabase(location);
  return { store: sqliteStore(db), close: async () => void db.$client.close() };
}
