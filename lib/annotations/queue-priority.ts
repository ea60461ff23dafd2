/**
 * Model in the loop: prompts.queue_priority for the two queue orders a model decides
 * (ml/openness/active.ts): `uncertain-openness` (the widest openness error bar first) and
 * `uncertain-rewards` (the latest run's smallest relative reward margin first). The queue itself
 * stays an index lookup on (dataset_id, queue_priority, annotation_count, id). Both priorities cost
 * a pass of a model over every prompt (minutes at 200,000 prompts), so a request never computes
 * them: it starts a background worker (scripts/dataset-worker.ts) when what they depend on changed,
 * and is served from the priorities stored until the worker has written new ones.
 */
import "server-only";
import path from "node:path";
import type { Store } from "@/db/store";
import type { QueueOrderName } from "@/lib/domain";
import { loadRewardModel, rewardMargin } from "@/ml";
import { isBackgroundJobRunning, startBackgroundJob } from "@/lib/process";
import { storeQueuePriorities } from "@/lib/annotations/queue-priority-store";
import {
  OPENNESS_RECOMPUTE_MS,
  opennessPriorityVersion,
  opennessVersion,
  recomputeOpennessInBackground,
} from "@/lib/openness/estimates";

/** A minute-old priority is as good as a fresh one for choosing the next prompt: rescore at most this often. */
export const REFRESH_MS = 30_000;
/** Priority of a prompt the model says nothing about: after every scored one. */
const UNSCORED = 1e6;

/** What datasets.queue_priority_version says when the priorities are this run's margins. */
function rewardPriorityVersion(runId: number | null): string {
  return `uncertain-rewards:${runId ?? "none"}`;
}

/**
 * Priorities (lower first) of every prompt of the dataset for `uncertain-rewards`: run `runId`'s
 * margins (the latest trained run's when not given).
 */
export async function computeQueuePriorities(
  store: Store,
  datasetId: number,
  runId?: number | null,
): Promise<Map<number, number>> {
  const run = runId === undefined ? await store.queuePriorities.latestTrainedRun(datasetId) : runId;
  const out = new Map<number, number>();
  const prompts = await store.queuePriorities.prompts(datasetId);
  const weights = run === null ? null : await store.queuePriorities.runWeights(run);
  if (!weights) {
    for (const p of prompts) out.set(p.id, UNSCORED);
    return out;
  }
  const model = loadRewardModel(new Uint8Array(weights));
  for (const p of prompts) {
    const texts = await store.queuePriorities.responseTexts(p.id);
    if (texts.length < 2 || model.spec.opennessInput) {
      out.set(p.id, UNSCORED);
      continue;
    }
    out.set(
      p.id,
      rewardMargin(
        model.score(
          p.text,
          texts.map((text) => ({ text })),
        ),
      ),
    );
  }
  return out;
}

/**
 * The worker's part of `uncertain-rewards`: scores every prompt with the latest run and writes the
 * priorities, a batch a transaction, for as long as the dataset's order is still this one.
 */
export async function storeRewardQueuePriorities(store: Store, datasetId: number): Promise<void> {
  const runId = await store.queuePriorities.latestTrainedRun(datasetId);
  const priorities = [...(await computeQueuePriorities(store, datasetId, runId))];
  await storeQueuePriorities(store, datasetId, "uncertain-rewards", priorities, rewardPriorityVersion(runId));
}

const rewardsJobKey = (datasetId: number) => `reward-priorities:${datasetId}`;

/** Whether a background worker, of any server, is scoring the dataset's prompts for `uncertain-rewards` now. */
export function isComputingRewardPriorities(store: Store, datasetId: number): Promise<boolean> {
  return isBackgroundJobRunning(store, rewardsJobKey(datasetId));
}

/**
 * Keeps prompts.queue_priority up to date for a model-driven order (no-op for the others) by
 * starting the worker that rewrites them when they are another order's or older data's: at once
 * for another order's, else at most every OPENNESS_RECOMPUTE_MS (openness, which changes with
 * every tag) or REFRESH_MS (rewards, which change when a run finishes). `startNow` (an admin just
 * chose the order) skips the interval; a worker already running is never started twice. Resolves
 * with whether it started one.
 */
export async function refreshQueuePriorities(
  store: Store,
  datasetId: number,
  order: QueueOrderName,
  { startNow = false }: { startNow?: boolean } = {},
): Promise<boolean> {
  if (order !== "uncertain-openness" && order !== "uncertain-rewards") return false;
  const stored = await store.queuePriorities.version(datasetId);
  if (!stored) return false;
  const theirs = stored.version?.startsWith(`${order}:`) ?? false;
  if (order === "uncertain-openness") {
    if (stored.version === opennessPriorityVersion(await opennessVersion(store, datasetId))) return false;
    // Another order's priorities: start now (the interval only stops a worker that keeps failing from respawning per request).
    return recomputeOpennessInBackground(store, datasetId, startNow ? 0 : theirs ? OPENNESS_RECOMPUTE_MS : REFRESH_MS);
  }
  if (stored.version === rewardPriorityVersion(await store.queuePriorities.latestTrainedRun(datasetId))) return false;
  return startBackgroundJob(
    store,
    rewardsJobKey(datasetId),
    path.join("scripts", "dataset-worker.ts"),
    ["reward-priorities", String(datasetId)],
    {
      minIntervalMs: theirs && !startNow ? REFRESH_MS : 0,
      what: `the uncertain-rewards priorities of dataset ${datasetId}`,
    },
  );
}
