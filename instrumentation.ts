/**
 * Runs once when the Next server starts: fails the runs a dead server left "running" and starts
 * the training-run scheduler (lib/runs/scheduler.ts). Node runtime only: it spawns processes.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // `next build` also loads this file to collect page data; the scheduler is for serving only.
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { startScheduler } = await import("@/lib/runs/scheduler");
  startScheduler();
}
