import { AsyncLocalStorage } from "node:async_hooks";
import type Database from "better-sqlite3";
import { BUSY_TIMEOUT_MS, isDatabaseBusy } from "../index";

/**
 * What a write transaction needs from the database, stated by its caller rather than by a lock
 * helper of one backend:
 * - "atomic": all of it or none of it, nothing more;
 * - "serial": its invariant holds only with a single writer (the queue's last slot, one run at a
 *   time, the last admin): SQLite's BEGIN IMMEDIATE; on a server database, serializable isolation
 *   with retries;
 * - "low-durability": a write a power cut may lose without harm (a queue lease, a token's "last
 *   used" minute), also serial: its commit does not wait for the disk.
 */
export type TransactionIntent = "atomic" | "serial" | "low-durability";

export type TransactionOptions = {
  /**
   * How long to wait for another process's write lock (an import, a trainer) before giving up with
   * its busy error; BUSY_TIMEOUT_MS unless said.
   */
  lockWaitMs?: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One SQLite connection's statements and transactions. The connection is the process's only one,
 * and better-sqlite3 runs each statement synchronously, but a transaction's work is async: at each
 * `await` in it, other requests' code runs, and their statements would run inside that transaction
 * (seeing its uncommitted writes, or rolled back with it). So transactions take turns (an async
 * mutex), the open one's async context is marked (AsyncLocalStorage), and a statement from any other
 * context waits until it has ended.
 */
export class SqliteConnection {
  private readonly context = new AsyncLocalStorage<object>();
  /** The open transaction's mark, and a promise settled when it ends. */
  private open: { mark: object; ended: Promise<void> } | null = null;
  /** Resolves when the last transaction queued so far has ended: the mutex. */
  private turns: Promise<void> = Promise.resolve();
  private savepoints = 0;

  constructor(readonly sqlite: Database.Database) {}

  private insideOpen(): boolean {
    return this.open !== null && this.context.getStore() === this.open.mark;
  }

  /**
   * Runs synchronous statements: at once outside any transaction or inside the caller's own, after
   * the open transaction has ended when it is another context's.
   */
  async run<T>(statements: () => T): Promise<T> {
    while (this.open && !this.insideOpen()) await this.open.ended;
    return statements();
  }

  /**
   * Runs `work` in one transaction; `work` must use only this connection's store (any other store
   * call from its async context also joins it). A transaction begun inside another one is a
   * savepoint of it (its failure undoes its own writes only). Only BEGIN is retried while another process holds the write lock, on timers,
   * so the server answers other requests meanwhile (SQLite's own busy wait sleeps on the event
   * loop); nothing has run by then, so a retry redoes nothing.
   */
  async transaction<T>(
    intent: TransactionIntent,
    work: () => Promise<T>,
    options: TransactionOptions = {},
  ): Promise<T> {
    if (this.insideOpen()) return this.savepoint(work);
    const previous = this.turns;
    let endTurn!: () => void;
    this.turns = new Promise((resolve) => (endTurn = resolve));
    await previous;
    const sqlite = this.sqlite;
    const synchronous = sqlite.pragma("synchronous", { simple: true }) as number;
    try {
      // Under WAL the next ordinary commit syncs the log up to and including a low-durability
      // write, and a lost tail of the log is dropped whole, so the database stays consistent and
      // every write acknowledged after it survives.
      if (intent === "low-durability") sqlite.pragma("synchronous = NORMAL");
      await this.begin(options.lockWaitMs ?? BUSY_TIMEOUT_MS);
      let end!: () => void;
      const mark = {};
      this.open = { mark, ended: new Promise((resolve) => (end = resolve)) };
      try {
        const value = await this.context.run(mark, work);
        sqlite.exec("commit");
        return value;
      } catch (error) {
        if (sqlite.inTransaction) sqlite.exec("rollback");
        throw error;
      } finally {
        this.open = null;
        end();
      }
    } finally {
      if (intent === "low-durability") sqlite.pragma(`synchronous = ${synchronous}`);
      endTurn();
    }
  }

  /** BEGIN IMMEDIATE, refused at once while another connection writes, tried again on timers until the deadline. */
  private async begin(lockWaitMs: number): Promise<void> {
    const deadline = Date.now() + lockWaitMs;
    // Long waits are a background writer's (a run's lease or result): it need not poll often.
    const longestPause = lockWaitMs > BUSY_TIMEOUT_MS ? 2_000 : 8;
    for (let pause = 1; ; pause = Math.min(pause * 2, longestPause)) {
      this.sqlite.pragma("busy_timeout = 0");
      try {
        this.sqlite.exec("begin immediate");
        return;
      } catch (error) {
        if (!isDatabaseBusy(error) || Date.now() + pause > deadline) throw error;
      } finally {
        this.sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      }
      await sleep(pause);
    }
  }

  private async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const name = `nested_${++this.savepoints}`;
    this.sqlite.exec(`savepoint ${name}`);
    try {
      const value = await work();
      this.sqlite.exec(`release ${name}`);
      return value;
    } catch (error) {
      this.sqlite.exec(`rollback to ${name}`);
      this.sqlite.exec(`release ${name}`);
      throw error;
    }
  }
}

/**
 * Kept on the handle itself under a global symbol: Next bundles this module into several server
 * chunks (routes, pages, actions), and a second SqliteConnection over the same handle would be a
 * second mutex, letting two transactions interleave on the one connection.
 */
const CONNECTION = Symbol.for("octorank.sqliteConnection");

/** The one SqliteConnection of a better-sqlite3 handle, whichever store (or copy of this module) asks. */
export function sqliteConnection(sqlite: Database.Database): SqliteConnection {
  const handle = sqlite as Database.Database & { [CONNECTION]?: SqliteConnection };
  handle[CONNECTION] ??= new SqliteConnection(sqlite);
  return handle[CONNECTION];
}

/** An area store's methods as a SQLite implementation writes them: synchronous, over the connection. */
export type Synchronous<S> = {
  [K in keyof S]: S[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

/** Makes an area's synchronous SQLite methods its async interface, each run through the connection. */
export function throughConnection<S>(connection: SqliteConnection, methods: Synchronous<S>): S {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(methods as Record<string, (...args: unknown[]) => unknown>)) {
    wrapped[name] = (...args: unknown[]) => connection.run(() => method(...args));
  }
  return wrapped as S;
}
