import { sql } from "drizzle-orm";
import type { OpennessSourceRows, OpennessStore, OpennessSummaryRow } from "../../store/openness";
import type { PgExecutor } from "./executor";
import { epochMs } from "./time";

export function postgresOpennessStore(db: PgExecutor): OpennessStore {
  return {
    async sourceRows(datasetId) {
      const prompts = await db.execute<OpennessSourceRows["prompts"][number]>(
        sql`select id, text from prompts where dataset_id = ${datasetId} order by id`,
      );
      const responses = await db.execute<OpennessSourceRows["responses"][number]>(
        sql`select r.id, r.prompt_id as "promptId" from responses r join prompts p on p.id = r.prompt_id
          where p.dataset_id = ${datasetId} order by r.prompt_id, r.position`,
      );
      // The ranking as the JSON text stored, not parsed: the estimators read it as SQLite gives it.
      const annotations = await db.execute<OpennessSourceRows["annotations"][number]>(
        sql`select a.prompt_id as "promptId", a.annotator_id as "annotatorId", a.ranking::text as ranking, a.openness,
            a.not_rankable::int as "notRankable"
          from annotations a join prompts p on p.id = a.prompt_id where p.dataset_id = ${datasetId} order by a.id`,
      );
      return { prompts: prompts.rows, responses: responses.rows, annotations: annotations.rows };
    },
    async dataVersion(datasetId) {
      const { rows } = await db.execute<{ changes: number; prompts: number }>(
        sql`select annotation_changes as changes, prompts from dataset_stats where dataset_id = ${datasetId}`,
      );
      return rows[0] ?? null;
    },
    async clearEstimates(datasetId) {
      await db.execute(sql`delete from openness_estimates where dataset_id = ${datasetId}`);
    },
    async putEstimates(datasetId, rows) {
      if (!rows.length) return;
      await db.execute(
        sql`insert into openness_estimates (prompt_id, dataset_id, estimate, sd)
          select unnest(${sql.param(rows.map((r) => r.promptId))}::int[]), ${datasetId}::int,
            unnest(${sql.param(rows.map((r) => r.estimate))}::float8[]), unnest(${sql.param(rows.map((r) => r.sd))}::float8[])
          on conflict (prompt_id) do update
            set dataset_id = excluded.dataset_id, estimate = excluded.estimate, sd = excluded.sd`,
      );
    },
    async putSummary(datasetId, s) {
      await db.execute(
        sql`insert into openness_estimate_summaries
            (dataset_id, version, tagged_prompts, tag_sd, unavailable, evaluation, computed_at)
          values (${datasetId}, ${s.version}, ${s.taggedPrompts}, ${s.tagSd}, ${s.unavailable},
            ${s.evaluation}::json, ${new Date(s.computedAt)})
          on conflict (dataset_id) do update set version = excluded.version, tagged_prompts = excluded.tagged_prompts,
            tag_sd = excluded.tag_sd, unavailable = excluded.unavailable, evaluation = excluded.evaluation,
            computed_at = excluded.computed_at`,
      );
    },
    async summary(datasetId) {
      const { rows } = await db.execute<OpennessSummaryRow>(
        sql`select dataset_id, version, tagged_prompts, tag_sd, unavailable, evaluation::text as evaluation,
            ${epochMs("computed_at")} as computed_at
          from openness_estimate_summaries where dataset_id = ${datasetId}`,
      );
      return rows[0] ?? null;
    },
    async estimates(datasetId, promptIds) {
      if (!promptIds.length) return [];
      const { rows } = await db.execute<{ prompt_id: number; estimate: number; sd: number }>(
        sql`select prompt_id, estimate, sd from openness_estimates
          where dataset_id = ${datasetId} and prompt_id = any(${sql.param([...promptIds])}::int[]) order by prompt_id`,
      );
      return rows;
    },
  };
}
