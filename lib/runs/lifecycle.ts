/**
 * Training runs: what a run is configured with, how it is queued, claimed, cancelled and recorded,
 * and how a dataset's annotations become the ml/ library's training prompts.
 *
 * Every function takes the database explicitly so that the web server, the worker process, the CLI
 * and the tests share one implementation.
 */
import { and, asc, desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { schema } from "@/db";
import type { RunStatus } from "@/db/schema";
import { UTILITY_NAMES, type UtilityName } from "@/ml/utility";
import type { TrainingPrompt } from "@/ml/types";
import type { VerdictKind } from "@/ml/metrics";

export { UTILITY_NAMES };
export type { UtilityName };

/** The utilities a researcher picks from, with what each one is for. */
export const UTILITY_DESCRIPTIONS: Record<UtilityName, string> = {
  conditioned: "Box-Cox with γ = 1 − 2·openness per prompt: two-point for closed prompts, uniform for open ones",
  log: "log x, the paper's fixed utility: every prompt converges to the same arcsine profile (collapse)",
  logsigmoid: "log σ(4x), the usual Bradley–Terry loss: fixed, collapses",
  linear: "x: pushes every prompt to a two-point profile",
  inverse: "−1/x: pushes every prompt to a uniform profile",
  adaptive: "the paper's binary choice: linear when openness < 0.5, inverse otherwise",
  boxcox: "Box-Cox with one fixed γ for every prompt (set gamma below)",
};

export const TERMINAL_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "canceled"];

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export const missingOpennessSchema = z.discriminatedUnion("policy", [
  z.object({ policy: z.literal("exclude") }),
  z.object({
    policy: z.literal("assume"),
    value: z.coerce
      .number()
      .min(0, "The assumed openness must be between 0 and 1.")
      .max(1, "The assumed openness must be between 0 and 1."),
  }),
]);
export type MissingOpenness = z.infer<typeof missingOpennessSchema>;

/**
 * What a run is asked to do. `train` holds overrides of the ml/ trainer's settings; they are checked
 * against the trainer's own schema when the run is created (see lib/runs/training.ts).
 */
export const runRequestSchema = z.object({
  datasetId: z.coerce.number().int().positive("Pick a dataset."),
  name: z
    .string()
    .trim()
    .max(120, "Keep the name under 120 characters.")
    .optional()
    .transform((v) => (v ? v : undefined)),
  utility: z
    .enum(UTILITY_NAMES, { message: `Utility must be one of ${UTILITY_NAMES.join(", ")}.` })
    .default("conditioned"),
  heldOutShare: z.coerce
    .number()
    .min(0.05, "Hold out at least 5% of the prompts, or the held-out accuracy means nothing.")
    .max(0.5, "Hold out at most half of the prompts.")
    .default(0.2),
  seed: z.coerce
    .number()
    .int("The seed must be a whole number.")
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  missingOpenness: missingOpennessSchema.default({ policy: "exclude" }),
  train: z.record(z.string(), z.unknown()).default({}),
});
export type RunRequest = z.infer<typeof runRequestSchema>;

/** Stored in training_runs.config. */
export type RunConfig = Omit<RunRequest, "datasetId" | "name"> & { origin: "web" | "api" | "cli" | "repro" };

export function runConfigOf(row: { config: Record<string, unknown> }): RunConfig {
  return row.config as unknown as RunConfig;
}

export type RunRow = typeof schema.trainingRuns.$inferSelect;

/** Final numbers written by the worker when a run succeeds. */
export type RunSummary = {
  backend: string;
  durationMs: number;
  prompts: { train: number; test: number; excludedWithoutOpenness: number };
  metrics: Record<string, unknown>;
  /** Held-out pair accuracy (share of annotated pairs the model orders correctly). */
  testAccuracy: number | null;
  trainAccuracy: number | null;
  collapse: Partial<
    Record<
      "train" | "test",
      { gap: number | null; tracking: number | null; collapsed: boolean; verdict: string; verdictKind?: VerdictKind }
    >
  >;
};

export class RunError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Datasets as training data

export type DatasetTrainingStats = {
  datasetId: number;
  slug: string;
  name: string;
  synthetic: boolean;
  prompts: number;
  /** Prompts with at least one usable ranking. */
  ranked: number;
  /** Ranked prompts that also have an openness (imported, or the mean of annotators' tags). */
  rankedWithOpenness: number;
  rankedWithoutOpenness: number;
  annotations: number;
};

