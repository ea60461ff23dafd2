/** A run's progress: the steps its worker records and what the progress view reads back. */
import "server-only";
import type { Store } from "@/lib/db";
import type { MetricPoint } from "@/db/store/runs";
import type { RunStatus } from "@/lib/domain";

/**
 * One evaluation of a training run. Its accuracies are the per-prompt mean pair accuracy (each
 * prompt's share of pairs ordered right, averaged over prompts), as the trainer measures it.
 */
export type ProgressPoint = {
  step: number;
  totalSteps: number;
  loss: number;
  trainAccuracy?: number;
  testAccuracy?: number;
};

/**
 * Records steps' numbers and the run's progress in one transaction (the worker batches them).
 * `lockWaitMs`: how long to wait for another process's write lock.
 */
export async function recordProgress(
  store: Store,
  runId: number,
  points: ProgressPoint[],
  options?: { lockWaitMs?: number },
): Promise<void> {
  const last = points.at(-1);
  if (!last) return;
  await store.transaction(
    "atomic",
    async (tx) => {
      for (const point of points) {
        const loss = Number.isFinite(point.loss) ? point.loss : null;
        await tx.runs.putMetric(runId, point.step, "train", loss, point.trainAccuracy ?? null);
        if (point.testAccuracy !== undefined)
          await tx.runs.putMetric(runId, point.step, "test", null, point.testAccuracy);
      }
      await tx.runs.setProgress(runId, last.totalSteps > 0 ? Math.min(1, last.step / last.totalSteps) : 0);
    },
    options,
  );
}

export type { MetricPoint };

/** Loss and accuracy per recorded step, thinned to at most `maxPoints` (first and last kept). */
export async function runMetricSeries(
  store: Store,
  runId: number,
  maxPoints = 300,
  afterStep = -1,
): Promise<MetricPoint[]> {
  return thin(await store.runs.metricSeries(runId, afterStep), maxPoints);
}

export function thin<T>(rows: T[], maxPoints: number): T[] {
  if (rows.length <= maxPoints) return rows;
  const out: T[] = [];
  const stride = (rows.length - 1) / (maxPoints - 1);
  for (let i = 0; i < maxPoints; i++) out.push(rows[Math.round(i * stride)]!);
  return out;
}

export type RunSnapshot = {
  id: number;
  status: RunStatus;
  progress: number;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** Runs queued ahead of this one (0 when it is next or not queued). */
  queuePosition: number;
  latest: MetricPoint | null;
  /** Seconds left, from the pace so far; null before there is a pace to go by. */
  etaSeconds: number | null;
};

export async function runSnapshot(store: Store, runId: number, now = Date.now()): Promise<RunSnapshot | null> {
  const run = await store.runs.progressRow(runId);
  if (!run) return null;
  const latest = await store.runs.latestMetric(runId);
  const queuePosition = run.status === "queued" ? await store.runs.queuedAhead(runId) : 0;
  const startedAt = run.startedAt?.getTime() ?? null;
  let etaSeconds: number | null = null;
  if (run.status === "running" && startedAt !== null && run.progress > 0.02) {
    const elapsed = (now - startedAt) / 1000;
    etaSeconds = Math.max(0, Math.round((elapsed * (1 - run.progress)) / run.progress));
  }
  return {
    id: run.id,
    status: run.status,
    progress: run.progress,
    error: run.error,
    startedAt,
    finishedAt: run.finishedAt?.getTime() ?? null,
    queuePosition,
    latest,
    etaSeconds,
  };
}
