/**
 * Runs once when the Next server starts: fails the runs a dead server left "running", starts
 * the training-run scheduler (lib/runs/scheduler.ts) and discards what crashed imports staged
 * (lib/datasets/import-staging.ts), then and every import lease period. Node runtime only: it
 * spawns processes.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` also loads this file to collect page data; the scheduler is for serving only.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { startScheduler } = await import("@/lib/runs/scheduler");
  startScheduler();
  const [{ discardAbandonedImports, IMPORT_LEASE_MS }, { getStore }] = await Promise.all([
    import("@/lib/datasets/import-staging"),
    import("@/lib/db"),
  ]);
  // In the background: discarding a large staging takes many short transactions. Again every lease
  // period: an importer that died on another server (or this one's before a restart) is only seen
  // once its lease has run out, and its half-landed merge should not wait for the next import.
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = sweeping
      .then(() => discardAbandonedImports(getStore()))
      .catch((error) => console.error("Octorank: could not discard an abandoned import's staging:", error));
  };
  sweep();
  setInterval(sweep, IMPORT_LEASE_MS).unref();
}
