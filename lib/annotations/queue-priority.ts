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
import type { Db } from "@/db";
import { sqliteDbOf, type Store } from "@/db/store";
import { sqliteOpennessStore } from "@/db/store/openness";
import type { QueueOrderName } from "@/lib/domain";
import { loadRewardModel, rewardMargin } from "@/ml";
import { isBackgroundJobRunning, startBackgroundJob } from "@/lib/process";
import { storeQueuePriorities } from "@/lib/annotations/queue-priority-store";
import {
  OPENNESS_RECOMPUTE_MS,
  opennessPriorityVersion,
  opennessVersionOf,
  recomputeOpennessInBackground,
} from "@/lib/openness/estimates";

/** A minute-old priority is as good as a fresh one for choosing the next prompt: rescore at most this often. */
export const REFRESH_MS = 30_000;
/** Priority of a prompt the model says nothing about: after every scored one. */
const UNSCORED = 1e6;

function latestRunId(db: Db, datasetId: number): number | null {
  const row = db.$client
    .prepare(
      `select id from training_runs
        where dataset_id = ? and status = 'succeeded' and weights is not null order by id desc limit 1`,
    )
    .get(datasetId) as { id: number } | undefined;
  return row?.id ?? null;
}

/** What datasets.queue_priority_version says when the priorities are this run's margins. */
function rewardPriorityVersion(runId: number | null): string {
  return `uncertain-rewards:${runId ?? "none"}`;
}

/** Priorities (lower first) of every prompt of the dataset for `uncertain-rewards` (run `runId`'s margins). */
export function computeQueuePriorities(
  db: Db,
  datasetId: number,
  runId: number | null = latestRunId(db, datasetId),
): Map<number, number> {
  const out = new Map<number, number>();
  const prompts = db.$client.prepare(`select id, text from prompts where dataset_id = ?`).all(datasetId) as {
    id: number;
    text: string;
  }[];
  const weights =
    runId === null
      ? undefined
      : (db.$client.prepare(`select weights from training_runs where id = ?`).get(runId) as { weights: Buffer })
          .weights;
  if (!weights) {
    for (const p of prompts) out.set(p.id, UNSCORED);
    return out;
  }
  const model = loadRewardModel(new Uint8Array(weights));
  const responses = db.$client.prepare(`select text from responses where prompt_id = ? order by position`);
  for (const p of prompts) {
    const texts = responses.all(p.id) as { text: string }[];
    if (texts.length < 2 || model.spec.opennessInput) {
      out.set(p.id, UNSCORED);
      continue;
    }
    out.set(p.id, rewardMargin(model.score(p.text, texts)));
  }
  return out;
}

/**
 * The worker's part of `uncertain-rewards`: scores every prompt with the latest run and writes the
 * priorities, a batch a transaction, for as long as the dataset's order is still this one.
 */
export function storeRewardQueuePriorities(db: Db, datasetId: number): void {
  const runId = latestRunId(db, datasetId);
  const priorities = [...computeQueuePriorities(db, datasetId, runId)];
  storeQueuePriorities(db, datasetId, "uncertain-rewards", priorities, rewardPriorityVersion(runId));
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
 * chose the order) skips the interval; a worker already running is never started twice. Returns
 * whether it started one.
 */
export async function refreshQueuePriorities(
  store: Store,
  datasetId: number,
  order: QueueOrderName,
  { startNow = false }: { startNow?: boolean } = {},
): Promise<boolean> {
  if (order !== "uncertain-openness" && order !== "uncertain-rewards") return false;
  const db = sqliteDbOf(store);
  const stored = db.$client.prepare(`select queue_priority_version as v from datasets where id = ?`).get(datasetId) as
    { v: string | null } | undefined;
  if (!stored) return false;
  const theirs = stored.v?.startsWith(`${order}:`) ?? false;
  if (order === "uncertain-openness") {
    // Until this file is converted: the store's read, synchronously (s4-layer converts it).
    const version = opennessVersionOf(sqliteOpennessStore(db).dataVersion(datasetId));
    if (stored.v === opennessPriorityVersion(version)) return false;
    // Another order's priorities: start now (the interval only stops a worker that keeps failing from respawning per request).
    return recomputeOpennessInBackground(store, datasetId, startNow ? 0 : theirs ? OPENNESS_RECOMPUTE_MS : REFRESH_MS);
  }
  if (stored.v === rewardPriorityVersion(latestRunId(db, datasetId))) return false;
  return startBackgroundJob(
    store,
    rewardsJobKey(datasetId),
    path.join("scripts", "dataset-worker.ts"),
    ["reward-priorities", String(datasetId), db.$client.name],
    {
      minIntervalMs: theirs && !startNow ? REFRESH_MS : 0,
      what: `the uncertain-rewards priorities of dataset ${datasetId}`,
    },
  );
}
