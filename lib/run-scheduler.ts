/**
 * The server's run scheduler: one training run at a time, each in its own child process
 * (scripts/run-worker.ts), so training never blocks a request and a crashed worker cannot take the
 * app down. Started from instrumentation.ts; `kickScheduler()` after a run is created starts it at
 * once instead of at the next tick.
 *
 * State lives on globalThis: Next bundles instrumentation and route handlers separately, and both
 * must see the same worker.
 */
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { getDb } from "@/db";
import { claimNextQueuedRun, failOrphanedRuns, finishRun, getRun, hasRunningRun, requestCancel, runningRuns, setWorkerPid } from "@/lib/runs";

type SchedulerState = {
  started: boolean;
  current: { runId: number; child: ChildProcess } | null;
  cancelRequested: Set<number>;
  timer: ReturnType<typeof setInterval> | null;
};

const globalForScheduler = globalThis as unknown as { octorankRunScheduler?: SchedulerState };

function state(): SchedulerState {
  globalForScheduler.octorankRunScheduler ??= { started: false, current: null, cancelRequested: new Set(), timer: null };
  return globalForScheduler.octorankRunScheduler;
}

/** Seconds a cancelled worker gets to stop by itself before it is killed. */
const CANCEL_GRACE_MS = 10_000;
const TICK_MS = 2_000;

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Call once per server process: fails runs a dead server left running, then polls the queue. */
export function startScheduler(): void {
  const s = state();
  if (s.started) return;
  s.started = true;
  const failed = failOrphanedRuns(getDb(), isAlive, (pid) => signal(pid, "SIGKILL"));
  if (failed.length) console.log(`Octorank: marked run(s) ${failed.join(", ")} failed (server stopped while training)`);
  s.timer = setInterval(() => kickScheduler(), TICK_MS);
  s.timer.unref();
  kickScheduler();
}

/** Starts the oldest queued run when nothing is training. */
export function kickScheduler(): void {
  const s = state();
  if (s.current) return;
  const db = getDb();
  // Nothing of ours is training, so a running run belongs to another process (the headless CLI):
  // it still counts, unless that process is gone.
  failRunsOfDeadProcesses(db);
  if (hasRunningRun(db)) return;
  const run = claimNextQueuedRun(db);
  if (!run) return;
  // `node --import tsx` rather than the tsx binary: one process, so the pid is the worker itself.
  const child = spawn(process.execPath, ["--import", "tsx", path.join("scripts", "run-worker.ts"), String(run.id)], {
    cwd: process.cwd(),
    env: process.env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  s.current = { runId: run.id, child };
  if (child.pid) setWorkerPid(db, run.id, child.pid);
  child.on("error", (error) => {
    finishRun(db, run.id, "failed", `Could not start the worker: ${error.message}`);
  });
  child.on("exit", (code, sig) => {
    const canceled = s.cancelRequested.delete(run.id);
    const after = getRun(db, run.id);
    if (after && (after.status === "running" || after.status === "queued")) {
      if (canceled) finishRun(db, run.id, "canceled", "Canceled while training.");
      else finishRun(db, run.id, "failed", sig ? `The worker was killed (${sig}).` : `The worker exited with code ${code}.`);
    }
    if (s.current?.runId === run.id) s.current = null;
    setImmediate(() => kickScheduler());
  });
}

function failRunsOfDeadProcesses(db: ReturnType<typeof getDb>): void {
  for (const run of runningRuns(db)) {
    if (run.workerPid === null || !isAlive(run.workerPid)) finishRun(db, run.id, "failed", "The process training this run is gone.");
  }
}

/** Cancels a run: a queued one at once, a running one by asking its worker to stop (then killing it). */
export function cancelRun(runId: number): ReturnType<typeof requestCancel> {
  const s = state();
  const outcome = requestCancel(getDb(), runId);
  if (outcome.signalPid !== null) {
    const pid = outcome.signalPid;
    s.cancelRequested.add(runId);
    signal(pid, "SIGTERM");
    setTimeout(() => {
      if (isAlive(pid) && getRun(getDb(), runId)?.status === "running") signal(pid, "SIGKILL");
    }, CANCEL_GRACE_MS).unref();
    if (s.current?.runId !== runId) {
      // Not our child (e.g. a CLI run): nobody will see its exit here, so record the cancel now.
      setTimeout(() => {
        if (!isAlive(pid)) finishRun(getDb(), runId, "canceled", "Canceled while training.");
      }, 1_000).unref();
    }
  }
  return outcome;
}
