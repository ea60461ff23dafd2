import "server-only";
import os from "node:os";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";

/** Whether a process with this id exists on this machine (one owned by another user counts). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Niceness of the server's background workers (training, import, openness fits). They share the
 * machine's cores with the server, and a request waiting behind a worker's time slice is what
 * makes a page slow while a run trains: at the lowest priority the kernel runs the server (and
 * whatever else is interactive) first, and the worker still gets every idle cycle.
 */
export const BACKGROUND_NICENESS = 19;

/**
 * Spawns a background worker of the server at BACKGROUND_NICENESS. Set on the child's pid right
 * after spawn: the worker spends its first second loading code, long before it does any work.
 */
export function spawnBackground(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  if (child.pid) {
    try {
      os.setPriority(child.pid, BACKGROUND_NICENESS);
    } catch {
      // Already gone, or a platform without priorities: the worker runs at the server's priority.
    }
  }
  return child;
}

/**
 * Background jobs (openness fits, queue priorities) this server runs at once, whatever their keys:
 * each is a Node process of a few hundred MB, and one per dataset page viewed was a dozen at once.
 * A job that finds the pool full is not started; the page that asked shows the last result, and
 * the next view asks again. Training runs and imports have their own bounds (lib/runs/scheduler.ts,
 * lib/datasets/import-process.ts).
 */
export const MAX_BACKGROUND_JOBS = Math.max(1, Math.min(4, os.availableParallelism() - 1));

/** Background jobs of this server by key (one per job, database file and dataset): running now, and last started. */
const runningJobs = new Set<string>();
const lastJobStart = new Map<string, number>();

/**
 * Runs `node --import tsx <script> ...args` as a background worker, one at a time per `key`, at
 * most MAX_BACKGROUND_JOBS in all, and not again within `minIntervalMs` of the last start (a worker
 * that keeps failing is not respawned per request). Returns whether it started one; `what` names
 * the job in the log when it cannot start.
 */
export function startBackgroundJob(
  key: string,
  script: string,
  args: string[],
  { minIntervalMs, what }: { minIntervalMs: number; what: string },
): boolean {
  const now = Date.now();
  if (runningJobs.has(key) || runningJobs.size >= MAX_BACKGROUND_JOBS) return false;
  if (now - (lastJobStart.get(key) ?? -Infinity) < minIntervalMs) return false;
  runningJobs.add(key);
  lastJobStart.set(key, now);
  const child = spawnBackground(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: process.cwd(),
    env: process.env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const done = () => runningJobs.delete(key);
  child.on("error", (error) => {
    console.error(`Octorank: ${what} could not be computed:`, error);
    done();
  });
  child.on("exit", done);
  return true;
}

/** Whether the background job with this key is running now (the tests wait on it). */
export function isBackgroundJobRunning(key: string): boolean {
  return runningJobs.has(key);
}
