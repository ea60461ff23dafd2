/**
 * Estimated openness of a dataset's prompts (ml/openness-text.ts, ml/openness-rankings.ts), trained
 * on the prompts annotators tagged. Shown to researchers beside the tags, used by a run whose
 * missing-openness policy is `estimate`, and by the queue's `uncertain-openness` order. Never shown
 * to annotators: seeing a guess before tagging would bias the tag.
 *
 * Fitted in memory, once per state of the dataset's annotations (a cheap version query decides).
 */
import type { Db } from "@/db";
import {
  type AnnotatedPrompt,
  type OpennessEstimate,
  type OpennessEvaluation,
  evaluateOpennessEstimator,
  fitRankingOpenness,
  fitTextOpennessOn,
  tagSpread,
  tagsOf,
  withTags,
} from "@/ml";

/** Fewer tagged prompts than this and there is no model to speak of. */
export const MIN_TAGGED_FOR_ESTIMATE = 8;
/** Held-out figures need this many tagged prompts (a quarter of them held out). */
const MIN_TAGGED_FOR_EVALUATION = 16;
/** One annotator's tag noise when the dataset cannot tell (no prompt has two tags). */
const DEFAULT_TAG_SD = 0.2;

export type PromptOpennessEstimate = {
  promptId: number;
  tags: number[];
  /** From the prompt's text, null without a text model. */
  text: OpennessEstimate | null;
  /** From how its rankings spread, null when it has no ranking or there is no rankings model. */
  rankings: OpennessEstimate | null;
  /** Text and rankings combined (precision-weighted); what `estimate` trains with for an untagged prompt. */
  estimate: OpennessEstimate | null;
  /** The estimate combined with the prompt's own tags (what the queue's uncertainty order uses). */
  posterior: OpennessEstimate | null;
};

export type DatasetOpennessEstimates = {
  datasetId: number;
  taggedPrompts: number;
  /** Null when there is a model; else why not. */
  unavailable: string | null;
  tagSd: number;
  byPrompt: Map<number, PromptOpennessEstimate>;
  /** Held-out figures of each estimator on this dataset's tags (null with too few tagged prompts). */
  evaluation: { text: OpennessEvaluation; rankings: OpennessEvaluation | null } | null;
};

/** Every prompt of a dataset with its annotations, as ml/ annotated prompts (ids as strings). */
export function datasetAnnotatedPrompts(db: Db, datasetId: number): AnnotatedPrompt[] {
  const prompts = db.$client
    .prepare(`select id, text from prompts where dataset_id = ? order by id`)
    .all(datasetId) as { id: number; text: string }[];
  const responses = db.$client
    .prepare(
      `select r.id, r.prompt_id as promptId from responses r join prompts p on p.id = r.prompt_id
        where p.dataset_id = ? order by r.prompt_id, r.position`,
    )
    .all(datasetId) as { id: number; promptId: number }[];
  const annotations = db.$client
    .prepare(
      `select a.prompt_id as promptId, a.annotator_id as annotatorId, a.ranking, a.openness, a.not_rankable as notRankable
         from annotations a join prompts p on p.id = a.prompt_id where p.dataset_id = ? order by a.id`,
    )
    .all(datasetId) as {
    promptId: number;
    annotatorId: number;
    ranking: string;
    openness: number | null;
    notRankable: number;
  }[];
  const byId = new Map<number, AnnotatedPrompt>(
    prompts.map((p) => [p.id, { id: String(p.id), text: p.text, responseIds: [], annotations: [] }]),
  );
  for (const r of responses) byId.get(r.promptId)?.responseIds.push(String(r.id));
  for (const a of annotations) {
    const groups = a.notRankable ? [] : (JSON.parse(a.ranking) as number[][]);
    byId.get(a.promptId)?.annotations.push({
      annotator: String(a.annotatorId),
      openness: a.openness,
      ranking: groups.length >= 2 ? groups.map((g) => g.map(String)) : [],
    });
  }
  return [...byId.values()];
}

