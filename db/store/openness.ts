import type { Db } from "../index";
import type { Synchronous } from "./transaction";

/** A dataset's prompts, responses and annotations as the openness estimators read them. */
export type OpennessSourceRows = {
  prompts: { id: number; text: string }[];
  /** In prompt order, then position order. */
  responses: { id: number; promptId: number }[];
  /** Oldest first; `ranking` is the stored JSON. */
  annotations: {
    promptId: number;
    annotatorId: number;
    ranking: string;
    openness: number | null;
    notRankable: number;
  }[];
};

export type OpennessSummaryRow = {
  version: string;
  tagged_prompts: number;
  tag_sd: number;
  unavailable: string | null;
  /** JSON of the held-out figures, or null. */
  evaluation: string | null;
  computed_at: number;
};

/** What a dataset's stored estimates are of (lib/openness/estimates.ts computeAndStoreOpennessEstimates). */
export type OpennessSummary = {
  /** opennessVersion of the data they were fitted on. */
  version: string;
  taggedPrompts: number;
  tagSd: number;
  unavailable: string | null;
  /** JSON of the held-out figures, or null. */
  evaluation: string | null;
  /** Epoch ms. */
  computedAt: number;
};

export type StoredEstimateRow = { prompt_id: number; estimate: number; sd: number };

/**
 * The stored openness estimates of datasets (written by the dataset worker, read by the dataset
 * page) and what the estimators are fitted on; fitting them is lib/openness/estimates.ts's.
 */
export interface OpennessStore {
  /** Every prompt of the dataset with its responses and annotations. */
  sourceRows(datasetId: number): Promise<OpennessSourceRows>;
  /** The dataset's count of annotation changes and of prompts (a maintained row: no scan). */
  dataVersion(datasetId: number): Promise<{ changes: number; prompts: number } | null>;
  /** Forgets the dataset's stored per-prompt estimates. */
  clearEstimates(datasetId: number): Promise<void>;
  /** Stores (or replaces) per-prompt estimates of the dataset. */
  putEstimates(datasetId: number, rows: readonly { promptId: number; estimate: number; sd: number }[]): Promise<void>;
  /** Stores (or replaces) the dataset's estimate summary. */
  putSummary(datasetId: number, summary: OpennessSummary): Promise<void>;
  summary(datasetId: number): Promise<OpennessSummaryRow | null>;
  /** The stored estimates of these prompts of the dataset (those that have one). */
  estimates(datasetId: number, promptIds: readonly number[]): Promise<StoredEstimateRow[]>;
}

export function sqliteOpennessStore(db: Db) {
  const sqlite = db.$client;
  return {
    sourceRows: (datasetId: number): OpennessSourceRows => ({
      prompts: sqlite
        .prepare(`select id, text from prompts where dataset_id = ? order by id`)
        .all(datasetId) as OpennessSourceRows["prompts"],
      responses: sqlite
        .prepare(
          `select r.id, r.prompt_id as promptId from responses r join prompts p on p.id = r.prompt_id
        where p.dataset_id = ? order by r.prompt_id, r.position`,
        )
        .all(datasetId) as OpennessSourceRows["responses"],
      annotations: sqlite
        .prepare(
          `select a.prompt_id as promptId, a.annotator_id as annotatorId, a.ranking, a.openness, a.not_rankable as notRankable
         from annotations a join prompts p on p.id = a.prompt_id where p.dataset_id = ? order by a.id`,
        )
        .all(datasetId) as OpennessSourceRows["annotations"],
    }),
    dataVersion: (datasetId: number) =>
      sqlite
        .prepare<[number], { changes: number; prompts: number }>(
          "select annotation_changes as changes, prompts from dataset_stats where dataset_id = ?",
        )
        .get(datasetId) ?? null,
    clearEstimates: (datasetId: number) => {
      sqlite.prepare("delete from openness_estimates where dataset_id = ?").run(datasetId);
    },
    putEstimates: (datasetId: number, rows: readonly { promptId: number; estimate: number; sd: number }[]) => {
      const insert = sqlite.prepare(
        "insert or replace into openness_estimates (prompt_id, dataset_id, estimate, sd) values (?, ?, ?, ?)",
      );
      for (const p of rows) insert.run(p.promptId, datasetId, p.estimate, p.sd);
    },
    putSummary: (datasetId: number, s: OpennessSummary) => {
      sqlite
        .prepare(
          `insert or replace into openness_estimate_summaries
         (dataset_id, version, tagged_prompts, tag_sd, unavailable, evaluation, computed_at) values (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(datasetId, s.version, s.taggedPrompts, s.tagSd, s.unavailable, s.evaluation, s.computedAt);
    },
    summary: (datasetId: number) =>
      sqlite
        .prepare<[number], OpennessSummaryRow>("select * from openness_estimate_summaries where dataset_id = ?")
        .get(datasetId) ?? null,
    estimates: (datasetId: number, promptIds: readonly number[]) =>
      sqlite
        .prepare<[number, string], StoredEstimateRow>(
          `select prompt_id, estimate, sd from openness_estimates
         where dataset_id = ? and prompt_id in (select value from json_each(?))`,
        )
        .all(datasetId, JSON.stringify(promptIds)),
  } satisfies Synchronous<OpennessStore>;
}
