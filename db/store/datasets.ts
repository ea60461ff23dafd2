import type { Db } from "../index";
import type { StoredAnnotation, StoredAnnotator, StoredPrompt, StoredResponse } from "../stored-rows";
import type { QueueOrderName, RankingMode } from "@/lib/domain";
import type { ReviewState } from "@/lib/annotations/review-states";
import { acceptedSql, reviewStateSql } from "./review";
import type { Synchronous } from "./transaction";
import { ensureExternalAnnotator, insertDataset, insertPrompt, type NewDataset, type NewPrompt } from "./writer";

export type DatasetRow = ReturnType<typeof insertDataset>;

/** A visible dataset's settings, as its pages show them. */
export type VisibleDataset = {
  id: number;
  slug: string;
  name: string;
  guidelines: string;
  responsesPerPrompt: number;
  annotationsPerPrompt: number;
  synthetic: boolean;
  rankingMode: RankingMode;
  queueOrder: QueueOrderName;
  createdAt: Date;
};

/** A visible dataset with how far its annotation has come. */
export type DatasetProgressRow = VisibleDataset & {
  prompts: number;
  annotations: number;
  /** Prompts with at least annotationsPerPrompt annotations. */
  completePrompts: number;
  /** Annotators with at least one annotation in it. */
  annotators: number;
};

/** A prompt as the agreement numbers need it. */
export type AgreementPromptRow = Pick<StoredPrompt, "id" | "external_id" | "text" | "openness">;
/** An annotation with its annotator, as the agreement numbers need it. */
export type AgreementAnnotationRow = Pick<
  StoredAnnotation,
  "prompt_id" | "annotator_id" | "ranking" | "openness" | "not_rankable" | "duration_ms"
> &
  StoredAnnotator;
/** A prompt as its page shows it. */
export type PromptPageRow = Pick<StoredPrompt, "id" | "external_id" | "text" | "messages" | "openness" | "metadata">;
/** A response with a run's reward for it (null without one). */
export type RewardedResponseRow = Pick<StoredResponse, "id" | "external_id" | "position" | "text"> & {
  reward: number | null;
};
/** An annotation with its annotator and its review state. */
export type ReviewedAnnotationRow = StoredAnnotation & StoredAnnotator & { review_state: ReviewState };

/** A prompt of an export page. */
export type ExportPromptRow = PromptPageRow & { gold: string | null };
export type ExportResponseRow = Pick<StoredResponse, "id" | "prompt_id" | "external_id" | "text" | "embedding">;
/** An annotation of an export page, with its annotator and whether a reviewer accepted its current version (1/0). */
export type ExportAnnotationRow = Omit<StoredAnnotation, "id" | "annotator_id" | "suggested_ranking"> &
  StoredAnnotator & { accepted: number };
/** One page of an export: prompts by id, and what the export needs of them. */
export type ExportPage = {
  prompts: ExportPromptRow[];
  /** The page's prompts' responses, by prompt and then position. */
  responses: ExportResponseRow[];
  /** The page's prompts' annotations, by prompt and then annotation id. */
  annotations: ExportAnnotationRow[];
  /** The run's rewards of the page's responses (none without a run). */
  rewards: { response_id: number; reward: number }[];
};