/** For each dataset: how much of it can train a reward model, and how much lacks an openness. */
export function datasetTrainingStats(db: Db): DatasetTrainingStats[] {
  const rows = db.$client
    .prepare(
      `select d.id as datasetId, d.slug, d.name, d.synthetic,
              (select count(*) from prompts p where p.dataset_id = d.id) as prompts,
              count(distinct r.prompt_id) as ranked,
              count(distinct case when r.has_openness then r.prompt_id end) as rankedWithOpenness,
              coalesce(sum(r.n), 0) as annotations
         from datasets d
         left join (
           select p.id as prompt_id, p.dataset_id,
                  (p.openness is not null or count(a.openness) > 0) as has_openness,
                  count(*) as n
             from prompts p
             join annotations a on a.prompt_id = p.id and a.not_rankable = 0 and json_array_length(a.ranking) > 1
            group by p.id
         ) r on r.dataset_id = d.id
        group by d.id
        order by d.synthetic, d.name`,
    )
    .all() as (Omit<DatasetTrainingStats, "synthetic" | "rankedWithoutOpenness"> & { synthetic: number })[];
  return rows.map((r) => ({
    ...r,
    synthetic: Boolean(r.synthetic),
    rankedWithoutOpenness: r.ranked - r.rankedWithOpenness,
  }));
}

/**
 * A dataset's ranked prompts as ml/ training prompts (ids are the database ids as strings).
 * Openness is the imported value when there is one, else the mean of the annotators' tags, else
 * what the missing-openness policy says (or the prompt is left out).
 */
