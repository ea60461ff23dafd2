/** A run's progress: the steps its worker records and what the progress view reads back. */
import "server-only";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { schema } from "@/db";
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

/** Records steps' numbers and the run's progress in one transaction (the worker batches them). */
export function recordProgress(db: Db, runId: number, points: ProgressPoint[]): void {
  const last = points.at(-1);
  if (!last) return;
  db.transaction((tx) => {
    const upsert = (step: number, split: "train" | "test", loss: number | null, accuracy: number | null) =>
      tx
        .insert(schema.runMetrics)
        .values({ runId, step, split, loss, accuracy })
        .onConflictDoUpdate({
          target: [schema.runMetrics.runId, schema.runMetrics.step, schema.runMetrics.split],
          set: { loss, accuracy },
        })
        .run();
    for (const point of points) {
      upsert(point.step, "train", Number.isFinite(point.loss) ? point.loss : null, point.trainAccuracy ?? null);
      if (point.testAccuracy !== undefined) upsert(point.step, "test", null, point.testAccuracy);
    }
    tx.update(schema.trainingRuns)
      .set({ progress: last.totalSteps > 0 ? Math.min(1, last.step / last.totalSteps) : 0 })
      .where(and(eq(schema.trainingRuns.id, runId), eq(schema.trainingRuns.status, "running")))
      .run();
  });
}

export type MetricPoint = {
  step: number;
  loss: number | null;
  trainAccuracy: number | null;
  testAccuracy: number | null;
};

/** Loss and accuracy per recorded step, thinned to at most `maxPoints` (first and last kept). */
export function runMetricSeries(db: Db, runId: number, maxPoints = 300, afterStep = -1): MetricPoint[] {
  const rows = db.$client
    .prepare(
      `select step,
              max(case when split = 'train' then loss end) as loss,
              max(case when split = 'train' then accuracy end) as trainAccuracy,
              max(case when split = 'test' then accuracy end) as testAccuracy
         from run_metrics where run_id = ? and step > ? group by step order by step`,
    )
    .all(runId, afterStep) as MetricPoint[];
  return thin(rows, maxPoints);
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

export function runSnapshot(db: Db, runId: number, now = Date.now()): RunSnapshot | null {
  const run = db
    .select({
      id: schema.trainingRuns.id,
      status: schema.trainingRuns.status,
      progress: schema.trainingRuns.progress,
      error: schema.trainingRuns.error,
      startedAt: schema.trainingRuns.startedAt,
      finishedAt: schema.trainingRuns.finishedAt,
    })
    .from(schema.trainingRuns)
    .where(eq(schema.trainingRuns.id, runId))
    .get();
  if (!run) return null;
  const latest =
    (db.$client
      .prepare(
        `select step,
                max(case when split = 'train' then loss end) as loss,
                max(case when split = 'train' then accuracy end) as trainAccuracy,
                (select accuracy from run_metrics t where t.run_id = m.run_id and t.split = 'test' and t.step <= m.step order by t.step desc limit 1) as testAccuracy
           from run_metrics m where run_id = ? group by step order by step desc limit 1`,
      )
      .get(runId) as MetricPoint | undefined) ?? null;
  const queuePosition =
    run.status === "queued"
      ? (
          db.$client
            .prepare(`select count(*) as n from training_runs where status = 'queued' and id < ?`)
            .get(runId) as { n: number }
        ).n
      : 0;
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
