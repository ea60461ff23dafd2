/**
 * The server's run scheduler: one training run at a time, each in its own child process
 * (scripts/run-worker.ts), so training never blocks a request and a crashed worker cannot take the
 * app down. Started from instrumentation.ts; `kickScheduler()` after a run is created starts it at
 * once instead of at the next tick.
 *
 * State lives on globalThis: Next bundles instrumentation and route handlers separately, and both
 * must see the same worker.
 */
import "server-only";
import fs from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { getDb } from "@/lib/db";
import { isProcessAlive, spawnBackground } from "@/lib/process";
import {
  claimNextQueuedRun,
  failOrphanedRuns,
  finishRun,
  getRun,
  leaseExpired,
  requestCancel,
  setWorkerPid,
} from "@/lib/runs/lifecycle";

type SchedulerState = {
  started: boolean;
  current: { runId: number; child: ChildProcess } | null;
  cancelRequested: Set<number>;
  timer: ReturnType<typeof setInterval> | null;
};

const globalForScheduler = globalThis as unknown as { octorankRunScheduler?: SchedulerState };

function state(): SchedulerState {
  globalForScheduler.octorankRunScheduler ??= {
    started: false,
    current: null,
    cancelRequested: new Set(),
    timer: null,
  };
  return globalForScheduler.octorankRunScheduler;
}

/** How long a cancelled worker gets to stop by itself before it is killed. */
const CANCEL_GRACE_MS = 10_000;
const TICK_MS = 2_000;

/**
 * Whether a pid stored with a run still belongs to a training process (a worker, or the CLI's
 * `train`). A stored pid can outlive its process and be reused by an unrelated one, after a reboot
 * say: bare liveness would then keep a dead run "running" for ever, blocking the queue, and the
 * start-up clean-up would SIGKILL a stranger. Linux tells by the command line; elsewhere liveness
 * is all there is.
 */
export function isTrainingProcess(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return fs.existsSync("/proc/self/cmdline") ? false : isProcessAlive(pid);
  }
  const args = cmdline.split("\0");
  return (
    args.some((a) => a.endsWith("run-worker.ts")) || (args.some((a) => a.endsWith("cli.ts")) && args.includes("train"))
  );
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/**
 * Call once per server process: fails runs whose trainer stopped renewing its lease (a dead
 * server's worker; never another live server's), then polls the queue.
 */
export function startScheduler(): void {
  const s = state();
  if (s.started) return;
  s.started = true;
  const failed = failOrphanedRuns(getDb(), isTrainingProcess, (pid) => signal(pid, "SIGKILL"));
  if (failed.length) console.log(`Octorank: marked run(s) ${failed.join(", ")} failed (server stopped while training)`);
  s.timer = setInterval(() => kickScheduler(), TICK_MS);
  s.timer.unref();
  kickScheduler();
}

/**
 * Starts the oldest queued run when nothing is training. Called from timers and process events,
 * where a throw would take the whole server down: a database error (busy, say) waits for the next tick.
 */
export function kickScheduler(): void {
  try {
    startNextRun();
  } catch (error) {
    console.error("Octorank: the run scheduler will retry:", error);
  }
}

function startNextRun(): void {
  const s = state();
  const db = getDb();
  if (s.current) {
    // Our own worker: one that hangs (SIGSTOP, a wedged loop) stops renewing its lease and is
    // killed, which frees the queue; its exit handler records the failure.
    const mine = getRun(db, s.current.runId);
    if (mine?.status === "running" && leaseExpired(mine) && s.current.child.pid) signal(s.current.child.pid, "SIGKILL");
    return;
  }
  // A run another process trains (the headless CLI, another server) still counts while its lease is live.
  failOrphanedRuns(db, isTrainingProcess, (pid) => signal(pid, "SIGKILL"));
  const run = claimNextQueuedRun(db);
  if (!run) return;
  // `node --import tsx` rather than the tsx binary: one process, so the pid is the worker itself.
  const child = spawnBackground(
    process.execPath,
    ["--import", "tsx", path.join("scripts", "run-worker.ts"), String(run.id)],
    {
      cwd: process.cwd(),
      env: process.env,
      stdio: ["ignore", "inherit", "pipe"],
    },
  );
  s.current = { runId: run.id, child };
  if (child.pid) setWorkerPid(db, run.id, child.pid);
  // The server log gets everything; the run keeps the gist, for a worker that dies before it can say why itself.
  let stderrTail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-4000);
  });
  child.on("error", (error) => {
    finishRun(db, run.id, "failed", `Could not start the worker: ${error.message}`);
  });
  child.on("exit", (code, sig) => {
    try {
      const canceled = s.cancelRequested.delete(run.id);
      const after = getRun(db, run.id);
      if (after && (after.status === "running" || after.status === "queued")) {
        if (canceled) finishRun(db, run.id, "canceled", "Canceled while training.");
        else {
          const why = sig ? `The worker was killed (${sig}).` : `The worker exited with code ${code}.`;
          const said = lastErrorLine(stderrTail);
          finishRun(db, run.id, "failed", said ? `${why} It said: ${said}` : why);
        }
      }
    } finally {
      if (s.current?.runId === run.id) s.current = null;
      setImmediate(() => kickScheduler());
    }
  });
}

/** The line of a worker's stderr that says what went wrong: the last error line, not a stack frame. */
export function lastErrorLine(stderr: string): string | null {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(
      (l) => l && !l.startsWith("at ") && !l.startsWith("Node.js v") && l !== "^" && !l.startsWith("Octorank: run "),
    );
  const line = lines.findLast((l) => /\b\w*Error\b/.test(l)) ?? lines.at(-1);
  return line ? line.slice(0, 500) : null;
}

/** Cancels a run: a queued one at once, a running one by asking its worker to stop (then killing it). */
export function cancelRun(runId: number): ReturnType<typeof requestCancel> {
  const s = state();
  const outcome = requestCancel(getDb(), runId);
  if (outcome.signalPid === null) return outcome;
  const pid = outcome.signalPid;
  if (!isTrainingProcess(pid)) {
    // The process is gone (or its pid now belongs to someone else): nothing to signal.
    finishRun(getDb(), runId, "canceled", "Canceled while training.");
    return { run: getRun(getDb(), runId)!, signalPid: null };
  }
  s.cancelRequested.add(runId);
  signal(pid, "SIGTERM");
  setTimeout(() => {
    if (isTrainingProcess(pid) && getRun(getDb(), runId)?.status === "running") signal(pid, "SIGKILL");
  }, CANCEL_GRACE_MS).unref();
  if (s.current?.runId !== runId) {
    // Not our child (e.g. a CLI run): nobody will see its exit here, so record the cancel now.
    setTimeout(() => {
      if (!isTrainingProcess(pid)) finishRun(getDb(), runId, "canceled", "Canceled while training.");
    }, 1_000).unref();
  }
  return outcome;
}