export function loadTrainingPrompts(
  db: Db,
  datasetId: number,
  missing: MissingOpenness,
): { prompts: (TrainingPrompt & { openness: number })[]; excludedWithoutOpenness: number } {
  const promptRows = db
    .select({ id: schema.prompts.id, text: schema.prompts.text, openness: schema.prompts.openness })
    .from(schema.prompts)
    .where(eq(schema.prompts.datasetId, datasetId))
    .orderBy(asc(schema.prompts.id))
    .all();
  const responseRows = db.$client
    .prepare(
      `select r.id, r.prompt_id as promptId, r.text, r.embedding from responses r
         join prompts p on p.id = r.prompt_id where p.dataset_id = ? order by r.prompt_id, r.position`,
    )
    .all(datasetId) as { id: number; promptId: number; text: string; embedding: string | null }[];
  const annotationRows = db.$client
    .prepare(
      `select a.prompt_id as promptId, a.ranking, a.openness from annotations a
         join prompts p on p.id = a.prompt_id
        where p.dataset_id = ? and a.not_rankable = 0 order by a.id`,
    )
    .all(datasetId) as { promptId: number; ranking: string; openness: number | null }[];

  const responsesByPrompt = new Map<number, TrainingPrompt["responses"]>();
  for (const r of responseRows) {
    const list = responsesByPrompt.get(r.promptId) ?? [];
    const embedding = r.embedding ? (JSON.parse(r.embedding) as number[]) : undefined;
    list.push({ id: String(r.id), text: r.text, ...(embedding ? { embedding } : {}) });
    responsesByPrompt.set(r.promptId, list);
  }
  const annotationsByPrompt = new Map<number, { rankings: string[][][]; tags: number[] }>();
  for (const a of annotationRows) {
    const groups = JSON.parse(a.ranking) as number[][];
    if (groups.length < 2) continue;
    const entry = annotationsByPrompt.get(a.promptId) ?? { rankings: [], tags: [] };
    entry.rankings.push(groups.map((g) => g.map(String)));
    if (a.openness !== null) entry.tags.push(a.openness);
    annotationsByPrompt.set(a.promptId, entry);
  }

  const prompts: (TrainingPrompt & { openness: number })[] = [];
  let excludedWithoutOpenness = 0;
  for (const p of promptRows) {
    const annotated = annotationsByPrompt.get(p.id);
    const responses = responsesByPrompt.get(p.id);
    if (!annotated || !responses || responses.length < 2) continue;
    const tagged = annotated.tags.length ? annotated.tags.reduce((s, t) => s + t, 0) / annotated.tags.length : null;
    const openness = p.openness ?? tagged ?? (missing.policy === "assume" ? missing.value : null);
    if (openness === null) {
      excludedWithoutOpenness++;
      continue;
    }
    prompts.push({ id: String(p.id), text: p.text, openness, responses, rankings: annotated.rankings });
  }
  return { prompts, excludedWithoutOpenness };
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

/**
 * Queues a run. `startNow` (the headless CLI, which trains in its own process) creates it already
 * running and owned by that process, so the server's scheduler never picks it up.
 */
export function createRun(
  db: Db,
  request: RunRequest,
  createdBy: number | null,
  origin: RunConfig["origin"],
  startNow?: { workerPid: number },
): RunRow {
  const dataset = db.select().from(schema.datasets).where(eq(schema.datasets.id, request.datasetId)).get();
  if (!dataset) throw new RunError(`There is no dataset with id ${request.datasetId}.`, 404);
  const { datasetId, name, ...rest } = request;
  const config: RunConfig = { ...rest, origin };
  return db
    .insert(schema.trainingRuns)
    .values({
      datasetId,
      name: name ?? `${request.utility} on ${dataset.slug}`,
      config: config as unknown as Record<string, unknown>,
      status: startNow ? "running" : "queued",
      startedAt: startNow ? new Date() : null,
      workerPid: startNow?.workerPid ?? null,
      createdBy,
    })
    .returning()
    .get();
}

export function getRun(db: Db, id: number): RunRow | undefined {
  return db.select().from(schema.trainingRuns).where(eq(schema.trainingRuns.id, id)).get();
}

export type RunListItem = Omit<RunRow, "weights" | "config"> & {
  config: RunConfig;
  datasetSlug: string;
  datasetName: string;
  createdByName: string | null;
};

/** Every column but the weights: a list page must not read every model from disk. */
const { weights: _weights, ...runColumnsWithoutWeights } = getTableColumns(schema.trainingRuns);

function selectRunListItems(db: Db) {
  return db
    .select({
      ...runColumnsWithoutWeights,
      datasetSlug: schema.datasets.slug,
      datasetName: schema.datasets.name,
      createdByName: schema.users.name,
    })
    .from(schema.trainingRuns)
    .innerJoin(schema.datasets, eq(schema.datasets.id, schema.trainingRuns.datasetId))
    .leftJoin(schema.users, eq(schema.users.id, schema.trainingRuns.createdBy));
}

function toListItem(row: Omit<RunListItem, "config"> & { config: Record<string, unknown> }): RunListItem {
  return { ...row, config: runConfigOf(row) };
}

export function listRuns(db: Db, limit = 200): RunListItem[] {
  return selectRunListItems(db).orderBy(desc(schema.trainingRuns.id)).limit(limit).all().map(toListItem);
}

export function getRunDetail(db: Db, id: number): RunListItem | undefined {
  const row = selectRunListItems(db).where(eq(schema.trainingRuns.id, id)).get();
  return row && toListItem(row);
}

/**
 * The oldest queued run, claimed (status running), or null when none waits or a run is already
 * training. One write transaction taken up front, so that two servers (or a server and the CLI)
 * on the same database cannot both see "nothing running" and start a run each.
 */
export function claimNextQueuedRun(db: Db): RunRow | null {
  return db.transaction(
    (tx) => {
      const training = tx
        .select({ id: schema.trainingRuns.id })
        .from(schema.trainingRuns)
        .where(eq(schema.trainingRuns.status, "running"))
        .get();
      if (training) return null;
      const next = tx
        .select({ id: schema.trainingRuns.id })
        .from(schema.trainingRuns)
        .where(eq(schema.trainingRuns.status, "queued"))
        .orderBy(asc(schema.trainingRuns.id))
        .limit(1)
        .get();
      if (!next) return null;
      return (
        tx
          .update(schema.trainingRuns)
          .set({ status: "running", startedAt: new Date(), progress: 0, error: null })
          .where(eq(schema.trainingRuns.id, next.id))
          .returning()
          .get() ?? null
      );
    },
    { behavior: "immediate" },
  );
}

export function setWorkerPid(db: Db, runId: number, pid: number | null): void {
  db.update(schema.trainingRuns).set({ workerPid: pid }).where(eq(schema.trainingRuns.id, runId)).run();
}

/** Moves a run that is still queued or running to a final status; returns false if it had already ended. */
export function finishRun(db: Db, runId: number, status: "failed" | "canceled", error: string | null): boolean {
  const result = db
    .update(schema.trainingRuns)
    .set({ status, error, finishedAt: new Date(), workerPid: null })
    .where(and(eq(schema.trainingRuns.id, runId), inArray(schema.trainingRuns.status, ["queued", "running"])))
    .run();
  return result.changes > 0;
}

export type CancelOutcome = { run: RunRow; signalPid: number | null };

/**
 * Cancels a run. A queued run ends at once; a running one is ended by its worker once it receives
 * SIGTERM (the caller sends it to `signalPid`). Cancelling a finished run is a 409.
 */
export function requestCancel(db: Db, runId: number): CancelOutcome {
  const run = getRun(db, runId);
  if (!run) throw new RunError(`There is no run ${runId}.`, 404);
  if (isTerminal(run.status))
    throw new RunError(`Run ${runId} has already ${run.status === "canceled" ? "been canceled" : run.status}.`, 409);
  if (run.status === "queued") {
    finishRun(db, runId, "canceled", "Canceled before it started.");
    return { run: getRun(db, runId)!, signalPid: null };
  }
  return { run, signalPid: run.workerPid };
}

/**
 * At server start: a run still marked running belongs to a server that died. Its worker (if it
 * survived as an orphan) is stopped, and the run is marked failed. Runs of a live headless CLI
 * process are left alone.
 */
export function failOrphanedRuns(db: Db, isAlive: (pid: number) => boolean, stop: (pid: number) => void): number[] {
  const running = db.select().from(schema.trainingRuns).where(eq(schema.trainingRuns.status, "running")).all();
  const failed: number[] = [];
  for (const run of running) {
    const pid = run.workerPid;
    if (runConfigOf(run).origin === "cli" && pid !== null && isAlive(pid)) continue;
    if (pid !== null && isAlive(pid)) stop(pid);
    if (finishRun(db, run.id, "failed", "Server stopped while the run was training.")) failed.push(run.id);
  }
  return failed;
}

export function runningRuns(db: Db): RunRow[] {
  return db.select().from(schema.trainingRuns).where(eq(schema.trainingRuns.status, "running")).all();
}

// ---------------------------------------------------------------------------------------------
// What the worker writes

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

export type RewardRow = { responseId: number; split: "train" | "test"; reward: number; openness: number | null };

/** Writes a finished run's rewards, weights and summary in one transaction, unless it was cancelled meanwhile. */
export function completeRun(
  db: Db,
  runId: number,
  result: { rewards: RewardRow[]; weights: Uint8Array; summary: RunSummary },
): boolean {
  return db.transaction((tx) => {
    const run = tx
      .select({ status: schema.trainingRuns.status })
      .from(schema.trainingRuns)
      .where(eq(schema.trainingRuns.id, runId))
      .get();
    if (run?.status !== "running") return false;
    tx.delete(schema.runRewards).where(eq(schema.runRewards.runId, runId)).run();
    const insert = db.$client.prepare(
      "insert into run_rewards (run_id, response_id, split, reward, openness) values (?, ?, ?, ?, ?)",
    );
    for (const r of result.rewards) insert.run(runId, r.responseId, r.split, r.reward, r.openness);
    tx.update(schema.trainingRuns)
      .set({
        status: "succeeded",
        progress: 1,
        weights: Buffer.from(result.weights),
        summary: result.summary as unknown as Record<string, unknown>,
        finishedAt: new Date(),
        workerPid: null,
        error: null,
      })
      .where(eq(schema.trainingRuns.id, runId))
      .run();
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// What the progress view reads

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

/** Counts of runs by status, for the list header. */
export function runStatusCounts(db: Db): Record<RunStatus, number> {
  const rows = db
    .select({ status: schema.trainingRuns.status, n: sql<number>`count(*)` })
    .from(schema.trainingRuns)
    .groupBy(schema.trainingRuns.status)
    .all();
  const counts = { queued: 0, running: 0, succeeded: 0, failed: 0, canceled: 0 } as Record<RunStatus, number>;
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** A run id from a URL segment, or null when it is not one. */
export function parseRunId(raw: string | undefined): number | null {
  const parsed = z.coerce.number().int().positive().safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** Finds a dataset by slug, for requests that name it instead of giving its id. */
export function datasetIdBySlug(db: Db, slug: string): number | null {
  return (
    db.select({ id: schema.datasets.id }).from(schema.datasets).where(eq(schema.datasets.slug, slug)).get()?.id ?? null
  );
}
