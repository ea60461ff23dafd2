/**
 * `tsx scripts/run-worker.ts <runId>`: trains one run in its own process, spawned by the server's
 * scheduler (lib/runs/scheduler.ts). SIGTERM cancels; if the server goes away, the worker stops
 * too (the next server start marks the run failed).
 */
import { openStoreAt } from "../db/store/open";
import { databaseLocation } from "../lib/env";
import { executeRun } from "../lib/runs/training";
import { setWorkerPid } from "../lib/runs/lifecycle";

async function main(): Promise<number> {
  const runId = Number(process.argv[2]);
  if (!Number.isInteger(runId) || runId <= 0) {
    console.error("Usage: tsx scripts/run-worker.ts <runId>");
    return 2;
  }
  const { store, close } = openStoreAt(databaseLocation());
  await setWorkerPid(store, runId, process.pid);
  const controller = new AbortController();
  // The scheduler cancels with SIGTERM. SIGINT comes from a Ctrl-C in the terminal, which reaches the
  // whole process group: the server is stopping, and nobody canceled the run.
  process.on("SIGTERM", () => controller.abort("canceled"));
  process.on("SIGINT", () => controller.abort("server-stopped"));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) controller.abort("server-stopped");
  }, 1_000).unref();
  const outcome = await executeRun(store, runId, { signal: controller.signal });
  console.log(`Octorank: run ${runId} ${outcome}`);
  await close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