/** Datasets, their prompts and responses: what lib/datasets/ (and the seed and repro) read and write. */
export interface DatasetStore {
  /** The writer's insertDataset (db/store/writer.ts). */
  insertDataset(dataset: NewDataset): Promise<DatasetRow>;
  /** The writer's insertPrompt: the prompt's id and each response's id by external id. */
  insertPrompt(datasetId: number, prompt: NewPrompt): Promise<{ promptId: number; responseIds: Map<string, number> }>;
  /** insertPrompt for each of these prompts, in order (one statement per table where the backend can). */
  insertPrompts(
    datasetId: number,
    prompts: readonly NewPrompt[],
  ): Promise<{ promptId: number; responseIds: Map<string, number> }[]>;
  /** The account of an external annotator (named in imported or generated data), found by name or created. */
  ensureExternalAnnotator(name: string): Promise<{ id: number; created: boolean }>;
  /** ensureExternalAnnotator for each of these names (distinct), in order. */
  ensureExternalAnnotators(names: readonly string[]): Promise<{ id: number; created: boolean }[]>;
  /** The visible dataset with this slug, or null (a staged import's dataset is not visible). */
  visible(slug: string): Promise<VisibleDataset | null>;
  /** Every visible dataset with its progress, oldest first (ties by id). */
  listProgress(): Promise<DatasetProgressRow[]>;
  /** The visible dataset with this slug with its progress, or null. */
  progress(slug: string): Promise<DatasetProgressRow | null>;
  /** The dataset's prompts (gold ones too), by id. */
  agreementPrompts(datasetId: number): Promise<AgreementPromptRow[]>;
  /** Every annotation of the dataset's prompts with its annotator, by prompt and then annotator. */
  agreementAnnotations(datasetId: number): Promise<AgreementAnnotationRow[]>;
  /** The prompt with this id if it belongs to the dataset, else null. */
  promptPage(datasetId: number, promptId: number): Promise<PromptPageRow | null>;
  /** The prompt's responses by position, each with the run's reward (null without a run or a reward). */
  rewardedResponses(promptId: number, runId: number | null): Promise<RewardedResponseRow[]>;
  /** The prompt's annotations, oldest first, with their annotators and review states. */
  reviewedAnnotations(promptId: number): Promise<ReviewedAnnotationRow[]>;
  /** The dataset a training run belongs to, or null when there is no such run. */
  runDatasetId(runId: number): Promise<number | null>;
  /**
   * The dataset's next `limit` prompts with ids above `after` (gold ones too), with their responses,
   * annotations and, given a run, its rewards: one page of an export, read whole so that no
   * statement stays open between two pages.
   */
  exportPage(datasetId: number, after: number, limit: number, runId: number | null): Promise<ExportPage>;
  /** The dataset's training runs, newest first. */
  runsOf(datasetId: number): Promise<{ id: number; name: string | null; status: string }[]>;
}

/** A dataset's columns under VisibleDataset's names, so that a row needs only its flag and date converted. */
const DATASET_COLUMNS = `d.id, d.slug, d.name, d.guidelines, d.responses_per_prompt as responsesPerPrompt,
  d.annotations_per_prompt as annotationsPerPrompt, d.synthetic, d.ranking_mode as rankingMode,
  d.queue_order as queueOrder, d.created_at as createdAt`;

/** A row selected with DATASET_COLUMNS, as SQLite returns it: the flag and the date as numbers. */
type StoredDatasetRow<Row extends VisibleDataset> = Omit<Row, "synthetic" | "createdAt"> & {
  synthetic: number;
  createdAt: number;
};

function toDataset<Row extends VisibleDataset>(row: StoredDatasetRow<Row>): Row {
  return { ...row, synthetic: Boolean(row.synthetic), createdAt: new Date(row.createdAt) } as Row;
}

// From the counts triggers maintain (dataset_fill, dataset_annotators): no scan of every annotation.
const PROGRESS_SQL = `
  select ${DATASET_COLUMNS},
    (select coalesce(sum(f.prompts), 0) from dataset_fill f where f.dataset_id = d.id) as prompts,
    (select coalesce(sum(f.prompts * f.annotation_count), 0) from dataset_fill f where f.dataset_id = d.id)
      as annotations,
    (select count(*) from dataset_annotators da where da.dataset_id = d.id and da.annotations > 0) as annotators,
    (select coalesce(sum(f.prompts), 0) from dataset_fill f
       where f.dataset_id = d.id and f.annotation_count >= d.annotations_per_prompt) as completePrompts
  from datasets d
  where d.import_staging = 0`;

