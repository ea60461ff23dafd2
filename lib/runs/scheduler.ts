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
import { getStore } from "@/lib/db";
import { isProcessAlive, spawnBackground } from "@/lib/process";
import {
  claimNextQueuedRun,
  failOrphanedRuns,
  finishRun,
  getRun,
  leaseExpired,
  requestCancel,
  setWorkerPid,
  type CancelOutcome,
} from "@/lib/runs/lifecycle";

type SchedulerState = {
  started: boolean;
  /** The kick under way (kicks take turns: each reads and claims the queue). */
  kicking: Promise<void>;
  current: { runId: number; child: ChildProcess } | null;
  cancelRequested: Set<number>;
  timer: ReturnType<typeof setInterval> | null;
};

const globalForScheduler = globalThis as unknown as { octorankRunScheduler?: SchedulerState };

function state(): SchedulerState {
  globalForScheduler.octorankRunScheduler ??= {
    started: false,
    kicking: Promise.resolve(),
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
  s.kicking = failOrphanedRuns(getStore(), isTrainingProcess, (pid) => signal(pid, "SIGKILL")).then(
    (failed) => {
      if (failed.length)
        console.log(`Octorank: marked run(s) ${failed.join(", ")} failed (server stopped while training)`);
    },
    (error: unknown) => console.error("Octorank: the run scheduler could not check for orphaned runs:", error),
  );
  s.timer = setInterval(() => kickScheduler(), TICK_MS);
  s.timer.unref();
  kickScheduler();
}

/**
 * Starts the oldest queued run when nothing is training. Called from timers and process events,
 * where a throw would take the whole server down: a database error (busy, say) waits for the next tick.
 */
export function kickScheduler(): void {
  const s = state();
  s.kicking = s.kicking
    .then(startNextRun)
    .catch((error: unknown) => console.error("Octorank: the run scheduler will retry:", error));
}

async function startNextRun(): Promise<void> {
  const s = state();
  const store = getStore();
  if (s.current) {
    // Our own worker: one that hangs (SIGSTOP, a wedged loop) stops renewing its lease and is
    // killed, which frees the queue; its exit handler records the failure.
    const current = s.current;
    const mine = await getRun(store, current.runId);
    if (mine?.status === "running" && leaseExpired(mine) && current.child.pid) signal(current.child.pid, "SIGKILL");
    return;
  }
  // A run another process trains (the headless CLI, another server) still counts while its lease is live.
  await failOrphanedRuns(store, isTrainingProcess, (pid) => signal(pid, "SIGKILL"));
  const run = await claimNextQueuedRun(store);
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
  if (child.pid) await setWorkerPid(store, run.id, child.pid);
  // The server log gets everything; the run keeps the gist, for a worker that dies before it can say why itself.
  let stderrTail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-4000);
  });
  child.on("error", (error) => {
    finishRun(store, run.id, "failed", `Could not start the worker: ${error.message}`).catch((failure: unknown) =>
      console.error(`Octorank: could not record that run ${run.id}'s worker did not start:`, failure),
    );
  });
  child.on("exit", (code, sig) => {
    const canceled = s.cancelRequested.delete(run.id);
    const recordExit = async () => {
      const after = await getRun(store, run.id);
      if (after && (after.status === "running" || after.status === "queued")) {
        if (canceled) await finishRun(store, run.id, "canceled", "Canceled while training.");
        else {
          const why = sig ? `The worker was killed (${sig}).` : `The worker exited with code ${code}.`;
          const said = lastErrorLine(stderrTail);
          await finishRun(store, run.id, "failed", said ? `${why} It said: ${said}` : why);
        }
      }
    };
    recordExit()
      .catch((error: unknown) => console.error(`Octorank: could not record how run ${run.id}'s worker ended:`, error))
      .finally(() => {
        if (s.current?.runId === run.id) s.current = null;
        setImmediate(() => kickScheduler());
      });
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
export async function cancelRun(runId: number): Promise<CancelOutcome> {
  const s = state();
  const store = getStore();
  const outcome = await requestCancel(store, runId);
  if (outcome.signalPid === null) return outcome;
  const pid = outcome.signalPid;
  if (!isTrainingProcess(pid)) {
    // The process is gone (or its pid now belongs to someone else): nothing to signal.
    await finishRun(store, runId, "canceled", "Canceled while training.");
    return { run: (await getRun(store, runId))!, signalPid: null };
  }
  s.cancelRequested.add(runId);
  signal(pid, "SIGTERM");
  const later = (what: string, check: () => Promise<unknown>) =>
    check().catch((error: unknown) => console.error(`Octorank: cancelling run ${runId}, could not ${what}:`, error));
  setTimeout(() => {
    void later("check that its worker stopped", async () => {
      if (isTrainingProcess(pid) && (await getRun(store, runId))?.status === "running") signal(pid, "SIGKILL");
    });
  }, CANCEL_GRACE_MS).unref();
  if (s.current?.runId !== runId) {
    // Not our child (e.g. a CLI run): nobody will see its exit here, so record the cancel now.
    setTimeout(() => {
      void later("record the cancel", async () => {
        if (!isTrainingProcess(pid)) await finishRun(store, runId, "canceled", "Canceled while training.");
      });
    }, 1_000).unref();
  }
  return outcome;
}
