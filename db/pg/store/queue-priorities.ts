/**
 * prompts.queue_priority for the model-driven queue orders on PostgreSQL: db/store/queue-priorities.ts's
 * statements, with the same rows.
 */
import { and, asc, desc, eq, isNotNull, sql } from "drizzle-orm";
import type { QueuePriorityStore } from "@/db/store/queue-priorities";
import { schema } from "../index";
import type { PgExecutor } from "./executor";

export function postgresQueuePriorityStore(db: PgExecutor): QueuePriorityStore {
  const { datasets, prompts, responses, trainingRuns } = schema;
  return {
    async latestTrainedRun(datasetId) {
      const [row] = await db
        .select({ id: trainingRuns.id })
        .from(trainingRuns)
        .where(
          and(
            eq(trainingRuns.datasetId, datasetId),
            eq(trainingRuns.status, "succeeded"),
            isNotNull(trainingRuns.weights),
          ),
        )
        .orderBy(desc(trainingRuns.id))
        .limit(1);
      return row?.id ?? null;
    },
    async runWeights(runId) {
      const [row] = await db
        .select({ weights: trainingRuns.weights })
        .from(trainingRuns)
        .where(eq(trainingRuns.id, runId));
      return row?.weights ?? null;
    },
    prompts: (datasetId) =>
      db
        .select({ id: prompts.id, text: prompts.text })
        .from(prompts)
        .where(eq(prompts.datasetId, datasetId))
        .orderBy(asc(prompts.id)),
    async responseTexts(promptId) {
      const rows = await db
        .select({ text: responses.text })
        .from(responses)
        .where(eq(responses.promptId, promptId))
        .orderBy(asc(responses.position));
      return rows.map((r) => r.text);
    },
    async version(datasetId) {
      const [row] = await db
        .select({ version: datasets.queuePriorityVersion })
        .from(datasets)
        .where(eq(datasets.id, datasetId));
      return row ?? null;
    },
    async isOrder(datasetId, order) {
      const rows = await db
        .select({ id: datasets.id })
        .from(datasets)
        .where(and(eq(datasets.id, datasetId), sql`${datasets.queueOrder} = ${order}`));
      return rows.length > 0;
    },
    // One statement a batch (SQLite runs one prepared update a prompt, each a round trip here). A
    // NaN priority is stored as NULL, as SQLite stores a NaN real.
    async setPriorities(datasetId, priorities) {
      if (!priorities.length) return;
      const ids = priorities.map(([id]) => id);
      const values = priorities.map(([, priority]) => (Number.isNaN(priority) ? null : priority));
      await db.execute(sql`
        update prompts p set queue_priority = v.priority
        from unnest(${sql.param(ids)}::int[], ${sql.param(values)}::float8[]) as v(id, priority)
        where p.id = v.id and p.dataset_id = ${datasetId}`);
    },
    async setVersion(datasetId, version) {
      await db.update(datasets).set({ queuePriorityVersion: version }).where(eq(datasets.id, datasetId));
    },
  };
}
