import { and, asc, desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { schema, type Db } from "../index";
import type { RunStatus } from "@/lib/domain";
import { acceptedSql } from "./review";
import type { Synchronous } from "./transaction";
import { visibleDatasetCondition, visibleDatasetText } from "./visible";

/** A training run as stored. */
export type RunRow = typeof schema.trainingRuns.$inferSelect;
/** A run's row but its weights, with its dataset's slug and name and its creator's name (config and summary unparsed). */
export type RunListRow = Omit<RunRow, "weights"> & {
  datasetSlug: string;
  datasetName: string;
  createdByName: string | null;
};
export type DatasetRow = typeof schema.datasets.$inferSelect;

/** A run's new row (lib/runs/request-run.ts decides what goes in it). */
export type NewRun = {
  datasetId: number;
  name: string;
  config: Record<string, unknown>;
  status: "queued" | "running";
  startedAt: Date | null;
  heartbeatAt: Date | null;
  workerPid: number | null;
  createdBy: number | null;
};

export type RewardRow = { responseId: number; split: "train" | "test"; reward: number; openness: number | null };

export type StoredReward = {
  promptId: number;
  responseId: number;
  split: "train" | "test";
  reward: number;
  openness: number | null;
  promptExternalId: string;
  promptText: string;
  responseExternalId: string;
};

export type MetricPoint = {
  step: number;
  loss: number | null;
  trainAccuracy: number | null;
  testAccuracy: number | null;
};

export type DatasetTrainingRow = {
  datasetId: number;
  slug: string;
  name: string;
  synthetic: number;
  prompts: number;
  ranked: number;
  rankedWithOpenness: number;
  annotations: number;
};

/** A dataset's prompts, responses and usable annotations as training reads them. */
export type TrainingRows = {
  prompts: { id: number; text: string; openness: number | null }[];
  /** By prompt, then position; `embedding` is stored JSON. */
  responses: { id: number; promptId: number; text: string; embedding: string | null }[];
  /** Oldest first; `ranking` is stored JSON. */
  annotations: { promptId: number; ranking: string; openness: number | null }[];
};

/** lib/openness/resolve.ts isRankable in SQL; `a` is the annotations table's alias. */
export function rankableAnnotationSql(a = "a"): string {
  return `${a}.not_rankable = 0 and json_array_length(${a}.ranking) > 1`;
}

/**
 * Training runs (lib/runs/): their rows, leases, metrics and rewards, and what training reads of a
 * dataset. The rules (one run at a time, what a lease means, when a run may end) are lib's.
 */
export interface RunStore {
  run(id: number): Promise<RunRow | null>;
  /** Newest first, at most `limit`. */
  listRows(limit: number): Promise<RunListRow[]>;
  listRow(id: number): Promise<RunListRow | null>;
  status(id: number): Promise<RunStatus | null>;
  /** Whether a run is marked running with a heartbeat (or start) after `liveSince` (ms). */
  anyLiveRunning(liveSince: number): Promise<boolean>;
  /** The oldest queued run: that one (`which` an id), or any not queued by the CLI (`"next"`). */
  oldestQueued(which: number | "next"): Promise<number | null>;
  /** Marks a run running from `now` with a fresh heartbeat, owned by `workerPid`. */
  markRunning(id: number, workerPid: number | null, now: number): Promise<RunRow | null>;
  /** Sets a running run's heartbeat; false when it is no longer running. */
  renewLease(id: number, now: number): Promise<boolean>;
  setWorkerPid(id: number, pid: number | null): Promise<void>;
  /** Ends a queued or running run with this status; false when it had already ended. */
  finish(id: number, status: "failed" | "canceled", error: string | null): Promise<boolean>;
  running(): Promise<RunRow[]>;
  /** Marks a run succeeded with its weights and summary. */
  markSucceeded(id: number, weights: Uint8Array, summary: Record<string, unknown>): Promise<void>;
  /** Sets a run's summary and finish time (an external run's new checkpoint). */
  setSummary(id: number, summary: Record<string, unknown>, finishedAt: Date): Promise<void>;
  /** The run's stored rewards become these. */
  replaceRewards(id: number, rewards: readonly RewardRow[]): Promise<void>;
  /** Runs per status. */
  statusCounts(): Promise<{ status: RunStatus; n: number }[]>;
  insert(run: NewRun): Promise<RunRow>;
  /**
   * The dataset's non-gold prompts with a rankable annotation (and, with `withOpenness`, an imported
   * openness or an annotator's tag).
   */
  rankedPromptCount(datasetId: number, withOpenness: boolean): Promise<number>;
  /** Runs the user has queued or training. */
  openRunsBy(userId: number): Promise<number>;
  /** A visible dataset by id / by slug. */
  visibleDataset(id: number): Promise<DatasetRow | null>;
  visibleDatasetId(slug: string): Promise<number | null>;
  /** A dataset by slug, staged or not. */
  datasetBySlug(slug: string): Promise<DatasetRow | null>;
  /** The dataset's prompts' ids and external ids. */
  promptIds(datasetId: number): Promise<{ id: number; externalId: string }[]>;
  /** The dataset's responses' ids, external ids and positions. */
  responseIds(datasetId: number): Promise<{ id: number; externalId: string | null; position: number }[]>;
  /** Records steps' metrics (replacing a step's earlier numbers). */
  putMetric(
    id: number,
    step: number,
    split: "train" | "test",
    loss: number | null,
    accuracy: number | null,
  ): Promise<void>;
  /** Sets a running run's progress (0..1). */
  setProgress(id: number, progress: number): Promise<void>;
  /** The run's status and progress (not its weights: the progress view polls this). */
  progressRow(
    id: number,
  ): Promise<Pick<RunRow, "id" | "status" | "progress" | "error" | "startedAt" | "finishedAt"> | null>;
  /** Loss and accuracies per recorded step after `afterStep`, in step order. */
  metricSeries(id: number, afterStep: number): Promise<MetricPoint[]>;
  /** The latest step's metrics (test accuracy: the latest at or before it). */
  latestMetric(id: number): Promise<MetricPoint | null>;
  /** Queued runs created before this one. */
  queuedAhead(id: number): Promise<number>;
  /** The run's rewards, by prompt and then response position. */
  storedRewards(id: number): Promise<StoredReward[]>;
  /** The dataset's count of annotations and latest annotation change (ms). */
  rankingsVersion(datasetId: number): Promise<{ n: number; latest: number | null }>;
  /** Per visible dataset: prompts, ranked prompts, those with an openness, rankable annotations. */
  trainingStats(): Promise<DatasetTrainingRow[]>;
  /** The dataset's prompts, responses and rankable annotations (of non-gold prompts; accepted ones only if asked). */
  trainingRows(datasetId: number, acceptedOnly: boolean): Promise<TrainingRows>;
}

/** Every column but the weights: a list page must not read every model from disk. */
const { weights: _weights, ...runColumnsWithoutWeights } = getTableColumns(schema.trainingRuns);

export function sqliteRunStore(db: Db) {
  const runs = schema.trainingRuns;
  const selectRunListItems = () =>
    db
      .select({
        ...runColumnsWithoutWeights,
        datasetSlug: schema.datasets.slug,
        datasetName: schema.datasets.name,
        createdByName: schema.users.name,
      })
      .from(runs)
      .innerJoin(schema.datasets, eq(schema.datasets.id, runs.datasetId))
      .leftJoin(schema.users, eq(schema.users.id, runs.createdBy));
  const finish = (id: number, status: "failed" | "canceled", error: string | null) =>
    db
      .update(runs)
      .set({ status, error, finishedAt: new Date(), workerPid: null })
      .where(and(eq(runs.id, id), inArray(runs.status, ["queued", "running"])))
      .run().changes > 0;
  return {
    run: (id: number) => db.select().from(runs).where(eq(runs.id, id)).get() ?? null,
    listRows: (limit: number) => selectRunListItems().orderBy(desc(runs.id)).limit(limit).all(),
    listRow: (id: number) => selectRunListItems().where(eq(runs.id, id)).get() ?? null,
    status: (id: number) => db.select({ status: runs.status }).from(runs).where(eq(runs.id, id)).get()?.status ?? null,
    anyLiveRunning: (liveSince: number) =>
      db
        .select({ id: runs.id })
        .from(runs)
        .where(and(eq(runs.status, "running"), sql`coalesce(${runs.heartbeatAt}, ${runs.startedAt}) > ${liveSince}`))
        .get() !== undefined,
    oldestQueued: (which: number | "next") =>
      db
        .select({ id: runs.id })
        .from(runs)
        .where(
          which === "next"
            ? and(eq(runs.status, "queued"), sql`coalesce(json_extract(${runs.config}, '$.origin'), '') != 'cli'`)
            : and(eq(runs.status, "queued"), eq(runs.id, which)),
        )
        .orderBy(asc(runs.id))
        .limit(1)
        .get()?.id ?? null,
    markRunning: (id: number, workerPid: number | null, now: number) =>
      db
        .update(runs)
        .set({
          status: "running",
          startedAt: new Date(now),
          heartbeatAt: new Date(now),
          workerPid,
          progress: 0,
          error: null,
        })
        .where(eq(runs.id, id))
        .returning()
        .get() ?? null,
    renewLease: (id: number, now: number) =>
      db
        .update(runs)
        .set({ heartbeatAt: new Date(now) })
        .where(and(eq(runs.id, id), eq(runs.status, "running")))
        .run().changes > 0,
    setWorkerPid: (id: number, pid: number | null) => {
      db.update(runs).set({ workerPid: pid }).where(eq(runs.id, id)).run();
    },
    finish,
    running: () => db.select().from(runs).where(eq(runs.status, "running")).orderBy(asc(runs.id)).all(),
    markSucceeded: (id: number, weights: Uint8Array, summary: Record<string, unknown>) => {
      db.update(runs)
        .set({
          status: "succeeded",
          progress: 1,
          weights: Buffer.from(weights),
          summary,
          finishedAt: new Date(),
          workerPid: null,
          error: null,
        })
        .where(eq(runs.id, id))
        .run();
    },
    setSummary: (id: number, summary: Record<string, unknown>, finishedAt: Date) => {
      db.update(runs).set({ summary, finishedAt }).where(eq(runs.id, id)).run();
    },
    replaceRewards: (id: number, rewards: readonly RewardRow[]) => {
      db.delete(schema.runRewards).where(eq(schema.runRewards.runId, id)).run();
      const insert = db.$client.prepare(
        "insert into run_rewards (run_id, response_id, split, reward, openness) values (?, ?, ?, ?, ?)",
      );
      for (const r of rewards) insert.run(id, r.responseId, r.split, r.reward, r.openness);
    },
    statusCounts: () =>
      db
        .select({ status: runs.status, n: sql<number>`count(*)` })
        .from(runs)
        .groupBy(runs.status)
        .orderBy(asc(runs.status))
        .all(),
    insert: (run: NewRun) => db.insert(runs).values(run).returning().get(),
    rankedPromptCount: (datasetId: number, withOpenness: boolean) =>
      db.$client
        .prepare<[number], number>(
          `select count(*) from prompts p
         where p.dataset_id = ? and p.gold is null
           and exists (select 1 from annotations a where a.prompt_id = p.id and a.not_rankable = 0)
           ${withOpenness ? "and (p.openness is not null or exists (select 1 from annotations a where a.prompt_id = p.id and a.openness is not null))" : ""}`,
        )
        .pluck()
        .get(datasetId) ?? 0,
    openRunsBy: (userId: number) =>
      db.$client
        .prepare<[number], number>(
          "select count(*) from training_runs where created_by = ? and status in ('queued', 'running')",
        )
        .pluck()
        .get(userId)!,
    visibleDataset: (id: number) =>
      db
        .select()
        .from(schema.datasets)
        .where(and(eq(schema.datasets.id, id), visibleDatasetCondition))
        .get() ?? null,
    visibleDatasetId: (slug: string) =>
      db
        .select({ id: schema.datasets.id })
        .from(schema.datasets)
        .where(and(eq(schema.datasets.slug, slug), visibleDatasetCondition))
        .get()?.id ?? null,
    datasetBySlug: (slug: string) =>
      db.select().from(schema.datasets).where(eq(schema.datasets.slug, slug)).get() ?? null,
    promptIds: (datasetId: number) =>
      db
        .select({ id: schema.prompts.id, externalId: schema.prompts.externalId })
        .from(schema.prompts)
        .where(eq(schema.prompts.datasetId, datasetId))
        .orderBy(asc(schema.prompts.id))
        .all(),
    responseIds: (datasetId: number) =>
      db.$client
        .prepare(
          `select r.id, r.external_id as externalId, r.position from responses r join prompts p on p.id = r.prompt_id where p.dataset_id = ? order by r.id`,
        )
        .all(datasetId) as { id: number; externalId: string | null; position: number }[],
    putMetric: (id: number, step: number, split: "train" | "test", loss: number | null, accuracy: number | null) => {
      db.insert(schema.runMetrics)
        .values({ runId: id, step, split, loss, accuracy })
        .onConflictDoUpdate({
          target: [schema.runMetrics.runId, schema.runMetrics.step, schema.runMetrics.split],
          set: { loss, accuracy },
        })
        .run();
    },
    setProgress: (id: number, progress: number) => {
      db.update(runs)
        .set({ progress })
        .where(and(eq(runs.id, id), eq(runs.status, "running")))
        .run();
    },
    progressRow: (id: number) =>
      db
        .select({
          id: runs.id,
          status: runs.status,
          progress: runs.progress,
          error: runs.error,
          startedAt: runs.startedAt,
          finishedAt: runs.finishedAt,
        })
        .from(runs)
        .where(eq(runs.id, id))
        .get() ?? null,
    metricSeries: (id: number, afterStep: number) =>
      db.$client
        .prepare(
          `select step,
              max(case when split = 'train' then loss end) as loss,
              max(case when split = 'train' then accuracy end) as trainAccuracy,
              max(case when split = 'test' then accuracy end) as testAccuracy
         from run_metrics where run_id = ? and step > ? group by step order by step`,
        )
        .all(id, afterStep) as MetricPoint[],
    latestMetric: (id: number) =>
      (db.$client
        .prepare(
          `select step,
                max(case when split = 'train' then loss end) as loss,
                max(case when split = 'train' then accuracy end) as trainAccuracy,
                (select accuracy from run_metrics t where t.run_id = m.run_id and t.split = 'test' and t.step <= m.step order by t.step desc limit 1) as testAccuracy
           from run_metrics m where run_id = ? group by step order by step desc limit 1`,
        )
        .get(id) as MetricPoint | undefined) ?? null,
    queuedAhead: (id: number) =>
      (
        db.$client.prepare(`select count(*) as n from training_runs where status = 'queued' and id < ?`).get(id) as {
          n: number;
        }
      ).n,
    storedRewards: (id: number) =>
      db.$client
        .prepare(
          `select r.prompt_id as promptId, p.external_id as promptExternalId, p.text as promptText,
              rr.response_id as responseId, r.external_id as responseExternalId, rr.split, rr.reward, rr.openness
         from run_rewards rr join responses r on r.id = rr.response_id join prompts p on p.id = r.prompt_id
        where rr.run_id = ? order by r.prompt_id, r.position`,
        )
        .all(id) as StoredReward[],
    rankingsVersion: (datasetId: number) =>
      db.$client
        .prepare(
          `select count(*) as n, max(a.updated_at) as latest from annotations a join prompts p on p.id = a.prompt_id
        where p.dataset_id = ?`,
        )
        .get(datasetId) as { n: number; latest: number | null },
    trainingStats: () =>
      db.$client
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
             join annotations a on a.prompt_id = p.id and ${rankableAnnotationSql("a")}
            group by p.id
         ) r on r.dataset_id = d.id
        where ${visibleDatasetText("d")}
        group by d.id
        order by d.synthetic, d.name, d.id`,
        )
        .all() as DatasetTrainingRow[],
    trainingRows: (datasetId: number, acceptedOnly: boolean): TrainingRows => ({
      prompts: db
        .select({ id: schema.prompts.id, text: schema.prompts.text, openness: schema.prompts.openness })
        .from(schema.prompts)
        .where(eq(schema.prompts.datasetId, datasetId))
        .orderBy(asc(schema.prompts.id))
        .all(),
      responses: db.$client
        .prepare(
          `select r.id, r.prompt_id as promptId, r.text, r.embedding from responses r
         join prompts p on p.id = r.prompt_id where p.dataset_id = ? order by r.prompt_id, r.position`,
        )
        .all(datasetId) as TrainingRows["responses"],
      annotations: db.$client
        .prepare(
          `select a.prompt_id as promptId, a.ranking, a.openness from annotations a
         join prompts p on p.id = a.prompt_id
        where p.dataset_id = ? and p.gold is null and a.not_rankable = 0${acceptedOnly ? ` and ${acceptedSql("a")}` : ""} order by a.id`,
        )
        .all(datasetId) as TrainingRows["annotations"],
    }),
  } satisfies Synchronous<RunStore>;
}
