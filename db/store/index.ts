/**
 * The data-access layer: one store per area (queue, annotations, …), each an interface of async
 * methods with its SQLite implementation beside it, aggregated here into one `Store` with the one
 * transaction primitive. lib/ keeps the domain rules and reaches the database only through a Store;
 * the SQL lives in db/store/.
 */
import { isDatabaseBusy, type Db } from "../index";
import { isPostgresBusy } from "../pg/errors";
import { sqliteConnection, throughConnection, type TransactionIntent, type TransactionOptions } from "./transaction";
import { sqliteAdminStore, type AdminStore } from "./admin";
import { sqliteAuthStore, type AuthStore } from "./auth";
import { sqliteAnnotationStore, type AnnotationStore } from "./annotations";
import { sqliteCoordinationStore, type CoordinationStore } from "./coordination";
import { sqliteDatasetStore, type DatasetStore } from "./datasets";
import { sqliteImportStore, type ImportStore } from "./imports";
import { sqliteOpennessStore, type OpennessStore } from "./openness";
import { sqliteQualityStore, type QualityStore } from "./quality";
import { sqliteQueueStore, type QueueStore } from "./queue";
import { sqliteQueuePriorityStore, type QueuePriorityStore } from "./queue-priorities";
import { sqliteReviewStore, type ReviewStore } from "./review";
import { sqliteRunStore, type RunStore } from "./runs";
import { sqliteStatsStore, type StatsStore } from "./stats";
import { sqliteSuggestionStore, type SuggestionStore } from "./suggestions";

export type { TransactionIntent, TransactionOptions } from "./transaction";
/**
 * Whether a transaction was refused because another writer held its lock past its lockWaitMs
 * (SQLite's busy error; PostgreSQL's lock timeout, or conflicts that outlasted the retries).
 */
export function isLockTimeout(error: unknown): boolean {
  return isDatabaseBusy(error) || isPostgresBusy(error);
}
/** The domain of external annotators' (unusable) emails: files name such an annotator by their name. */
export { EXTERNAL_EMAIL_DOMAIN, externalAnnotatorEmail } from "./writer";
/** Whether writing a version over a stored annotation would store the same content (dates aside). */
export { hasSameContent } from "./writer";

export interface Store {
  readonly admin: AdminStore;
  readonly annotations: AnnotationStore;
  readonly auth: AuthStore;
  readonly coordination: CoordinationStore;
  readonly datasets: DatasetStore;
  readonly imports: ImportStore;
  readonly openness: OpennessStore;
  readonly quality: QualityStore;
  readonly queue: QueueStore;
  readonly queuePriorities: QueuePriorityStore;
  readonly review: ReviewStore;
  readonly runs: RunStore;
  readonly stats: StatsStore;
  readonly suggestions: SuggestionStore;
  /**
   * How a child process (a background job, an import or run worker) opens this same database: the
   * SQLite file's path, or the postgres:// URL.
   */
  readonly location: string;
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
    admin: throughConnection<AdminStore>(connection, sqliteAdminStore(db)),
    annotations: throughConnection<AnnotationStore>(connection, sqliteAnnotationStore(db)),
    auth: throughConnection<AuthStore>(connection, sqliteAuthStore(db)),
    coordination: throughConnection<CoordinationStore>(connection, sqliteCoordinationStore(db)),
    datasets: throughConnection<DatasetStore>(connection, sqliteDatasetStore(db)),
    imports: throughConnection<ImportStore>(connection, sqliteImportStore(db)),
    openness: throughConnection<OpennessStore>(connection, sqliteOpennessStore(db)),
    quality: throughConnection<QualityStore>(connection, sqliteQualityStore(db)),
    queue: throughConnection<QueueStore>(connection, sqliteQueueStore(db)),
    queuePriorities: throughConnection<QueuePriorityStore>(connection, sqliteQueuePriorityStore(db)),
    review: throughConnection<ReviewStore>(connection, sqliteReviewStore(db)),
    runs: throughConnection<RunStore>(connection, sqliteRunStore(db)),
    stats: throughConnection<StatsStore>(connection, sqliteStatsStore(db)),
    suggestions: throughConnection<SuggestionStore>(connection, sqliteSuggestionStore(db)),
    location: db.$client.name,
    // One connection: the transaction's statements are the store's own, told apart by async context.
    transaction: (intent, work, options) => connection.transaction(intent, () => work(store), options),
  };
  return store;
}
