/**
 * The data-access layer: one store per area (queue, annotations, …), each an interface of async
 * methods with its SQLite implementation beside it, aggregated here into one `Store` with the one
 * transaction primitive. lib/ keeps the domain rules and reaches the database only through a Store;
 * the SQL lives in db/store/.
 */
import type { Db } from "../index";
import { sqliteConnection, throughConnection, type TransactionIntent, type TransactionOptions } from "./transaction";
import { sqliteAdminStore, type AdminStore } from "./admin";
import { sqliteAuthStore, type AuthStore } from "./auth";
import { sqliteAnnotationStore, type AnnotationStore } from "./annotations";
import { sqliteDatasetStore, type DatasetStore } from "./datasets";
import { sqliteImportStore, type ImportStore } from "./imports";
import { sqliteOpennessStore, type OpennessStore } from "./openness";
import { sqliteQualityStore, type QualityStore } from "./quality";
import { sqliteQueueStore, type QueueStore } from "./queue";
import { sqliteReviewStore, type ReviewStore } from "./review";
import { sqliteRunStore, type RunStore } from "./runs";
import { sqliteStatsStore, type StatsStore } from "./stats";

export type { TransactionIntent, TransactionOptions } from "./transaction";
/** Whether a transaction was refused because another process held the write lock past its lockWaitMs. */
export { isDatabaseBusy as isLockTimeout } from "../index";
/** The domain of external annotators' (unusable) emails: files name such an annotator by their name. */
export { EXTERNAL_EMAIL_DOMAIN } from "./writer";
/** Whether writing a version over a stored annotation would store the same content (dates aside). */
export { hasSameContent } from "./writer";

export interface Store {
  readonly admin: AdminStore;
  readonly annotations: AnnotationStore;
  readonly auth: AuthStore;
  readonly datasets: DatasetStore;
  readonly imports: ImportStore;
  readonly openness: OpennessStore;
  readonly quality: QualityStore;
  readonly queue: QueueStore;
  readonly review: ReviewStore;
  readonly runs: RunStore;
  readonly stats: StatsStore;
  /**
   * How a child process (a background job, an import or run worker) opens this same database: the
   * SQLite file's path.
   */
  readonly location: string;
  /**
   * Runs `work` in one write transaction with the stated intent (see TransactionIntent), and
   * resolves with its value once committed; rolls back and rejects when `work` rejects. `work` does
   * all its reads and writes through `tx`.
   */
  transaction<T>(intent: TransactionIntent, work: (tx: Store) => Promise<T>, options?: TransactionOptions): Promise<T>;
}

/**
 * The SQLite handle under a store, kept on the store under a global symbol: Next bundles this module
 * into several server chunks, and a module-local map filled by one copy is empty in another.
 */
const SQLITE_DB = Symbol.for("octorank.sqliteDb");

/** The SQLite store over one connection (every store of a connection shares its transactions). */
export function sqliteStore(db: Db): Store {
  const connection = sqliteConnection(db.$client);
  const store: Store = {
    admin: throughConnection<AdminStore>(connection, sqliteAdminStore(db)),
    annotations: throughConnection<AnnotationStore>(connection, sqliteAnnotationStore(db)),
    auth: throughConnection<AuthStore>(connection, sqliteAuthStore(db)),
    datasets: throughConnection<DatasetStore>(connection, sqliteDatasetStore(db)),
    imports: throughConnection<ImportStore>(connection, sqliteImportStore(db)),
    openness: throughConnection<OpennessStore>(connection, sqliteOpennessStore(db)),
    quality: throughConnection<QualityStore>(connection, sqliteQualityStore(db)),
    queue: throughConnection<QueueStore>(connection, sqliteQueueStore(db)),
    review: throughConnection<ReviewStore>(connection, sqliteReviewStore(db)),
    runs: throughConnection<RunStore>(connection, sqliteRunStore(db)),
    stats: throughConnection<StatsStore>(connection, sqliteStatsStore(db)),
    location: db.$client.name,
    // One connection: the transaction's statements are the store's own, told apart by async context.
    transaction: (intent, work, options) => connection.transaction(intent, () => work(store), options),
  };
  Object.defineProperty(store, SQLITE_DB, { value: db });
  return store;
}

/**
 * The SQLite handle under a store, for lib/ code not yet moved behind a store (each use goes when
 * its callee is converted). Throws for a store of another backend.
 */
export function sqliteDbOf(store: Store): Db {
  const db = (store as Store & { [SQLITE_DB]?: Db })[SQLITE_DB];
  if (!db) throw new Error("This store is not a SQLite one.");
  return db;
}
