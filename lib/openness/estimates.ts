/**
 * Estimated openness of a dataset's prompts (ml/openness/text.ts, ml/openness/rankings.ts), trained
 * on the prompts annotators tagged. Shown to researchers beside the tags, used by a run whose
 * missing-openness policy is `estimate`, and by the queue's `uncertain-openness` order. Never shown
 * to annotators: seeing a guess before tagging would bias the tag.
 *
 * Fitting takes minutes at 200,000 prompts, so it runs in a child process
 * (recomputeOpennessInBackground, scripts/dataset-worker.ts) that stores the estimates for the
 * dataset page (storedOpennessEstimates) and, for a dataset whose queue order is
 * `uncertain-openness`, the queue's priorities; no request fits. The trainer, itself a child
 * process, fits in memory, once per state of the dataset (opennessVersion, from maintained rows).
 */
import "server-only";
import path from "node:path";
import { isBackgroundJobRunning, startBackgroundJob } from "@/lib/process";
import { storeQueuePriorities } from "@/lib/annotations/queue-priority-store";
import type { Store } from "@/lib/db";
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
export async function datasetAnnotatedPrompts(store: Store, datasetId: number): Promise<AnnotatedPrompt[]> {
  const { prompts, responses, annotations } = await store.openness.sourceRows(datasetId);
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

/**
 * What the estimates depend on, read from a maintained row (no scan): dataset_stats counts the
 * dataset's prompts and every change to its annotations (triggers of migration 0012).
 */
export async function opennessVersion(store: Store, datasetId: number): Promise<string> {
  const row = await store.openness.dataVersion(datasetId);
  return `${row?.changes ?? 0}:${row?.prompts ?? 0}`;
}

/** The dataset's openness estimates, refitted only when its prompts or annotations changed (heavy: minutes at 200,000 prompts). */
export async function datasetOpennessEstimates(store: Store, datasetId: number): Promise<DatasetOpennessEstimates> {
  const version = await opennessVersion(store, datasetId);
  const hit = memo.get(datasetId);
  if (hit && hit.version === version) return hit.value;
  const value = computeOpennessEstimates(datasetId, await datasetAnnotatedPrompts(store, datasetId));
  memo.set(datasetId, { version, value });
  return value;
}

/** Rows written per transaction when storing estimates: short enough not to hold up other writers. */
const STORE_BATCH = 5_000;

/** The queue's `uncertain-openness` priority of a prompt (lower first): the widest posterior error bar first. */
export function opennessQueuePriority(p: PromptOpennessEstimate): number {
  // Without a model (too few tags), every prompt is equally unknown: the tie-break (fewest
  // annotations) decides, as in least-annotated.
  return p.posterior ? -p.posterior.sd : 0;
}

/**
 * Computes a dataset's estimates and stores them for the dataset page and, while the dataset's
 * queue order is `uncertain-openness`, as its queue priorities, in short transactions (run by
 * scripts/dataset-worker.ts).
 */
export async function computeAndStoreOpennessEstimates(store: Store, datasetId: number): Promise<void> {
  const version = await opennessVersion(store, datasetId);
  const value = computeOpennessEstimates(datasetId, await datasetAnnotatedPrompts(store, datasetId));
  const rows = [...value.byPrompt.values()].flatMap((p) =>
    p.estimate ? [{ promptId: p.promptId, estimate: p.estimate.estimate, sd: p.estimate.sd }] : [],
  );
  await store.openness.clearEstimates(datasetId);
  for (let i = 0; i < rows.length; i += STORE_BATCH) {
    const batch = rows.slice(i, i + STORE_BATCH);
    await store.transaction("atomic", (tx) => tx.openness.putEstimates(datasetId, batch));
  }
  await store.openness.putSummary(datasetId, {
    version,
    taggedPrompts: value.taggedPrompts,
    tagSd: value.tagSd,
    unavailable: value.unavailable,
    evaluation: value.evaluation ? JSON.stringify(value.evaluation) : null,
    computedAt: Date.now(),
  });
  await storeQueuePriorities(
    store,
    datasetId,
    "uncertain-openness",
    [...value.byPrompt.values()].map((p) => [p.promptId, opennessQueuePriority(p)] as const),
    opennessPriorityVersion(version),
  );
}

/** What datasets.queue_priority_version says when the priorities are these estimates'. */
export function opennessPriorityVersion(version: string): string {
  return `uncertain-openness:${version}`;
}

export type StoredOpennessEstimates = DatasetOpennessEstimates & {
  /** When they were computed (null: never yet), and whether the data changed since. */
  computedAt: Date | null;
  current: boolean;
};

/**
 * The stored estimates of a dataset, with byPrompt holding only the prompts asked for: what the
 * dataset page shows, read in a few index lookups. Computing them is the worker's job.
 */
export async function storedOpennessEstimates(
  store: Store,
  datasetId: number,
  promptIds: readonly number[],
): Promise<StoredOpennessEstimates> {
  const summary = await store.openness.summary(datasetId);
  const byPrompt = new Map<number, PromptOpennessEstimate>();
  if (summary) {
    const rows = await store.openness.estimates(datasetId, promptIds);
    for (const r of rows) {
      const estimate = { estimate: r.estimate, sd: r.sd };
      byPrompt.set(r.prompt_id, {
        promptId: r.prompt_id,
        tags: [],
        text: null,
        rankings: null,
        estimate,
        posterior: null,
      });
    }
  }
  return {
    datasetId,
    taggedPrompts: summary?.tagged_prompts ?? 0,
    unavailable: summary ? summary.unavailable : "Being computed for the first time; reload in a little while.",
    tagSd: summary?.tag_sd ?? DEFAULT_TAG_SD,
    byPrompt,
    evaluation: summary?.evaluation ? (JSON.parse(summary.evaluation) as DatasetOpennessEstimates["evaluation"]) : null,
    computedAt: summary ? new Date(summary.computed_at) : null,
    current: summary?.version === (await opennessVersion(store, datasetId)),
  };
}

/** A busy team changes the data all the time: recompute a dataset's estimates at most this often. */
export const OPENNESS_RECOMPUTE_MS = 5 * 60_000;
/**
 * Recomputes the stored estimates (and the queue's priorities, see computeAndStoreOpennessEstimates)
 * in a child process (scripts/dataset-worker.ts), so fitting them never holds the server's event
 * loop: one at a time per dataset, and not again within `minIntervalMs` of the last start.
 * Returns whether it started one.
 */
export function recomputeOpennessInBackground(
  store: Store,
  datasetId: number,
  minIntervalMs: number = OPENNESS_RECOMPUTE_MS,
): Promise<boolean> {
  return startBackgroundJob(
    store,
    opennessJobKey(datasetId),
    path.join("scripts", "dataset-worker.ts"),
    ["openness", String(datasetId)],
    { minIntervalMs, what: `the openness estimates of dataset ${datasetId}` },
  );
}

const opennessJobKey = (datasetId: number) => `openness:${datasetId}`;

/** Whether a child process, of any server, is computing the dataset's estimates now (the tests wait on it). */
export function isComputingOpenness(store: Store, datasetId: number): Promise<boolean> {
  return isBackgroundJobRunning(store, opennessJobKey(datasetId));
}
