/**
 * The data-access layer: one store per area (queue, annotations, …), each an interface of async
 * methods with its SQLite implementation beside it, aggregated here into one `Store` with the one
 * transaction primitive. lib/ keeps the domain rules and reaches the database only through a Store;
 * the SQL lives in db/store/.
 */
import type { Db } from "../index";
import { sqliteConnection, type TransactionIntent, type TransactionOptions } from "./transaction";

export type { TransactionIntent, TransactionOptions } from "./transaction";

export interface Store {
  /**
   * Runs `work` in one write transaction with the stated intent (see TransactionIntent), and
   * resolves with its value once committed; rolls back and rejects when `work` rejects. `work` does
   * all its reads and writes through `tx`.
   */
  transaction<T>(intent: TransactionIntent, work: (tx: Store) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/** The SQLite store over one connection (every store of a connection shares its transactions). */
export function sqliteStore(db: Db): Store {
  const connection = sqliteConnection(db.$client);
  const store: Store = {
    // One connection: the transaction's statements are the store's own, told apart by async context.
    transaction: (intent, work, options) => connection.transaction(intent, () => work(store), options),
  };
  return store;
}
