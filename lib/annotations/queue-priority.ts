/**
 * Model in the loop: prompts.queue_priority for the two queue orders a model decides
 * (ml/active.ts): `uncertain-openness` (the widest openness error bar first) and
 * `uncertain-rewards` (the latest run's smallest relative reward margin first). The queue itself
 * stays an index lookup on (dataset_id, queue_priority, annotation_count, id); this module
 * rewrites the priorities when what they depend on changed, at most once per REFRESH_MS per
 * dataset (a minute-old priority is as good as a fresh one for choosing the next prompt).
 * Openness priorities come from fitting the openness estimates, minutes at 200,000 prompts: a
 * request only starts the child process that fits them and writes the priorities
 * (lib/openness/estimates.ts), and is served from the priorities stored until then.
 */
import type { Db } from "@/db";
import type { QueueOrderName } from "@/db/schema";
import { loadRewardModel, rewardMargin } from "@/ml";
import {
  OPENNESS_RECOMPUTE_MS,
  opennessPriorityVersion,
  opennessVersion,
  recomputeOpennessInBackground,
} from "@/lib/openness/estimates";

export const REFRESH_MS = 30_000;
/** Priority of a prompt the model says nothing about: after every scored one. */
const UNSCORED = 1e6;

/** Last refresh per database file and dataset. */
const lastRefresh = new Map<string, number>();

function latestRun(db: Db, datasetId: number): { id: number; weights: Buffer } | undefined {
  return db.$client
    .prepare(
      `select id, weights from training_runs
        where dataset_id = ? and status = 'succeeded' and weights is not null order by id desc limit 1`,
    )
    .get(datasetId) as { id: number; weights: Buffer } | undefined;
}

/** Priorities (lower first) of every prompt of the dataset for `uncertain-rewards` (the latest run's margins). */
export function computeQueuePriorities(db: Db, datasetId: number): Map<number, number> {
  const out = new Map<number, number>();
  const run = latestRun(db, datasetId);
  const prompts = db.$client.prepare(`select id, text from prompts where dataset_id = ?`).all(datasetId) as {
    id: number;
    text: string;
  }[];
  if (!run) {
    for (const p of prompts) out.set(p.id, UNSCORED);
    return out;
  }
  const model = loadRewardModel(new Uint8Array(run.weights));
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
 * Brings prompts.queue_priority up to date for a model-driven order (no-op for the others).
 * Returns true when it rewrote them here; `uncertain-openness` never does (see above): it starts
 * the fit in a child process at once when the priorities are another order's, else at most
 * every OPENNESS_RECOMPUTE_MS while the data changes.
 */
export function refreshQueuePriorities(
  db: Db,
  datasetId: number,
  order: QueueOrderName,
  now: number = Date.now(),
): boolean {
  if (order !== "uncertain-openness" && order !== "uncertain-rewards") return false;
  const stored = db.$client.prepare(`select queue_priority_version as v from datasets where id = ?`).get(datasetId) as
    { v: string | null } | undefined;
  if (!stored) return false;
  if (order === "uncertain-openness") {
    if (stored.v === opennessPriorityVersion(opennessVersion(db, datasetId))) return false;
    const theirs = stored.v?.startsWith(`${order}:`) ?? false;
    // Another order's priorities: start now (the interval only stops a worker that keeps failing from respawning per request).
    recomputeOpennessInBackground(db, datasetId, theirs ? OPENNESS_RECOMPUTE_MS : REFRESH_MS);
    return false;
  }
  // Same order and a recent refresh: keep the priorities even if a run finished since.
  const key = `${db.$client.name}:${datasetId}`;
  const recent = Math.abs(now - (lastRefresh.get(key) ?? -Infinity)) < REFRESH_MS;
  if (stored.v?.startsWith(`${order}:`) && recent) return false;
  const version = `${order}:${latestRun(db, datasetId)?.id ?? "none"}`;
  if (stored.v === version) return false;
  const priorities = computeQueuePriorities(db, datasetId);
  const update = db.$client.prepare(`update prompts set queue_priority = ? where id = ?`);
  db.$client.transaction(() => {
    for (const [id, priority] of priorities) update.run(priority, id);
    db.$client.prepare(`update datasets set queue_priority_version = ? where id = ?`).run(version, datasetId);
  })();
  lastRefresh.set(key, now);
  return true;
}
