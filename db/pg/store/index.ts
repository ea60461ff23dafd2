/**
 * The Store (db/store/index.ts) on PostgreSQL: each area's `postgres<Area>Store` over the pool for
 * plain reads, or over one transaction's client inside `transaction`.
 *
 * How the transaction intents map (SQLite's in db/store/transaction.ts):
 * - every transaction is SERIALIZABLE, on one pooled client, and the whole `work` is run again on a
 *   serialization failure or deadlock (40001, 40P01), with a jittered pause, a bounded number of
 *   times: `work` awaits only store calls, so running it again redoes nothing else;
 * - "serial" and "low-durability" first take one advisory lock, session-level and before BEGIN, so
 *   that serial writers take turns as under SQLite's single writer and each one's snapshot is taken
 *   after the previous one committed: the queue's last slot goes to one of many annotators without a
 *   storm of serialization failures among them (serializable isolation still guards them against
 *   the "atomic" writers);
 * - "low-durability" commits with `synchronous_commit = off`: the commit does not wait for the WAL
 *   flush; a crash may lose the last such commits, never leaves the database inconsistent;
 * - lockWaitMs, when given, is the session's lock_timeout for the advisory lock and the
 *   transaction's row locks (0: the advisory lock is tried once, not waited for); unless given, a
 *   lock is waited for as long as it takes (PostgreSQL's default). It is also the deadline for
 *   retries (BUSY_TIMEOUT_MS unless given). Giving up throws 55P03 (or the last conflict), which
 *   isLockTimeout recognises;
 * - a transaction begun inside another is a savepoint of it (drizzle's nested transaction).
 */
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import type pg from "pg";
import { BUSY_TIMEOUT_MS } from "../../index";
import type { Store, TransactionIntent, TransactionOptions } from "../../store";
import { isRetryableConflict, LOCK_NOT_AVAILABLE } from "../errors";
import { openPostgres, schema, type PgDb } from "../index";
import { postgresAdminStore } from "./admin";
import { postgresAnnotationStore } from "./annotations";
import { postgresAuthStore } from "./auth";
import { postgresCoordinationStore } from "./coordination";
import { postgresDatasetStore } from "./datasets";
import type { PgExecutor } from "./executor";
import { postgresImportStore } from "./imports";
import { postgresOpennessStore } from "./openness";
import { postgresQualityStore } from "./quality";
import { postgresQueueStore } from "./queue";
import { postgresQueuePriorityStore } from "./queue-priorities";
import { postgresReviewStore } from "./review";
import { postgresRunStore } from "./runs";
import { postgresStatsStore } from "./stats";
import { postgresSuggestionStore } from "./suggestions";

/** The advisory lock serial writers take turns on (any constant of our own, apart from the migrations' lock). */
const SERIAL_WRITER_LOCK = 0x6f637477; // "octw"

/** Attempts of one transaction before its conflict is thrown to the caller. */
const MAX_ATTEMPTS = 8;
/** The pause before the second attempt, doubled (and jittered) each time up to LONGEST_PAUSE_MS. */
const FIRST_PAUSE_MS = 2;
const LONGEST_PAUSE_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Areas = Omit<Store, "location" | "transaction">;

/** Every area's statements over one executor (the pool, or one transaction). */
function areasOver(executor: PgExecutor): Areas {
  return {
    admin: postgresAdminStore(executor),
    annotations: postgresAnnotationStore(executor),
    auth: postgresAuthStore(executor),
    coordination: postgresCoordinationStore(executor),
    datasets: postgresDatasetStore(executor),
    imports: postgresImportStore(executor),
    openness: postgresOpennessStore(executor),
    quality: postgresQualityStore(executor),
    queue: postgresQueueStore(executor),
    queuePriorities: postgresQueuePriorityStore(executor),
    review: postgresReviewStore(executor),
    runs: postgresRunStore(executor),
    stats: postgresStatsStore(executor),
    suggestions: postgresSuggestionStore(executor),
  };
}

/** The Store of one open transaction: its areas run on it, and a nested transaction is a savepoint. */
function transactionStore(tx: PgExecutor, location: string): Store {
  return {
    ...areasOver(tx),
    location,
    transaction: (_intent, work) => tx.transaction((savepoint) => work(transactionStore(savepoint, location))),
  };
}

/** Thrown, as PostgreSQL's own lock timeout is, when a transaction asked not to wait finds the serial writers' lock taken. */
function serialLockTaken(): Error {
  return Object.assign(new Error("Another serial writer holds the lock, and this transaction was asked not to wait."), {
    code: LOCK_NOT_AVAILABLE,
  });
}

/**
 * Where the session stands with the serial writers' lock. "unknown": a wait for it failed, and
 * PostgreSQL may have granted it anyway (a lock_timeout that fires as the lock is granted still
 * fails the statement, and a session-level lock outlives the failed statement). A pooled session
 * that kept it unbeknown would hold every other serial writer back for good.
 */
type SerialLock = "not taken" | "held" | "unknown";

/**
 * One attempt of a transaction on a client of its own: the serial writers' lock first where the
 * intent asks for it, then BEGIN … SERIALIZABLE, `work`, COMMIT (drizzle's transaction).
 */
