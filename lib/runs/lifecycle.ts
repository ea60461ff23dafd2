/**
 * A run's lifecycle: listed, claimed by the scheduler, cancelled, failed when orphaned, completed
 * by its worker. Every function takes the database explicitly so that the web server, the worker
 * process, the CLI and the tests share one implementation.
 */
import { and, asc, desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { schema } from "@/db";
import type { RunStatus } from "@/db/schema";
import { isTerminal, runConfigOf, RunError, type RunConfig, type RunRow, type RunSummary } from "@/lib/runs/schemas";

export function getRun(db: Db, id: number): RunRow | undefined {
  return db.select().from(schema.trainingRuns).where(eq(schema.trainingRuns.id, id)).get();
}

export type RunListItem = Omit<RunRow, "weights" | "config"> & {
  config: RunConfig;
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

function toListItem(row: Omit<RunListItem, "config"> & { config: Record<string, unknown> }): RunListItem {
  return { ...row, config: runConfigOf(row) };
}

export function listRuns(db: Db, limit = 200): RunListItem[] {
  return selectRunListItems(db).orderBy(desc(schema.trainingRuns.id)).limit(limit).all().map(toListItem);
}

export function getRunDetail(db: Db, id: number): RunListItem | undefined {
  const row = selectRunListItems(db).where(eq(schema.trainingRuns.id, id)).get();
  return row && toListItem(row);
}

/**
 * The oldest queued run, claimed (status running), or null when none waits or a run is already
 * training. One write transaction taken up front, so that two servers (or a server and the CLI)
 * on the same database cannot both see "nothing running" and start a run each.
 */
export function claimNextQueuedRun(db: Db): RunRow | null {
  return db.transaction(
    (tx) => {
      const training = tx
        .select({ id: schema.trainingRuns.id })
        .from(schema.trainingRuns)
        .where(eq(schema.trainingRuns.status, "running"))
        .get();
      if (training) return null;
      const next = tx
        .select({ id: schema.trainingRuns.id })
        .from(schema.trainingRuns)
        .where(eq(schema.trainingRuns.status, "queued"))
        .orderBy(asc(schema.trainingRuns.id))
        .limit(1)
        .get();
      if (!next) return null;
      return (
        tx
          .update(schema.trainingRuns)
          .set({ status: "running", startedAt: new Date(), progress: 0, error: null })
          .where(eq(schema.trainingRuns.id, next.id))
          .returning()
          .get() ?? null
      );
    },
    { behavior: "immediate" },
  );
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
  if (!run) throw new RunError(`There is no run ${runId}.`, 404);
  if (isTerminal(run.status))
    throw new RunError(`Run ${runId} has already ${run.status === "canceled" ? "been canceled" : run.status}.`, 409);
  if (run.status === "queued") {
    finishRun(db, runId, "canceled", "Canceled before it started.");
    return { run: getRun(db, runId)!, signalPid: null };
  }
  return { run, signalPid: run.workerPid };
}

/**
 * At server start: a run still marked running belongs to a server that died. Its worker (if it
 * survived as an orphan) is stopped, and the run is marked failed. Runs of a live headless CLI
 * process are left alone.
 */
export function failOrphanedRuns(db: Db, isAlive: (pid: number) => boolean, stop: (pid: number) => void): number[] {
  const running = db.select().from(schema.trainingRuns).where(eq(schema.trainingRuns.status, "running")).all();
  const failed: number[] = [];
  for (const run of running) {
    const pid = run.workerPid;
    if (runConfigOf(run).origin === "cli" && pid !== null && isAlive(pid)) continue;
    if (pid !== null && isAlive(pid)) stop(pid);
    if (finishRun(db, run.id, "failed", "Server stopped while the run was training.")) failed.push(run.id);
  }
  return failed;
}

export function runningRuns(db: Db): RunRow[] {
  return db.select().from(schema.trainingRuns).where(eq(schema.trainingRuns.status, "running")).all();
}

export type RewardRow = { responseId: number; split: "train" | "test"; reward: number; openness: number | null };

/** Writes a finished run's rewards, weights and summary in one transaction, unless it was cancelled meanwhile. */
export function completeRun(
  db: Db,
  runId: number,
  result: { rewards: RewardRow[]; weights: Uint8Array; summary: RunSummary },
): boolean {
  return db.transaction((tx) => {
    const run = tx
      .select({ status: schema.trainingRuns.status })
      .from(schema.trainingRuns)
      .where(eq(schema.trainingRuns.id, runId))
      .get();
    if (run?.status !== "running") return false;
    tx.delete(schema.runRewards).where(eq(schema.runRewards.runId, runId)).run();
    const insert = db.$client.prepare(
      "insert into run_rewards (run_id, response_id, split, reward, openness) values (?, ?, ?, ?, ?)",
    );
    for (const r of result.rewards) insert.run(runId, r.responseId, r.split, r.reward, r.openness);
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
  });
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