export function sqliteDatasetStore(db: Db) {
  const sqlite = db.$client;
  return {
    insertDataset: (dataset: NewDataset) => insertDataset(db, dataset),
    insertPrompt: (datasetId: number, prompt: NewPrompt) => insertPrompt(db, datasetId, prompt),
    insertPrompts: (datasetId: number, prompts: readonly NewPrompt[]) =>
      prompts.map((prompt) => insertPrompt(db, datasetId, prompt)),
    ensureExternalAnnotator: (name: string) => ensureExternalAnnotator(db, name),
    ensureExternalAnnotators: (names: readonly string[]) => names.map((name) => ensureExternalAnnotator(db, name)),
    visible: (slug: string) => {
      const row = sqlite
        .prepare<[string], StoredDatasetRow<VisibleDataset>>(
          `select ${DATASET_COLUMNS} from datasets d where d.slug = ? and d.import_staging = 0`,
        )
        .get(slug);
      return row ? toDataset(row) : null;
    },
    listProgress: () =>
      sqlite
        .prepare<[], StoredDatasetRow<DatasetProgressRow>>(`${PROGRESS_SQL} order by d.created_at, d.id`)
        .all()
        .map(toDataset),
    progress: (slug: string) => {
      const row = sqlite
        .prepare<[string], StoredDatasetRow<DatasetProgressRow>>(`${PROGRESS_SQL} and d.slug = ?`)
        .get(slug);
      return row ? toDataset(row) : null;
    },
    agreementPrompts: (datasetId: number) =>
      sqlite
        .prepare<[number], AgreementPromptRow>(
          "select id, external_id, text, openness from prompts where dataset_id = ? order by id",
        )
        .all(datasetId),
    agreementAnnotations: (datasetId: number) =>
      sqlite
        .prepare<[number], AgreementAnnotationRow>(
          `select a.prompt_id, a.annotator_id, a.ranking, a.openness, a.not_rankable, a.duration_ms, u.name, u.email, u.external
       from annotations a join prompts p on p.id = a.prompt_id join users u on u.id = a.annotator_id
       where p.dataset_id = ? order by a.prompt_id, a.annotator_id`,
        )
        .all(datasetId),
    promptPage: (datasetId: number, promptId: number) =>
      sqlite
        .prepare<[number, number], PromptPageRow>(
          "select id, external_id, text, messages, openness, metadata from prompts where id = ? and dataset_id = ?",
        )
        .get(promptId, datasetId) ?? null,
    rewardedResponses: (promptId: number, runId: number | null) =>
      sqlite
        .prepare<[number, number], RewardedResponseRow>(
          `select r.id, r.external_id, r.position, r.text, rr.reward from responses r
       left join run_rewards rr on rr.response_id = r.id and rr.run_id = ?
       where r.prompt_id = ? order by r.position`,
        )
        .all(runId ?? -1, promptId),
    reviewedAnnotations: (promptId: number) =>
      sqlite
        .prepare<[number], ReviewedAnnotationRow>(
          `select a.*, ${reviewStateSql("a")} as review_state, u.name, u.email, u.external
       from annotations a join users u on u.id = a.annotator_id
       where a.prompt_id = ? order by a.created_at, a.id`,
        )
        .all(promptId),
    runDatasetId: (runId: number) =>
      sqlite.prepare<[number], { dataset_id: number }>("select dataset_id from training_runs where id = ?").get(runId)
        ?.dataset_id ?? null,
    exportPage: (datasetId: number, after: number, limit: number, runId: number | null): ExportPage => {
      const prompts = sqlite
        .prepare<[number, number, number], ExportPromptRow>(
          // "+dataset_id" keeps SQLite on the rowid range instead of sorting the whole dataset per page.
          "select id, external_id, text, messages, openness, metadata, gold from prompts where +dataset_id = ? and id > ? order by id limit ?",
        )
        .all(datasetId, after, limit);
      if (!prompts.length) return { prompts, responses: [], annotations: [], rewards: [] };
      const first = prompts[0]!.id;
      const last = prompts.at(-1)!.id;
      // Only the id range is filtered here, not the dataset: joining prompts lets SQLite scan the whole
      // dataset for every page (quadratic). Rows of other datasets in the range are never looked up.
      const responses = sqlite
        .prepare<[number, number], ExportResponseRow>(
          `select r.id, r.prompt_id, r.external_id, r.text, r.embedding from responses r
     where r.prompt_id between ? and ? order by r.prompt_id, r.position`,
        )
        .all(first, last);
      const annotations = sqlite
        .prepare<[number, number], ExportAnnotationRow>(
          `select a.prompt_id, a.ranking, a.openness, a.not_rankable, a.not_rankable_reason, a.comment, a.duration_ms,
            a.suggestion_run_id, a.suggestion_distance, a.created_at, a.updated_at, u.email, u.name, u.external, ${acceptedSql("a")} as accepted
     from annotations a join users u on u.id = a.annotator_id
     where a.prompt_id between ? and ? order by a.prompt_id, a.id`,
        )
        .all(first, last);
      const rewards =
        runId === null
          ? []
          : sqlite
              .prepare<[number, number, number], { response_id: number; reward: number }>(
                `select rr.response_id, rr.reward from responses r cross join run_rewards rr on rr.run_id = ? and rr.response_id = r.id
     where r.prompt_id between ? and ? order by rr.response_id`,
              )
              .all(runId, first, last);
      return { prompts, responses, annotations, rewards };
    },
    runsOf: (datasetId: number) =>
      sqlite
        .prepare<[number], { id: number; name: string | null; status: string }>(
          "select id, name, status from training_runs where dataset_id = ? order by id desc",
        )
        .all(datasetId),
  } satisfies Synchronous<DatasetStore>;
}