async function attempt<T>(
  pool: pg.Pool,
  location: string,
  intent: TransactionIntent,
  work: (tx: Store) => Promise<T>,
  lockWaitMs: number | undefined,
): Promise<T> {
  const client = await pool.connect();
  const ownTimeout = lockWaitMs !== undefined && lockWaitMs !== BUSY_TIMEOUT_MS;
  let lock: SerialLock = "not taken";
  try {
    // 0 would mean "wait forever" to PostgreSQL; a wait of 0 here means "do not wait".
    if (ownTimeout) await client.query(`set lock_timeout = ${Math.max(1, Math.ceil(lockWaitMs))}`);
    if (intent !== "atomic") {
      lock = "unknown";
      if (lockWaitMs === 0) {
        // Not waiting at all: a try, which cannot be granted after it has failed.
        const { rows } = await client.query<{ taken: boolean }>("select pg_try_advisory_lock($1) as taken", [
          SERIAL_WRITER_LOCK,
        ]);
        if (!rows[0]?.taken) {
          lock = "not taken";
          throw serialLockTaken();
        }
      } else {
        await client.query("select pg_advisory_lock($1)", [SERIAL_WRITER_LOCK]);
      }
      lock = "held";
    }
    return await drizzle(client, { schema }).transaction(
      async (tx) => {
        if (intent === "low-durability") await tx.execute(sql`set local synchronous_commit = off`);
        return work(transactionStore(tx, location));
      },
      { isolationLevel: "serializable" },
    );
  } finally {
    await returnToPool(client, lock, ownTimeout);
  }
}

/** Gives the client back with no lock and no setting of the attempt's, or closes it when that is not sure. */
async function returnToPool(client: pg.PoolClient, lock: SerialLock, ownTimeout: boolean): Promise<void> {
  // Closing the session is the one sure way to end a lock it may hold unbeknown.
  if (lock === "unknown") return client.release(true);
  try {
    if (lock === "held") await client.query("select pg_advisory_unlock($1)", [SERIAL_WRITER_LOCK]);
    if (ownTimeout) await client.query("reset lock_timeout");
    client.release();
  } catch {
    // The session may still hold the lock or the setting (its connection failed): it is closed,
    // which ends both, rather than returned to the pool. The transaction's own outcome stands.
    client.release(true);
  }
}

/**
 * The PostgreSQL store: plain reads on the pool, each transaction on one client of it.
 * `location` is the postgres:// URL a child process opens the same database by.
 */
export function postgresStore(db: PgDb, location: string): Store {
  const pool = db.$client;
  return {
    ...areasOver(db),
    location,
    async transaction<T>(intent: TransactionIntent, work: (tx: Store) => Promise<T>, options: TransactionOptions = {}) {
      const deadline = Date.now() + (options.lockWaitMs ?? BUSY_TIMEOUT_MS);
      for (let attempts = 1, pause = FIRST_PAUSE_MS; ; attempts++, pause = Math.min(pause * 2, LONGEST_PAUSE_MS)) {
        try {
          return await attempt(pool, location, intent, work, options.lockWaitMs);
        } catch (error) {
          const wait = pause * (0.5 + Math.random());
          if (!isRetryableConflict(error) || attempts >= MAX_ATTEMPTS || Date.now() + wait > deadline) throw error;
          await sleep(wait);
        }
      }
    },
  };
}

/** The URL with its password masked, to name the database in a message. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(a malformed postgres URL)";
  }
}

export type OpenedStore = {
  store: Store;
  /** Closes the store's connections (a PostgreSQL pool, a SQLite handle). */
  close: () => Promise<void>;
};

/**
 * The PostgreSQL store on `url`, usable at once: the database is opened (checked and migrated by
 * openPostgres) before the store's first statement, which waits for it. When it cannot be opened,
 * that call and every one after it that tries again rejects with openPostgres's own words and the
 * database named; an unreachable server is tried again at the next call.
 */
export function openPostgresStore(url: string, { maxConnections = 10 } = {}): OpenedStore {
  let db: PgDb | null = null;
  let opening: Promise<Store> | null = null;
  const ready = () =>
    (opening ??= openPostgres(url, { maxConnections }).then(
      (opened) => {
        db = opened;
        return postgresStore(opened, url);
      },
      (error: unknown) => {
        opening = null;
        const words = error instanceof Error ? error.message : String(error);
        throw new Error(`Could not open the PostgreSQL database ${describePostgresUrl(url)}: ${words}`, {
          cause: error,
        });
      },
    ));
  const areas = new Map<string, unknown>();
  const area = (name: string) => {
    if (!areas.has(name)) {
      areas.set(
        name,
        new Proxy(
          {},
          {
            get: (_, method) =>
              typeof method === "string" && method !== "then"
                ? async (...args: unknown[]) => {
                    const methods = (await ready())[name as keyof Areas] as unknown as Record<
                      string,
                      (...a: unknown[]) => unknown
                    >;
                    return methods[method]!(...args);
                  }
                : undefined,
          },
        ),
      );
    }
    return areas.get(name);
  };
  const store = new Proxy({} as Store, {
    get(_, key) {
      if (key === "location") return url;
      if (key === "transaction") {
        return async (...args: Parameters<Store["transaction"]>) => (await ready()).transaction(...args);
      }
      return typeof key === "string" && key !== "then" ? area(key) : undefined;
    },
  });
  return {
    store,
    close: async () => {
      await opening?.catch(() => null);
      await db?.$client.end();
      db = null;
      opening = null;
    },
  };
}
