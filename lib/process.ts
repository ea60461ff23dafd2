import "server-only";
import os from "node:os";
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { isLockTimeout, type Store } from "@/db/store";
import { environmentOpening } from "@/lib/env";
import { isLeaseHeld, takeJobLease } from "@/lib/coordination";

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
 * Background jobs (openness fits, queue priorities) this process runs at once, whatever their keys:
 * each is a Node process of a few hundred MB, and one per dataset page viewed was a dozen at once.
 * A job that finds the pool full is not started; the page that asked shows the last result, and
 * the next view asks again. Training runs and imports have their own bounds (lib/runs/scheduler.ts,
 * lib/datasets/import-process.ts).
 */
export const MAX_BACKGROUND_JOBS = Math.max(1, Math.min(4, os.availableParallelism() - 1));

const jobLeaseName = (key: string) => `job:${key}`;

/**
 * Runs `node --import tsx <script> ...args` as a background worker on the store's database, one at a time per `key` across
 * every server of the store's database (a job lease, lib/coordination.ts), at most
 * MAX_BACKGROUND_JOBS in this process, and not again within `minIntervalMs` of the last start on
 * any server (a worker that keeps failing is not respawned per request). Returns whether it
 * started one; `what` names the job in the log when it cannot start.
 */
export async function startBackgroundJob(
  store: Store,
  key: string,
  script: string,
  args: string[],
  { minIntervalMs, what }: { minIntervalMs: number; what: string },
): Promise<boolean> {
  let lease;
  try {
    lease = await takeJobLease(store, jobLeaseName(key), { minIntervalMs, maxHeldHere: MAX_BACKGROUND_JOBS });
  } catch (error) {
    // Another writer holds the database (an import): the next ask starts it.
    if (isLockTimeout(error)) return false;
    throw error;
  }
  if (!lease) return false;
  const child = spawnBackground(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: process.cwd(),
    env: environmentOpening(store.location),
    stdio: ["ignore", "inherit", "inherit"],
  });
  const done = () =>
    void lease
      .release()
      .catch((error: unknown) => console.error(`Octorank: ${what}: could not release its lease:`, error));
  child.on("error", (error) => {
    console.error(`Octorank: ${what} could not be computed:`, error);
    done();
  });
  child.on("exit", done);
  return true;
}

/** Whether the background job with this key is running now, on any server (the tests wait on it). */
export function isBackgroundJobRunning(store: Store, key: string): Promise<boolean> {
  return isLeaseHeld(store, jobLeaseName(key));
}
