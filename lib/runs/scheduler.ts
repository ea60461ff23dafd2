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
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { getStore } from "@/lib/db";
import { environmentOpening } from "@/lib/env";
import { spawnBackground } from "@/lib/process";
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
  timer: ReturnType<typeof setInterval> | null;
};

const globalForScheduler = globalThis as unknown as { octorankRunScheduler?: SchedulerState };

function state(): SchedulerState {
  globalForScheduler.octorankRunScheduler ??= {
    started: false,
    kicking: Promise.resolve(),
    current: null,
    timer: null,
  };
  return globalForScheduler.octorankRunScheduler;
}

/** How long a cancelled worker gets to stop by itself before its server kills it. */
const CANCEL_GRACE_MS = 10_000;
const TICK_MS = 2_000;

/**
 * Call once per server process: fails runs whose trainer stopped renewing its lease (a dead
 * server's worker; never another live server's), then polls the queue.
 */
export function startScheduler(): void {
  const s = state();
  if (s.started) return;
  s.started = true;
  s.kicking = failOrphanedRuns(getStore()).then(
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
    // So is one that does not stop within CANCEL_GRACE_MS of a cancel, asked on whichever server.
    const current = s.current;
    const mine = await getRun(store, current.runId);
    const now = Date.now();
    const ignoredCancel = mine?.cancelRequestedAt && now - mine.cancelRequestedAt.getTime() > CANCEL_GRACE_MS;
    if (mine?.status === "running" && (leaseExpired(mine, now) || ignoredCancel)) current.child.kill("SIGKILL");
    return;
  }
  // A run another process trains (the headless CLI, another server) still counts while its lease is live.
  await failOrphanedRuns(store);
  const run = await claimNextQueuedRun(store);
  if (!run) return;
  // `node --import tsx` rather than the tsx binary: one process, so the pid is the worker itself.
  const child = spawnBackground(
    process.execPath,
    ["--import", "tsx", path.join("scripts", "run-worker.ts"), String(run.id)],
    {
      cwd: process.cwd(),
      env: environmentOpening(store.location),
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
    const recordExit = async () => {
      const after = await getRun(store, run.id);
      if (after && (after.status === "running" || after.status === "queued")) {
        if (after.cancelRequestedAt) await finishRun(store, run.id, "canceled", "Canceled while training.");
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

/**
 * Cancels a run: a queued one at once, a running one by a flag its trainer sees wherever it runs
 * (lib/runs/lifecycle.ts requestCancel); a worker that ignores it is killed by its own server.
 */
export async function cancelRun(runId: number): Promise<CancelOutcome> {
  return requestCancel(getStore(), runId);
}
