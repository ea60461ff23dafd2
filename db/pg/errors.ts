/**
 * PostgreSQL's error codes the store acts on (SQLSTATE, appendix A of its manual). No import of
 * `pg` here: db/store reads these to tell a busy database from a failure on either backend.
 */

/** The transaction could not be serialized with a concurrent one: run it again. */
export const SERIALIZATION_FAILURE = "40001";
/** Two transactions waited on each other; the server ended one: run it again. */
export const DEADLOCK_DETECTED = "40P01";
/** A lock was not granted within lock_timeout. */
export const LOCK_NOT_AVAILABLE = "55P03";

/** The SQLSTATE of a pg error, also when drizzle wrapped it (DrizzleQueryError's cause). */
export function postgresErrorCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** Whether re-running the whole transaction may succeed where it failed. */
export function isRetryableConflict(error: unknown): boolean {
  const code = postgresErrorCode(error);
  return code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED;
}

/**
 * PostgreSQL's "busy": a lock not granted within the transaction's lockWaitMs, or conflicts that
 * kept failing it through every retry.
 */
export function isPostgresBusy(error: unknown): boolean {
  return postgresErrorCode(error) === LOCK_NOT_AVAILABLE || isRetryableConflict(error);
}
