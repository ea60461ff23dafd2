/**
 * A run's lifecycle: listed, claimed by the scheduler, cancelled, failed when orphaned, completed
 * by its worker. Every function takes the store explicitly so that the web server, the worker
 * process, the CLI and the tests share one implementation.
 */
import "server-only";
import type { Store } from "@/lib/db";
import type { RunListRow, RewardRow as StoredRewardRow } from "@/db/store/runs";
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

export type RewardRow = StoredRewardRow;

export async function getRun(store: Store, id: number): Promise<RunRow | undefined> {
  return (await store.runs.run(id)) ?? undefined;
}

export type RunListItem = Omit<RunRow, "weights" | "config" | "summary"> & {
  config: RunConfig;
  summary: RunSummary | null;
  datasetSlug: string;
  datasetName: string;
  createdByName: string | null;
};

function toListItem(row: RunListRow): RunListItem {
  return { ...row, config: runConfigOf(row), summary: runSummaryOf(row) };
}

export async function listRuns(store: Store, limit = 200): Promise<RunListItem[]> {
  return (await store.runs.listRows(limit)).map(toListItem);
}

export async function getRunDetail(store: Store, id: number): Promise<RunListItem | undefined> {
  const row = await store.runs.listRow(id);
  return row ? toListItem(row) : undefined;
}

/** The process training a run renews its lease this often (lib/runs/training.ts). */
export const RUN_HEARTBEAT_MS = 5_000;
/** A running run whose lease is older than this has no live trainer: it died, or hangs (SIGSTOP, say). */
export const RUN_LEASE_MS = 60_000;

export function leaseExpired(run: Pick<RunRow, "heartbeatAt" | "startedAt">, now = Date.now()): boolean {
  const last = (run.heartbeatAt ?? run.startedAt)?.getTime() ?? 0;
  return now - last > RUN_LEASE_MS;
}

/** Renews a running run's lease; false when the run is no longer running (cancelled, failed meanwhile). */
export async function renewRunLease(store: Store, runId: number, now = Date.now()): Promise<boolean> {
  return store.transaction("atomic", (tx) => tx.runs.renewLease(runId, now));
}

/**
 * The one-at-a-time claim every trainer goes through (the server's scheduler and the CLI's
 * `train`): in one serial transaction, nothing may be running with a live lease, and then the
 * run is marked running with a fresh lease. Two servers, or a server and the CLI, on the same
 * database can never both start a run. `which` is a run id (the CLI's own run) or "next", the
 * oldest queued run the server trains (the CLI's queued runs wait for their CLI).
 */
export async function claimRun(
  store: Store,
  which: number | "next",
  workerPid: number | null = null,
  now = Date.now(),
): Promise<RunRow | null> {
  return store.transaction("serial", async (tx) => {
    if (await tx.runs.anyLiveRunning(now - RUN_LEASE_MS)) return null;
    const next = await tx.runs.oldestQueued(which);
    if (next === null) return null;
    return tx.runs.markRunning(next, workerPid, now);
  });
}

/** The oldest queued run, claimed for the server's worker; null while another run trains. */
export async function claimNextQueuedRun(store: Store, now = Date.now()): Promise<RunRow | null> {
  return claimRun(store, "next", null, now);
}

export async function setWorkerPid(store: Store, runId: number, pid: number | null): Promise<void> {
  await store.transaction("atomic", (tx) => tx.runs.setWorkerPid(runId, pid));
}

/** Moves a run that is still queued or running to a final status; returns false if it had already ended. */
export async function finishRun(
  store: Store,
  runId: number,
  status: "failed" | "canceled",
  error: string | null,
  options?: { lockWaitMs?: number },
): Promise<boolean> {
  return store.transaction("atomic", (tx) => tx.runs.finish(runId, status, error), options);
}

export type CancelOutcome = { run: RunRow; stopping: boolean };

/**
 * Cancels a run. A queued run ends at once, and so does a running one whose trainer stopped
 * renewing its lease. A live trainer, on whatever host, sees the request in the database within
 * CANCEL_POLL_MS and ends the run itself (`stopping`). Cancelling a finished run is a 409.
 */
export async function requestCancel(store: Store, runId: number, now = Date.now()): Promise<CancelOutcome> {
  const run = await getRun(store, runId);
  if (!run) throw new RunError(`There is no run ${runId}.`, "not-found");
  if (isTerminal(run.status))
    throw new RunError(
      `Run ${runId} has already ${run.status === "canceled" ? "been canceled" : run.status}.`,
      "conflict",
    );
  const stopNow = async (why: string) => {
    await finishRun(store, runId, "canceled", why);
    return { run: (await getRun(store, runId))!, stopping: false };
  };
  if (run.status === "queued") return stopNow("Canceled before it started.");
  if (leaseExpired(run, now)) return stopNow("Canceled while training.");
  const asked = await store.transaction("atomic", (tx) => tx.coordination.requestRunCancel(runId, now));
  // It ended meanwhile (finished, or was claimed and is now "running" no more).
  if (!asked) return { run: (await getRun(store, runId))!, stopping: false };
  return { run: (await getRun(store, runId))!, stopping: true };
}

/** How often a trainer looks for a cancellation of its run. */
export const CANCEL_POLL_MS = 1_000;

/** Whether someone asked to cancel the run (requestCancel). */
export async function cancelRequested(store: Store, runId: number): Promise<boolean> {
  return (await store.coordination.runCancelRequestedAt(runId)) !== null;
}

/**
 * Runs marked running whose trainer stopped renewing the lease: a dead server's worker, a killed
 * CLI, a process that hangs, on any host. Each is failed (canceled, when that was asked for). A
 * run with a live lease is left alone, whoever trains it: another server's worker or a CLI on the
 * same database. A hung trainer that wakes up finds its run ended at its next lease renewal and
 * stops; one that is this server's child is also killed by the scheduler.
 */
export async function failOrphanedRuns(store: Store, now = Date.now()): Promise<number[]> {
  const running = await store.runs.running();
  const failed: number[] = [];
  for (const run of running) {
    if (!leaseExpired(run, now)) continue;
    const ended =
      run.cancelRequestedAt !== null
        ? await finishRun(store, run.id, "canceled", "Canceled while training.")
        : await finishRun(
            store,
            run.id,
            "failed",
            `The process training this run stopped renewing its lease for ${RUN_LEASE_MS / 1000} s (it died or hangs).`,
          );
    if (ended) failed.push(run.id);
  }
  return failed;
}

export async function runningRuns(store: Store): Promise<RunRow[]> {
  return store.runs.running();
}

/**
 * Writes a finished run's rewards, weights and summary in one transaction, unless it was cancelled
 * meanwhile. `lockWaitMs`: how long to wait for another process's write lock.
 */
export async function completeRun(
  store: Store,
  runId: number,
  result: { rewards: RewardRow[]; weights: Uint8Array; summary: RunSummary },
  options?: { lockWaitMs?: number },
): Promise<boolean> {
  return store.transaction(
    "serial",
    async (tx) => {
      if ((await tx.runs.status(runId)) !== "running") return false;
      await tx.runs.replaceRewards(runId, result.rewards);
      await tx.runs.markSucceeded(runId, result.weights, result.summary as unknown as Record<string, unknown>);
      return true;
    },
    options,
  );
}

/** Counts of runs by status, for the list header. */
export async function runStatusCounts(store: Store): Promise<Record<RunStatus, number>> {
  const rows = await store.runs.statusCounts();
  const counts = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 } as Record<RunStatus, number>;
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}