function combine(a: OpennessEstimate | null, b: OpennessEstimate | null): OpennessEstimate | null {
  if (!a || !b) return a ?? b;
  const pa = 1 / Math.max(a.sd, 1e-6) ** 2;
  const pb = 1 / Math.max(b.sd, 1e-6) ** 2;
  return { estimate: (pa * a.estimate + pb * b.estimate) / (pa + pb), sd: Math.sqrt(1 / (pa + pb)) };
}

/** Fits the estimators on a dataset's tagged prompts and estimates every prompt (no caching). */
export function computeOpennessEstimates(
  datasetId: number,
  prompts: readonly AnnotatedPrompt[],
): DatasetOpennessEstimates {
  const tagged = prompts.filter((p) => tagsOf(p).length > 0);
  const tagSd = Math.max(0.05, tagSpread(prompts) ?? DEFAULT_TAG_SD);
  const base = { datasetId, taggedPrompts: tagged.length, tagSd };
  if (tagged.length < MIN_TAGGED_FOR_ESTIMATE) {
    const byPrompt = new Map(
      prompts.map((p) => [
        Number(p.id),
        { promptId: Number(p.id), tags: tagsOf(p), text: null, rankings: null, estimate: null, posterior: null },
      ]),
    );
    return {
      ...base,
      unavailable: `Estimates need at least ${MIN_TAGGED_FOR_ESTIMATE} tagged prompts; this dataset has ${tagged.length}.`,
      byPrompt,
      evaluation: null,
    };
  }
  const textModel = fitTextOpennessOn(tagged);
  const ranked = tagged.filter((p) => p.annotations.some((a) => a.ranking.length >= 2));
  const rankingsModel = ranked.length >= MIN_TAGGED_FOR_ESTIMATE ? fitRankingOpenness(ranked) : null;
  const byPrompt = new Map<number, PromptOpennessEstimate>();
  for (const p of prompts) {
    const text = textModel.estimate(p);
    const rankings =
      rankingsModel && p.annotations.some((a) => a.ranking.length >= 2) ? rankingsModel.estimate(p) : null;
    const estimate = combine(text, rankings);
    byPrompt.set(Number(p.id), {
      promptId: Number(p.id),
      tags: tagsOf(p),
      text,
      rankings,
      estimate,
      posterior: estimate ? withTags(estimate, tagsOf(p), tagSd) : null,
    });
  }
  const evaluation =
    tagged.length >= MIN_TAGGED_FOR_EVALUATION
      ? {
          text: evaluateOpennessEstimator(tagged, fitTextOpennessOn),
          rankings:
            ranked.length >= MIN_TAGGED_FOR_EVALUATION ? evaluateOpennessEstimator(ranked, fitRankingOpenness) : null,
        }
      : null;
  return { ...base, unavailable: null, byPrompt, evaluation };
}

const memo = new Map<number, { version: string; value: DatasetOpennessEstimates }>();

/** What the estimates depend on: the dataset's prompts and annotations. */
function estimatesVersion(db: Db, datasetId: number): string {
  const row = db.$client
    .prepare(
      `select (select count(*) from prompts where dataset_id = ?) as prompts,
              count(a.id) as annotations, coalesce(max(a.id), 0) as lastId, coalesce(max(a.updated_at), 0) as lastUpdate,
              count(a.openness) as tags, total(a.openness) as tagSum
         from annotations a join prompts p on p.id = a.prompt_id where p.dataset_id = ?`,
    )
    .get(datasetId, datasetId) as Record<string, number>;
  return Object.values(row).join(":");
}

/** The dataset's openness estimates, refitted only when its prompts or annotations changed. */
export function datasetOpennessEstimates(db: Db, datasetId: number): DatasetOpennessEstimates {
  const version = estimatesVersion(db, datasetId);
  const hit = memo.get(datasetId);
  if (hit && hit.version === version) return hit.value;
  const value = computeOpennessEstimates(datasetId, datasetAnnotatedPrompts(db, datasetId));
  memo.set(datasetId, { version, value });
  return value;
}
