import "server-only";
import type { Store } from "@/lib/db";
import type { QueueDatasetRow, SkippedRow } from "@/db/store/queue";
import type { QueueOrderName } from "@/lib/domain";
import { refreshQueuePriorities } from "@/lib/annotations/queue-priority";
import { hashString, seededRandom, shuffled } from "@/lib/random";
import { responseLabel } from "@/lib/annotations/labels";
import { activePause, datasetQualitySettings, drawsGold } from "@/lib/annotations/quality";
import type { ChatMessage } from "@/lib/datasets/conversation";
import { suggestionFor, type Suggestion } from "@/lib/annotations/suggestions";

/** How long a prompt handed out by the queue stays reserved for its annotator. */
export const LEASE_MS = 15 * 60_000;
/** How long a skipped prompt stays out of that annotator's queue. */
export const SKIP_MS = 24 * 60 * 60_000;

export const DEFAULT_DATASET_SLUG = "demo";

export type QueueDataset = QueueDatasetRow;

export type QueueProgress = {
  /** Prompts of this dataset the annotator has ranked. */
  doneByMe: number;
  /** Prompts this annotator could still take (including the one leased to them now). */
  leftForMe: number;
  totalPrompts: number;
  /** Prompts that already have the target number of annotations. */
  completePrompts: number;
  target: number;
};

export type DisplayedResponse = { id: number; label: string; text: string };

export type QueuedPrompt = {
  status: "prompt";
  dataset: QueueDataset;
  /** `messages`: a conversation's turns, null for a plain-text prompt (lib/datasets/conversation.ts). */
  prompt: { id: number; externalId: string; text: string; messages: ChatMessage[] | null };
  /** In this annotator's display order (shuffled per prompt and annotator). */
  responses: DisplayedResponse[];
  /** A run's order the board starts from, when the dataset turned suggestions on (lib/annotations/suggestions.ts). */
  suggestion: Suggestion | null;
  leasedUntil: Date;
  progress: QueueProgress;
};

export type QueueResult =
  | QueuedPrompt
  | { status: "done"; dataset: QueueDataset; progress: QueueProgress }
  /** The quality checks paused this annotator on the dataset (lib/annotations/quality.ts); `reason` says why. */
  | { status: "paused"; dataset: QueueDataset; progress: QueueProgress; reason: string };

/**
 * Every dataset people rank is open to annotators (the queue page lets them switch); synthetic
 * datasets, ranked by ml/'s generator, are not theirs to annotate.
 */
export function listQueueDatasets(store: Store): Promise<QueueDataset[]> {
  return store.queue.datasets();
}

/** The named dataset, else the demo, else the oldest one; null when there is none to annotate. */
export async function findQueueDataset(store: Store, slug?: string | null): Promise<QueueDataset | null> {
  if (slug) return store.queue.dataset(slug);
  return (await store.queue.dataset(DEFAULT_DATASET_SLUG)) ?? (await listQueueDatasets(store))[0] ?? null;
}

/**
 * The order an annotator sees a prompt's responses in: shuffled with a seed taken from
 * (prompt, annotator), so it is stable across reloads and edits but differs between annotators,
 * which keeps position bias out of the rankings. Each keeps the label of its stored position
 * (see responseLabel), so labels do not follow the shuffled order.
 */
export function responsesInDisplayOrder(
  promptId: number,
  annotatorId: number,
  rows: { id: number; position: number; text: string }[],
): DisplayedResponse[] {
  const byPosition = rows.slice().sort((a, b) => a.position - b.position);
  const labelled = byPosition.map((r, i) => ({ id: r.id, label: responseLabel(i), text: r.text }));
  return shuffled(labelled, seededRandom(hashString(`${promptId}:${annotatorId}`)));
}

export function promptResponses(store: Store, promptId: number) {
  return store.queue.promptResponses(promptId);
}

/** The orders the queue can hand prompts out in (db/store/queue.ts serves each from an index). */
export type QueueOrder = QueueOrderName;

/** What each order means, for the dataset settings. */
export const QUEUE_ORDER_DESCRIPTIONS: Record<QueueOrder, string> = {
  fill: "Fill prompt by prompt (closest to the target first)",
  "least-annotated": "Least annotated first",
  "uncertain-openness": "Most uncertain openness estimate first",
  "uncertain-rewards": "The latest run's least certain prompts first",
};

/**
 * A prompt is open to annotator U at time T when U has not annotated it, U has no live skip on it,
 * and its annotations plus other annotators' live leases are fewer than the dataset's target k
 * (U's own lease does not count against the slot: it is U's slot). Open to me = incomplete
 * prompts, less those I ranked, those I skipped, and those others' leases fill.
 */
export async function queueProgress(
  store: Store,
  dataset: QueueDataset,
  annotatorId: number,
  now: Date = new Date(),
): Promise<QueueProgress> {
  const counts = await store.queue.counts(dataset, annotatorId, now.getTime());
  // Gold prompts are not the dataset's to fill (every annotator answers each once, whatever k):
  // they count as left only for who has not answered them, while the dataset mixes them in.
  const goldOpen =
    counts.goldOpenToMe && (await datasetQualitySettings(store, dataset.id)).goldRate > 0 ? counts.goldOpenToMe : 0;
  return {
    doneByMe: counts.doneByMe,
    // What the queue will still hand this annotator: open regular prompts, and the gold ones they have not answered.
    leftForMe:
      counts.totalPrompts -
      counts.completePrompts -
      counts.doneByMeIncomplete -
      counts.skippedByMe -
      counts.filledByLeases +
      goldOpen,
    totalPrompts: counts.totalPrompts,
    completePrompts: counts.completePrompts,
    target: dataset.annotationsPerPrompt,
  };
}

