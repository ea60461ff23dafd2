import { sql } from "drizzle-orm";
import type { AnchoringAnnotationRow, ResponseScoreRow, SuggestionStore } from "@/db/store/suggestions";
import type { PgExecutor } from "./executor";
import { allRows } from "./rows";

/** The suggestions store on PostgreSQL: db/store/suggestions.ts's statements in PostgreSQL's dialect, row for row. */
export function postgresSuggestionStore(db: PgExecutor): SuggestionStore {
  return {
    succeededRun: async (runId, promptId) => {
      const [run] = await allRows<{ name: string | null; gold: boolean }>(
        db,
        sql`select t.name, p.gold is not null as gold from training_runs t join prompts p on p.dataset_id = t.dataset_id
        where t.id = ${runId} and p.id = ${promptId} and t.status = 'succeeded'`,
      );
      return run ? { name: run.name, gold: run.gold } : null;
    },
    promptScores: async (runId, promptId) =>
      allRows<ResponseScoreRow>(
        db,
        sql`select r.id, rr.reward from responses r left join run_rewards rr on rr.response_id = r.id and rr.run_id = ${runId}
        where r.prompt_id = ${promptId} order by r.id`,
      ),
    setting: async (datasetId) =>
      (
        await allRows<{ runId: number | null; mode: string }>(
          db,
          sql`select suggestion_run_id as "runId", ranking_mode as mode from datasets where id = ${datasetId}`,
        )
      )[0] ?? null,
    datasetRun: async (datasetId) =>
      (
        await allRows<{ id: number; name: string | null }>(
          db,
          sql`select t.id, t.name from datasets d join training_runs t on t.id = d.suggestion_run_id where d.id = ${datasetId}`,
        )
      )[0] ?? null,
    candidateRun: async (runId, datasetId) =>
      (
        await allRows<{ status: string; scored: boolean }>(
          db,
          sql`select status, exists (select 1 from run_rewards where run_id = t.id) as scored
           from training_runs t where id = ${runId} and dataset_id = ${datasetId}`,
        )
      )[0] ?? null,
    setDatasetRun: async (datasetId, runId) => {
      await db.execute(sql`update datasets set suggestion_run_id = ${runId} where id = ${datasetId}`);
    },
    annotationSuggestion: async (annotationId) =>
      (
        await allRows<{ runId: number | null; ranking: string | null }>(
          db,
          // The order shown as the JSON text stored, as SQLite hands it over.
          sql`select suggestion_run_id as "runId", suggested_ranking::text as ranking from annotations where id = ${annotationId}`,
        )
      )[0] ?? null,
    setAnnotationSuggestion: async (annotationId, runId, ranking, distance) => {
      await db.execute(
        sql`update annotations set suggestion_run_id = ${runId}, suggested_ranking = ${ranking}::json,
          suggestion_distance = ${distance !== null && Number.isNaN(distance) ? null : distance} where id = ${annotationId}`,
      );
    },
    anchoringRuns: async (datasetId) =>
      allRows<{ id: number; name: string | null }>(
        db,
        sql`select distinct t.id, t.name from annotations a join prompts p on p.id = a.prompt_id
         join training_runs t on t.id = a.suggestion_run_id where p.dataset_id = ${datasetId} order by t.id`,
      ),
    anchoringAnnotations: async (datasetId) =>
      allRows<AnchoringAnnotationRow>(
        db,
        sql`select a.prompt_id as "promptId", a.ranking::text as ranking, a.suggestion_run_id as "runId",
              a.suggestion_distance as distance
         from annotations a join prompts p on p.id = a.prompt_id
        where p.dataset_id = ${datasetId} and p.gold is null and not a.not_rankable order by a.id`,
      ),
    datasetScores: async (runId, datasetId) =>
      allRows<ResponseScoreRow & { promptId: number }>(
        db,
        sql`select r.prompt_id as "promptId", r.id, rr.reward from responses r join prompts p on p.id = r.prompt_id
       left join run_rewards rr on rr.response_id = r.id and rr.run_id = ${runId}
      where p.dataset_id = ${datasetId} and p.gold is null order by r.prompt_id, r.id`,
      ),
  };
}
