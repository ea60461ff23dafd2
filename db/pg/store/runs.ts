import { and, asc, desc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import { acceptedSql } from "@/db/store/review";
import type {
  DatasetTrainingRow,
  MetricPoint,
  NewRun,
  RewardRow,
  RunStore,
  StoredReward,
  TrainingRows,
} from "@/db/store/runs";
import { schema } from "../index";
import type { PgExecutor } from "./executor";
import { allRows } from "./rows";
import { epochMs } from "./time";
import { visibleDatasetCondition, visibleDatasetText } from "./visible";

/** db/store/runs.ts's rankableAnnotationSql on PostgreSQL (not_rankable is a boolean); `a` is the annotations alias. */
export function rankableAnnotationSql(a = "a"): string {
  return `not ${a}.not_rankable and json_array_length(${a}.ranking) > 1`;
}

/** Rows per insert statement: well under PostgreSQL's 65,535 bind parameters at five columns a row. */
const INSERT_BATCH = 1000;

/** Every column but the weights: a list page must not read every model. */
const { weights: _weights, ...runColumnsWithoutWeights } = getTableColumns(schema.trainingRuns);

/** The runs store on PostgreSQL: db/store/runs.ts's statements in PostgreSQL's dialect, row for row. */
export function postgresRunStore(db: PgExecutor): RunStore {
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
  return {
    run: async (id) => (await db.select().from(runs).where(eq(runs.id, id)))[0] ?? null,
    listRows: async (limit) => selectRunListItems().orderBy(desc(runs.id)).limit(limit),
    listRow: async (id) => (await selectRunListItems().where(eq(runs.id, id)))[0] ?? null,
    status: async (id) =>
      (await db.select({ status: runs.status }).from(runs).where(eq(runs.id, id)))[0]?.status ?? null,
    anyLiveRunning: async (liveSince) =>
      (
        await db
          .select({ id: runs.id })
          .from(runs)
          .where(
            and(
              eq(runs.status, "running"),
              sql`coalesce(${runs.heartbeatAt}, ${runs.startedAt}) > ${new Date(liveSince)}`,
            ),
          )
          .limit(1)
      ).length > 0,
    oldestQueued: async (which) =>
      (
        await db
          .select({ id: runs.id })
          .from(runs)
          .where(
            which === "next"
              ? and(eq(runs.status, "queued"), sql`coalesce(${runs.config}->>'origin', '') != 'cli'`)
              : and(eq(runs.status, "queued"), eq(runs.id, which)),
          )
          .orderBy(asc(runs.id))
          .limit(1)
      )[0]?.id ?? null,
    markRunning: async (id, workerPid, now) =>
      (
        await db
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
      )[0] ?? null,
    renewLease: async (id, now) =>
      (
        await db
          .update(runs)
          .set({ heartbeatAt: new Date(now) })
          .where(and(eq(runs.id, id), eq(runs.status, "running")))
          .returning({ id: runs.id })
      ).length > 0,
    setWorkerPid: async (id, pid) => {
      await db.update(runs).set({ workerPid: pid }).where(eq(runs.id, id));
    },
    finish: async (id, status, error) =>
      (
        await db
          .update(runs)
          .set({ status, error, finishedAt: new Date(), workerPid: null })
          .where(and(eq(runs.id, id), inArray(runs.status, ["queued", "running"])))
          .returning({ id: runs.id })
      ).length > 0,
    running: async () => db.select().from(runs).where(eq(runs.status, "running")).orderBy(asc(runs.id)),
    markSucceeded: async (id, weights, summary) => {
      await db
        .update(runs)
        .set({
          status: "succeeded",
          progress: 1,
          weights: Buffer.from(weights),
          summary,
          finishedAt: new Date(),
          workerPid: null,
          error: null,
        })
        .where(eq(runs.id, id));
    },
    setSummary: async (id, summary, finishedAt) => {
      await db.update(runs).set({ summary, finishedAt }).where(eq(runs.id, id));
    },
    replaceRewards: async (id, rewards: readonly RewardRow[]) => {
      await db.delete(schema.runRewards).where(eq(schema.runRewards.runId, id));
      for (let start = 0; start < rewards.length; start += INSERT_BATCH) {
        await db.insert(schema.runRewards).values(
          rewards.slice(start, start + INSERT_BATCH).map((r) => ({
            runId: id,
            responseId: r.responseId,
            split: r.split,
            reward: r.reward,
            openness: r.openness,
          })),
        );
      }
    },
    statusCounts: async () =>
      db
        .select({ status: runs.status, n: sql<number>`count(*)::int` })
        .from(runs)
        .groupBy(runs.status)
        .orderBy(asc(runs.status)),
    insert: async (run: NewRun) => (await db.insert(runs).values(run).returning())[0]!,
    rankedPromptCount: async (datasetId, withOpenness) =>
      (
        await allRows<{ n: number }>(
          db,
          sql`select count(*)::int as n from prompts p
         where p.dataset_id = ${datasetId} and p.gold is null
           and exists (select 1 from annotations a where a.prompt_id = p.id and not a.not_rankable)
           ${sql.raw(withOpenness ? "and (p.openness is not null or exists (select 1 from annotations a where a.prompt_id = p.id and a.openness is not null))" : "")}`,
        )
      )[0]!.n,
    openRunsBy: async (userId) =>
      (
        await allRows<{ n: number }>(
          db,
          sql`select count(*)::int as n from training_runs where created_by = ${userId} and status in ('queued', 'running')`,
        )
      )[0]!.n,
    visibleDataset: async (id) =>
      (
        await db
          .select()
          .from(schema.datasets)
          .where(and(eq(schema.datasets.id, id), visibleDatasetCondition))
      )[0] ?? null,
    visibleDatasetId: async (slug) =>
      (
        await db
          .select({ id: schema.datasets.id })
          .from(schema.datasets)
          .where(and(eq(schema.datasets.slug, slug), visibleDatasetCondition))
      )[0]?.id ?? null,
    datasetBySlug: async (slug) =>
      (await db.select().from(schema.datasets).where(eq(schema.datasets.slug, slug)))[0] ?? null,
    promptIds: async (datasetId) =>
      db
        .select({ id: schema.prompts.id, externalId: schema.prompts.externalId })
        .from(schema.prompts)
        .where(eq(schema.prompts.datasetId, datasetId))
        .orderBy(asc(schema.prompts.id)),
    responseIds: async (datasetId) =>
      allRows<{ id: number; externalId: string | null; position: number }>(
        db,
        sql`select r.id, r.external_id as "externalId", r.position from responses r join prompts p on p.id = r.prompt_id
          where p.dataset_id = ${datasetId} order by r.id`,
      ),
    putMetric: async (id, step, split, loss, accuracy) => {
      await db
        .insert(schema.runMetrics)
        .values({ runId: id, step, split, loss, accuracy })
        .onConflictDoUpdate({
          target: [schema.runMetrics.runId, schema.runMetrics.step, schema.runMetrics.split],
          set: { loss, accuracy },
        });
    },
    setProgress: async (id, progress) => {
      await db
        .update(runs)
        .set({ progress })
        .where(and(eq(runs.id, id), eq(runs.status, "running")));
    },
    progressRow: async (id) =>
      (
        await db
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
      )[0] ?? null,
    metricSeries: async (id, afterStep) =>
      await allRows<MetricPoint>(
        db,
        sql`select step,
              max(case when split = 'train' then loss end) as loss,
              max(case when split = 'train' then accuracy end) as "trainAccuracy",
              max(case when split = 'test' then accuracy end) as "testAccuracy"
         from run_metrics where run_id = ${id} and step > ${afterStep} group by step order by step`,
      ),
    latestMetric: async (id) =>
      (
        await allRows<MetricPoint>(
          db,
          sql`select step,
                max(case when split = 'train' then loss end) as loss,
                max(case when split = 'train' then accuracy end) as "trainAccuracy",
                (select accuracy from run_metrics t where t.run_id = m.run_id and t.split = 'test' and t.step <= m.step order by t.step desc limit 1) as "testAccuracy"
           from run_metrics m where run_id = ${id} group by run_id, step order by step desc limit 1`,
        )
      )[0] ?? null,
    queuedAhead: async (id) =>
      (
        await allRows<{ n: number }>(
          db,
          sql`select count(*)::int as n from training_runs where status = 'queued' and id < ${id}`,
        )
      )[0]!.n,
    storedRewards: async (id) =>
      allRows<StoredReward>(
        db,
        sql`select r.prompt_id as "promptId", p.external_id as "promptExternalId", p.text as "promptText",
              rr.response_id as "responseId", r.external_id as "responseExternalId", rr.split, rr.reward, rr.openness
         from run_rewards rr join responses r on r.id = rr.response_id join prompts p on p.id = r.prompt_id
        where rr.run_id = ${id} order by r.prompt_id, r.position`,
      ),
    rankingsVersion: async (datasetId) =>
      (
        await allRows<{ n: number; latest: number | null }>(
          db,
          sql`select count(*)::int as n, ${epochMs("max(a.updated_at)")} as latest
            from annotations a join prompts p on p.id = a.prompt_id where p.dataset_id = ${datasetId}`,
        )
      )[0]!,
    trainingStats: async () =>
      allRows<DatasetTrainingRow>(
        db,
        sql`select d.id as "datasetId", d.slug, d.name, d.synthetic::int as synthetic,
              (select count(*)::int from prompts p where p.dataset_id = d.id) as prompts,
              count(distinct r.prompt_id)::int as ranked,
              count(distinct case when r.has_openness then r.prompt_id end)::int as "rankedWithOpenness",
              coalesce(sum(r.n), 0)::int as annotations
         from datasets d
         left join (
           select p.id as prompt_id, p.dataset_id,
                  (p.openness is not null or count(a.openness) > 0) as has_openness,
                  count(*) as n
             from prompts p
             join annotations a on a.prompt_id = p.id and ${sql.raw(rankableAnnotationSql("a"))}
            group by p.id
         ) r on r.dataset_id = d.id
        where ${sql.raw(visibleDatasetText("d"))}
        group by d.id
        order by d.synthetic, d.name collate "C", d.id`,
      ),
    trainingRows: async (datasetId, acceptedOnly): Promise<TrainingRows> => ({
      prompts: await db
        .select({ id: schema.prompts.id, text: schema.prompts.text, openness: schema.prompts.openness })
        .from(schema.prompts)
        .where(eq(schema.prompts.datasetId, datasetId))
        .orderBy(asc(schema.prompts.id)),
      // The stored JSON as text, as SQLite hands it over (json keeps the text as written).
      responses: await allRows<TrainingRows["responses"][number]>(
        db,
        sql`select r.id, r.prompt_id as "promptId", r.text, r.embedding::text as embedding from responses r
         join prompts p on p.id = r.prompt_id where p.dataset_id = ${datasetId} order by r.prompt_id, r.position`,
      ),
      annotations: await allRows<TrainingRows["annotations"][number]>(
        db,
        sql`select a.prompt_id as "promptId", a.ranking::text as ranking, a.openness from annotations a
         join prompts p on p.id = a.prompt_id
        where p.dataset_id = ${datasetId} and p.gold is null and not a.not_rankable${sql.raw(acceptedOnly ? ` and ${acceptedSql("a")}` : "")} order by a.id`,
      ),
    }),
  };
}