/**
 * The prompt this annotator should rank next, leased to them for LEASE_MS. A live lease they
 * already hold comes back first (reloading the page shows the same prompt). With `aheadOf` (the
 * prompt on their screen) it is the prompt after that one, fetched while they work on it. Runs in a serial
 * transaction, so two annotators can never both take a prompt's last slot.
 */
export async function nextPrompt(
  store: Store,
  dataset: QueueDataset,
  annotatorId: number,
  now: Date = new Date(),
  order: QueueOrder = dataset.queueOrder ?? "fill",
  aheadOf: number | null = null,
): Promise<QueueResult> {
  const at = now.getTime();
  // Prefetching (aheadOf: the prompt on screen): the one after it is leased a millisecond shorter
  // than the one on screen, whose lease is renewed, so a reload still shows the one on screen.
  const leasedUntil = new Date(at + LEASE_MS - (aheadOf === null ? 0 : 1));
  const pause = await activePause(store, dataset.id, annotatorId);
  if (pause)
    return {
      status: "paused",
      dataset,
      progress: await queueProgress(store, dataset, annotatorId, now),
      reason: pause.reason,
    };
  const quality = await datasetQualitySettings(store, dataset.id);
  await refreshQueuePriorities(store, dataset.id, order);
  // A lease lost to a power cut only hands the prompt out again, as an expired one does: its
  // commit need not wait for the disk (half of the fsyncs of the annotation loop).
  const promptId = await store.transaction("low-durability", async (tx) => {
    if (aheadOf !== null) await tx.queue.renewLease(aheadOf, annotatorId, at, at + LEASE_MS);
    const held = await tx.queue.heldPrompt(dataset.id, annotatorId, at, aheadOf);
    // Gold prompts come silently, at the dataset's rate, drawn per hand-out (the annotator's count of answers).
    const gold =
      held !== null ||
      !drawsGold(
        quality,
        dataset.id,
        annotatorId,
        (aheadOf === null ? 0 : 1) + (await tx.queue.rankedBy(dataset.id, annotatorId)),
      )
        ? null
        : await tx.quality.goldPromptFor(dataset.id, annotatorId, at, aheadOf);
    // With the regular prompts done, the gold ones left come last, whatever the draw: progress
    // counts them as left, and an annotator is never told "all done" with checks unanswered.
    const chosen =
      held ??
      gold ??
      (await tx.queue.firstOpenPrompt(dataset, annotatorId, at, order, aheadOf)) ??
      (quality.goldRate > 0 ? await tx.quality.goldPromptFor(dataset.id, annotatorId, at, aheadOf) : null);
    if (chosen === null) return null;
    await tx.queue.lease(chosen, annotatorId, leasedUntil);
    return chosen;
  });

  const progress = await queueProgress(store, dataset, annotatorId, now);
  if (promptId === null) return { status: "done", dataset, progress };
  const prompt = (await store.queue.prompt(promptId))!;
  return {
    status: "prompt",
    dataset,
    prompt,
    responses: responsesInDisplayOrder(promptId, annotatorId, await promptResponses(store, promptId)),
    suggestion: await suggestionFor(store, dataset.id, promptId),
    leasedUntil,
    progress,
  };
}

/**
 * Gives a prompt back: it stops counting against the target for others at once and stays out of
 * this annotator's queue for SKIP_MS. Returns false when there is no such prompt.
 */
export function skipPrompt(
  store: Store,
  promptId: number,
  annotatorId: number,
  now: Date = new Date(),
  reason: string | null = null,
): Promise<boolean> {
  return store.transaction("atomic", async (tx) => {
    if (!(await tx.queue.promptExists(promptId))) return false;
    await tx.queue.skip(promptId, annotatorId, new Date(now.getTime() + SKIP_MS), reason?.trim() || null);
    return true;
  });
}

export type SkippedPrompt = SkippedRow;

/** The annotator's live skips (not annotated since), newest first: their "Skipped" list. */
export function listSkipped(store: Store, annotatorId: number, now: Date = new Date()): Promise<SkippedPrompt[]> {
  return store.queue.skipped(annotatorId, now.getTime());
}

export type ReopenResult = { status: "reopened"; datasetSlug: string } | { status: "not-skipped" } | { status: "full" };

/**
 * Takes a skipped prompt back: the skip becomes this annotator's lease, so the queue shows it
 * next. Refused when it is no longer theirs to skip back, or when others filled it meanwhile.
 */
export function reopenSkipped(
  store: Store,
  promptId: number,
  annotatorId: number,
  now: Date = new Date(),
): Promise<ReopenResult> {
  const at = now.getTime();
  return store.transaction("serial", async (tx): Promise<ReopenResult> => {
    const row = await tx.queue.liveSkip(promptId, annotatorId, at);
    if (!row) return { status: "not-skipped" };
    if (row.taken >= row.k) return { status: "full" };
    await tx.queue.reopen(promptId, annotatorId, new Date(at + LEASE_MS));
    return { status: "reopened", datasetSlug: row.slug };
  });
}

/** Ends this annotator's lease on a prompt (after they submit); skips are left alone. */
export function releaseLease(store: Store, promptId: number, annotatorId: number): Promise<void> {
  return store.queue.releaseLease(promptId, annotatorId);
}
