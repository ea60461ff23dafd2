/**
 * A run's lifecycle: listed, claimed by the scheduler, cancelled, failed when orphaned, completed
 * by its worker. Every function takes the database explicitly so that the web server, the worker
 * process, the CLI and the tests share one implementation.
 */
import "server-only";
import { and, asc, desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { schema } from "@/db";
import type { RunStatus } from "@/lib/domain";
import {
  isTerminal,
  runConfigOf,
  RunError,
  runSummaryOf,
  type RunConfig,
  type RunRow,
  type RunSummary,
} from "@/lib/runs/schemas";

export function getRun(db: Db, id: number): RunRow | undefined {
  return db.select().from(schema.trainingRuns).where(eq(schema.trainingRuns.id, id)).get();
}

export type RunListItem = Omit<RunRow, "weights" | "config" | "summary"> & {
  config: RunConfig;
  summary: RunSummary | null;
  datasetSlug: string;
  datasetName: string;
  createdByName: string | null;
};

/** Every column but the weights: a list page must not read every model from disk. */
const { weights: _weights, ...runColumnsWithoutWeights } = getTableColumns(schema.trainingRuns);

function selectRunListItems(db: Db) {
  return db
    .select({
      ...runColumnsWithoutWeights,
      datasetSlug: schema.datasets.slug,
      datasetName: schema.datasets.name,
      createdByName: schema.users.name,
    })
    .from(schema.trainingRuns)
    .innerJoin(schema.datasets, eq(schema.datasets.id, schema.trainingRuns.datasetId))
    .leftJoin(schema.users, eq(schema.users.id, schema.trainingRuns.createdBy));
}

function toListItem(
  row: Omit<RunListItem, "config" | "summary"> & { config: Record<string, unknown>; summary: unknown },
): RunListItem {
  return { ...row, config: runConfigOf(row), summary: runSummaryOf(row) };
}

export function listRuns(db: Db, limit = 200): RunListItem[] {
  return selectRunListItems(db).orderBy(desc(schema.trainingRuns.id)).limit(limit).all().map(toListItem);
}

export function getRunDetail(db: Db, id: number): RunListItem | undefined {
  const row = selectRunListItems(db).where(eq(schema.trainingRuns.id, id)).get();
  return row && toListItem(row);
}

/** The process training a run renews its lease this often (lib/runs/training.ts). */
export const RUN_HEARTBEAT_MS = 5_000;
/** A running run whose lease is older than this has no live trainer: it died, or hangs (SIGSTOP, say). */
export const RUN_LEASE_MS = 60_000;

const leaseIsLive = (now: number) =>
  sql`coalesce(${schema.trainingRuns.heartbeatAt}, ${schema.trainingRuns.startedAt}) > ${now - RUN_LEASE_MS}`;

export function leaseExpired(run: Pick<RunRow, "heartbeatAt" | "startedAt">, now = Date.now()): boolean {
  const last = (run.heartbeatAt ?? run.startedAt)?.getTime() ?? 0;
  return now - last > RUN_LEASE_MS;
}

/** Renews a running run's lease; false when the run is no longer running (cancelled, failed meanwhile). */
export function renewRunLease(db: Db, runId: number, now = Date.now()): boolean {
  return (
    db
      .update(schema.trainingRuns)
      .set({ heartbeatAt: new Date(now) })
      .where(and(eq(schema.trainingRuns.id, runId), eq(schema.trainingRuns.status, "running")))
      .run().changes > 0
  );
}

/**
 * The one-at-a-time claim every trainer goes through (the server's scheduler and the CLI's
 * `train`): in one immediate transaction, nothing may be running with a live lease, and then the
 * run is marked running with a fresh lease. Two servers, or a server and the CLI, on the same
 * database can never both start a run. `which` is a run id (the CLI's own run) or "next", the
 * oldest queued run the server trains (the CLI's queued runs wait for their CLI).
 */
export function claimRun(
  db: Db,
  which: number | "next",
  workerPid: number | null = null,
  now = Date.now(),
): RunRow | null {
  return db.transaction(
    (tx) => {
      const training = tx
        .select({ id: schema.trainingRuns.id })
        .from(schema.trainingRuns)
        .where(and(eq(schema.trainingRuns.status, "running"), leaseIsLive(now)))
        .get();
      if (training) return null;
      const next = tx
        .select({ id: schema.trainingRuns.id })
        .from(schema.trainingRuns)
        .where(
          which === "next"
            ? and(
                eq(schema.trainingRuns.status, "queued"),
                sql`coalesce(json_extract(${schema.trainingRuns.config}, '$.origin'), '') != 'cli'`,
              )
            : and(eq(schema.trainingRuns.status, "queued"), eq(schema.trainingRuns.id, which)),
        )
        .orderBy(asc(schema.trainingRuns.id))
        .limit(1)
        .get();
      if (!next) return null;
      return (
        tx
          .update(schema.trainingRuns)
          .set({
            status: "running",
            startedAt: new Date(now),
            heartbeatAt: new Date(now),
            workerPid,
            progress: 0,
            error: null,
          })
          .where(eq(schema.trainingRuns.id, next.id))
          .returning()
          .get() ?? null
      );
    },
    { behavior: "immediate" },
  );
}

/** The oldest queued run, claimed for the server's worker; null while another run trains. */
export function claimNextQueuedRun(db: Db, now = Date.now()): RunRow | null {
  return claimRun(db, "next", null, now);
}

export function setWorkerPid(db: Db, runId: number, pid: number | null): void {
  db.update(schema.trainingRuns).set({ workerPid: pid }).where(eq(schema.trainingRuns.id, runId)).run();
}

/** Moves a run that is still queued or running to a final status; returns false if it had already ended. */
export function finishRun(db: Db, runId: number, status: "failed" | "canceled", error: string | null): boolean {
  const result = db
    .update(schema.trainingRuns)
    .set({ status, error, finishedAt: new Date(), workerPid: null })
    .where(and(eq(schema.trainingRuns.id, runId), inArray(schema.trainingRuns.status, ["queued", "running"])))
    .run();
  return result.changes > 0;
}

export type CancelOutcome = { run: RunRow; signalPid: number | null };

/**
 * Cancels a run. A queued run ends at once; a running one is ended by its worker once it receives
 * SIGTERM (the caller sends it to `signalPid`). Cancelling a finished run is a 409.
 */
export function requestCancel(db: Db, runId: number): CancelOutcome {
  const run = getRun(db, runId);
  if (!run) throw new RunError(`There is no run ${runId}.`, "not-found");
  if (isTerminal(run.status))
    throw new RunError(
      `Run ${runId} has already ${run.status === "canceled" ? "been canceled" : run.status}.`,
      "conflict",
    );
  if (run.status === "queued") {
    finishRun(db, runId, "canceled", "Canceled before it started.");
    return { run: getRun(db, runId)!, signalPid: null };
  }
  return { run, signalPid: run.workerPid };
}

/**
 * Runs marked running whose trainer stopped renewing the lease: a dead server's worker, a killed
 * CLI, a process that hangs. Each is failed, and its process stopped if it is still a trainer (a
 * hung one holds nothing else). A run with a live lease is left alone, whoever trains it: another
 * server's worker or a CLI on the same database.
 */
export function failOrphanedRuns(
  db: Db,
  isAlive: (pid: number) => boolean,
  stop: (pid: number) => void,
  now = Date.now(),
): number[] {
  const running = db.select().from(schema.trainingRuns).where(eq(schema.trainingRuns.status, "running")).all();
  const failed: number[] = [];
  for (const run of running) {
    if (!leaseExpired(run, now)) continue;
    const pid = run.workerPid;
    if (pid !== null && isAlive(pid)) stop(pid);
    const why = `The process training this run stopped renewing its lease for ${RUN_LEASE_MS / 1000} s (it died or hangs).`;
    if (finishRun(db, run.id, "failed", why)) failed.push(run.id);
  }
  return failed;
}

export function runningRuns(db: Db): RunRow[] {
  return db.select().from(schema.trainingRuns).where(eq(schema.trainingRuns.status, "running")).all();
}

export type RewardRow = { responseId: number; split: "train" | "test"; reward: number; openness: number | null };

/** A run's stored rewards become `rewards` (call inside the transaction that writes the rest of its result). */
export function replaceRunRewards(db: Db, runId: number, rewards: readonly RewardRow[]): void {
  db.delete(schema.runRewards).where(eq(schema.runRewards.runId, runId)).run();
  const insert = db.$client.prepare(
    "insert into run_rewards (run_id, response_id, split, reward, openness) values (?, ?, ?, ?, ?)",
  );
  for (const r of rewards) insert.run(runId, r.responseId, r.split, r.reward, r.openness);
}

/** Writes a finished run's rewards, weights and summary in one transaction, unless it was cancelled meanwhile. */
export function completeRun(
  db: Db,
  runId: number,
  result: { rewards: RewardRow[]; weights: Uint8Array; summary: RunSummary },
): boolean {
  return db.transaction(
    (tx) => {
      const run = tx
        .select({ status: schema.trainingRuns.status })
        .from(schema.trainingRuns)
        .where(eq(schema.trainingRuns.id, runId))
        .get();
      if (run?.status !== "running") return false;
      replaceRunRewards(db, runId, result.rewards);
      tx.update(schema.trainingRuns)
        .set({
          status: "succeeded",
          progress: 1,
          weights: Buffer.from(result.weights),
          summary: result.summary as unknown as Record<string, unknown>,
          finishedAt: new Date(),
          workerPid: null,
          error: null,
        })
        .where(eq(schema.trainingRuns.id, runId))
        .run();
      return true;
    },
    { behavior: "immediate" },
  );
}

/** Counts of runs by status, for the list header. */
export function runStatusCounts(db: Db): Record<RunStatus, number> {
  const rows = db
    .select({ status: schema.trainingRuns.status, n: sql<number>`count(*)` })
    .from(schema.trainingRuns)
    .groupBy(schema.trainingRuns.status)
    .all();
  const counts = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 } as Record<RunStatus, number>;
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}
