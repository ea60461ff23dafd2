import type { Db } from "../index";
import type { Synchronous } from "./transaction";

/** A run's score of one response of a prompt; null when the run did not score it. */
export type ResponseScoreRow = { id: number; reward: number | null };

/** One annotation of a dataset as the anchoring summary reads it. */
export type AnchoringAnnotationRow = {
  promptId: number;
  /** The ranking as stored (JSON text of the groups). */
  ranking: string;
  /** The run whose order the board started from, null for a board that started shuffled. */
  runId: number | null;
  /** Its recorded distance from that order. */
  distance: number | null;
};

/**
 * Model suggestions (lib/annotations/suggestions.ts): the run a dataset's boards start from, the
 * runs' scores that make its order, and what an annotation records of the suggestion it started from.
 */
export interface SuggestionStore {
  /**
   * Run `runId` when it succeeded and is a run of the prompt's dataset, with whether the prompt is
   * gold; null otherwise (no such run or prompt, another dataset's run, or a run not succeeded).
   */
  succeededRun(runId: number, promptId: number): Promise<{ name: string | null; gold: boolean } | null>;
  /** Every response of the prompt with run `runId`'s reward of it (null when the run did not score it). */
  promptScores(runId: number, promptId: number): Promise<ResponseScoreRow[]>;
  /** The dataset's suggestion run (null: suggestions off) and ranking mode; null when there is no such dataset. */
  setting(datasetId: number): Promise<{ runId: number | null; mode: string } | null>;
  /** The dataset's suggestion run with its name; null when suggestions are off or there is no such dataset. */
  datasetRun(datasetId: number): Promise<{ id: number; name: string | null } | null>;
  /**
   * Run `runId` of dataset `datasetId`: its status and whether it stored a reward for any response;
   * null when it is not a run of that dataset.
   */
  candidateRun(runId: number, datasetId: number): Promise<{ status: string; scored: boolean } | null>;
  /** Sets the run the dataset's boards start from (null: none, boards start shuffled). */
  setDatasetRun(datasetId: number, runId: number | null): Promise<void>;
  /**
   * The suggestion an annotation recorded: the run and the order shown (JSON text of the groups),
   * each null when it started from none; null when there is no such annotation.
   */
  annotationSuggestion(annotationId: number): Promise<{ runId: number | null; ranking: string | null } | null>;
  /** Records on an annotation the run it started from, the order shown (JSON text) and its distance from it. */
  setAnnotationSuggestion(annotationId: number, runId: number, ranking: string, distance: number | null): Promise<void>;
  /** The runs that annotations of the dataset started from, each once, with their names, oldest first. */
  anchoringRuns(datasetId: number): Promise<{ id: number; name: string | null }[]>;
  /** The dataset's rankable annotations (not-rankable ones left out) of non-gold prompts. */
  anchoringAnnotations(datasetId: number): Promise<AnchoringAnnotationRow[]>;
  /**
   * Every response of the dataset's non-gold prompts with run `runId`'s reward of it (null when the
   * run did not score it).
   */
  datasetScores(runId: number, datasetId: number): Promise<(ResponseScoreRow & { promptId: number })[]>;
}

export function sqliteSuggestionStore(db: Db) {
  const sqlite = db.$client;
  return {
    succeededRun(runId: number, promptId: number) {
      const run = sqlite
        .prepare<[number, number], { id: number; name: string | null; gold: string | null }>(
          `select t.id, t.name, p.gold from training_runs t join prompts p on p.dataset_id = t.dataset_id
        where t.id = ? and p.id = ? and t.status = 'succeeded'`,
        )
        .get(runId, promptId);
      return run ? { name: run.name, gold: run.gold !== null } : null;
    },
    promptScores: (runId: number, promptId: number) =>
      sqlite
        .prepare<[number, number], ResponseScoreRow>(
          `select r.id, rr.reward from responses r left join run_rewards rr on rr.response_id = r.id and rr.run_id = ?
        where r.prompt_id = ? order by r.id`,
        )
        .all(runId, promptId),
    setting: (datasetId: number) =>
      sqlite
        .prepare<[number], { runId: number | null; mode: string }>(
          "select suggestion_run_id as runId, ranking_mode as mode from datasets where id = ?",
        )
        .get(datasetId) ?? null,
    datasetRun: (datasetId: number) =>
      sqlite
        .prepare<[number], { id: number; name: string | null }>(
          "select t.id, t.name from datasets d join training_runs t on t.id = d.suggestion_run_id where d.id = ?",
        )
        .get(datasetId) ?? null,
    candidateRun(runId: number, datasetId: number) {
      const run = sqlite
        .prepare<[number, number], { status: string; scored: number }>(
          `select status, exists (select 1 from run_rewards where run_id = t.id) as scored
           from training_runs t where id = ? and dataset_id = ?`,
        )
        .get(runId, datasetId);
      return run ? { status: run.status, scored: run.scored === 1 } : null;
    },
    setDatasetRun(datasetId: number, runId: number | null) {
      sqlite.prepare("update datasets set suggestion_run_id = ? where id = ?").run(runId, datasetId);
    },
    annotationSuggestion: (annotationId: number) =>
      sqlite
        .prepare<[number], { runId: number | null; ranking: string | null }>(
          "select suggestion_run_id as runId, suggested_ranking as ranking from annotations where id = ?",
        )
        .get(annotationId) ?? null,
    setAnnotationSuggestion(annotationId: number, runId: number, ranking: string, distance: number | null) {
      sqlite
        .prepare(
          "update annotations set suggestion_run_id = ?, suggested_ranking = ?, suggestion_distance = ? where id = ?",
        )
        .run(runId, ranking, distance, annotationId);
    },
    anchoringRuns: (datasetId: number) =>
      sqlite
        .prepare<[number], { id: number; name: string | null }>(
          `select distinct t.id, t.name from annotations a join prompts p on p.id = a.prompt_id
         join training_runs t on t.id = a.suggestion_run_id where p.dataset_id = ? order by t.id`,
        )
        .all(datasetId),
    anchoringAnnotations: (datasetId: number) =>
      sqlite
        .prepare<[number], AnchoringAnnotationRow>(
          `select a.prompt_id as promptId, a.ranking, a.suggestion_run_id as runId, a.suggestion_distance as distance
         from annotations a join prompts p on p.id = a.prompt_id
        where p.dataset_id = ? and p.gold is null and a.not_rankable = 0 order by a.id`,
        )
        .all(datasetId),
    datasetScores: (runId: number, datasetId: number) =>
      sqlite
        .prepare<[number, number], ResponseScoreRow & { promptId: number }>(
          `select r.prompt_id as promptId, r.id, rr.reward from responses r join prompts p on p.id = r.prompt_id
       left join run_rewards rr on rr.response_id = r.id and rr.run_id = ?
      where p.dataset_id = ? and p.gold is null order by r.prompt_id, r.id`,
        )
        .all(runId, datasetId),
  } satisfies Synchronous<SuggestionStore>;
}
