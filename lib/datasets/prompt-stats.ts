import "server-only";
import type { Store } from "@/lib/db";
import type { AnnotationForStats } from "@/db/store/stats";
import { bordaConsensus, meanPairwiseTauB, rankingsW, rankingTauB } from "@/lib/annotations/agreement";
import { AGREEMENT_THRESHOLDS } from "@/lib/datasets/queries";
import type { ReviewState } from "@/lib/annotations/review-states";
import { promptOpenness } from "@/lib/openness/resolve";

/**
 * Per-prompt agreement kept in prompt_stats (and per-annotation tau in annotation_agreement), so
 * that the dataset page reads aggregates and one page of prompts in SQL instead of every
 * annotation. Triggers mark a prompt stale when its annotations or reviews change; refreshing
 * recomputes stale prompts in bounded batches.
 */

/** Prompts recomputed per batch: a batch holds the write lock and the event loop for a few ms. */
const BATCH = 500;

/** Recomputes up to `limit` stale prompts of a dataset; returns how many are still stale. */
export async function refreshPromptStats(store: Store, datasetId: number, limit = 5000): Promise<number> {
  let done = 0;
  for (;;) {
    const remaining = limit - done;
    if (remaining <= 0) break;
    const batchDone = await store.transaction("serial", (tx) =>
      refreshBatch(tx, datasetId, Math.min(BATCH, remaining)),
    );
    if (!batchDone) break;
    done += batchDone;
  }
  return staleCount(store, datasetId);
}

/** Recomputes up to `size` stale prompts (inside the caller's transaction); returns how many. */
async function refreshBatch(tx: Store, datasetId: number, size: number): Promise<number> {
  const ids = await tx.stats.staleIds(datasetId, size);
  if (!ids.length) return 0;
  const byPrompt = new Map<number, AnnotationForStats[]>(ids.map((id) => [id, []]));
  for (const a of await tx.stats.annotationsForStats(ids)) byPrompt.get(a.prompt_id)!.push(a);
  const promptRows = await tx.stats.importedOpenness(ids);
  const imported = new Map(promptRows.map((p) => [p.id, p.openness]));
  const gold = new Set(promptRows.filter((p) => p.gold).map((p) => p.id));
  await tx.stats.clearAgreement(ids);
  for (const [promptId, annotations] of byPrompt) {
    const rankable = annotations.filter((a) => !a.not_rankable);
    const rankings = rankable.map((a) => JSON.parse(a.ranking) as number[][]);
    // A gold prompt's answers measure the annotators against its known answer (quality.ts): counted
    // in the agreement too, a check would weigh on W, tau-b and alpha the more annotators answer it.
    const checked = gold.has(promptId);
    const taus = new Map<number, number | null>();
    if (rankable.length >= 2 && !checked) {
      rankable.forEach((a, i) => {
        const others = rankings.filter((_, j) => j !== i);
        taus.set(a.id, rankingTauB(rankings[i]!, bordaConsensus(others).groups));
      });
    }
    for (const a of annotations) {
      await tx.stats.addAgreement({
        annotationId: a.id,
        promptId,
        datasetId,
        annotatorId: a.annotator_id,
        tau: taus.get(a.id) ?? null,
        durationMs: a.duration_ms,
      });
    }
    const tags = annotations.map((a) => a.openness).filter((o): o is number => o !== null);
    const pairable = tags.length >= 2 && !checked;
    let within = 0;
    if (pairable) {
      for (const x of tags) for (const y of tags) within += (x - y) ** 2;
      within /= tags.length - 1;
    }
    const count = (state: ReviewState) => annotations.filter((a) => a.review_state === state).length;
    await tx.stats.writePromptStats({
      promptId,
      annotations: annotations.length,
      rankings: rankable.length,
      kendallW: checked ? null : rankingsW(rankings),
      meanTauB: checked ? null : meanPairwiseTauB(rankings),
      // The annotators' part of the one openness rule; the imported value comes first in prompt-search.ts.
      meanOpenness: promptOpenness(
        null,
        rankable.map((a, i) => ({ openness: a.openness, notRankable: false, ranking: rankings[i]! })),
      ).value,
      openness: promptOpenness(
        imported.get(promptId) ?? null,
        rankable.map((a, i) => ({ openness: a.openness, notRankable: false, ranking: rankings[i]! })),
      ).value,
      notRankable: annotations.length - rankable.length,
      commented: annotations.filter((a) => a.comment).length,
      pending: count("pending"),
      accepted: count("accepted"),
      rejected: count("rejected"),
      sentBack: count("sent_back"),
      alphaCount: pairable ? tags.length : 0,
      alphaSum: pairable ? tags.reduce((s, t) => s + t, 0) : 0,
      alphaSumSquares: pairable ? tags.reduce((s, t) => s + t * t, 0) : 0,
      alphaWithin: within,
    });
  }
  await tx.stats.bumpVersion(datasetId);
  return ids.length;
}

export async function staleCount(store: Store, datasetId: number): Promise<number> {
  return store.stats.staleCount(datasetId);
}

const refreshing = new Set<number>();

/**
 * Finishes a large refresh after the response, a batch per turn of the event loop, so no request
 * waits behind it. One refresh per dataset at a time.
 */
export function refreshInBackground(store: Store, datasetId: number): void {
  if (refreshing.has(datasetId)) return;
  refreshing.add(datasetId);
  const step = async () => {
    try {
      if ((await refreshPromptStats(store, datasetId, BATCH)) > 0) {
        setImmediate(() => void step());
        return;
      }
    } catch (error) {
      console.error(`Refreshing the agreement of dataset ${datasetId} failed:`, error);
    }
    refreshing.delete(datasetId);
  };
  setImmediate(() => void step());
}

export type AgreementSummary = {
  prompts: number;
  annotations: number;
  /** Prompts with at least the dataset's target number of annotations. */
  completePrompts: number;
  annotators: number;
  /** Prompts whose numbers are not computed yet (being refreshed). */
  stale: number;
  meanW: number | null;
  flaggedPrompts: number;
  opennessAlpha: number | null;
  opennessUnits: number;
  review: Record<ReviewState, number>;
};

/** Krippendorff's alpha (interval) from per-unit sufficient statistics; see krippendorffAlphaInterval. */
export function alphaFromSums(n: number, sum: number, sumSquares: number, within: number): number | null {
  if (n < 2) return null;
  const observed = within / n;
  const expected = (2 * n * sumSquares - 2 * sum * sum) / (n * (n - 1));
  if (!(expected > 0)) return null;
  return 1 - observed / expected;
}

/**
 * The dataset page's summary, from the rows the triggers of migration 0012 keep (dataset_stats,
 * dataset_fill, dataset_annotators) and one index range (flagged prompts): no scan of the prompts.
 */
export async function agreementSummary(store: Store, datasetId: number, target: number): Promise<AgreementSummary> {
  const row = await store.stats.datasetStats(datasetId);
  const flagged = await store.stats.flaggedCount(datasetId, AGREEMENT_THRESHOLDS.promptW);
  const fill = await store.stats.fill(datasetId, target);
  return {
    prompts: row?.prompts ?? 0,
    annotations: fill.annotations ?? 0,
    completePrompts: fill.complete ?? 0,
    annotators: await datasetAnnotatorCount(store, datasetId),
    stale: row?.stale ?? 0,
    meanW: row?.wCount ? row.wSum / row.wCount : null,
    flaggedPrompts: flagged,
    opennessAlpha: row ? alphaFromSums(row.alphaCount, row.alphaSum, row.alphaSumSquares, row.alphaWithin) : null,
    opennessUnits: row?.alphaUnits ?? 0,
    review: {
      pending: row?.reviewPending ?? 0,
      accepted: row?.reviewAccepted ?? 0,
      rejected: row?.reviewRejected ?? 0,
      sent_back: row?.reviewSentBack ?? 0,
    },
  };
}

/** People who annotated at least one prompt of the dataset (dataset_annotators, kept by triggers). */
export async function datasetAnnotatorCount(store: Store, datasetId: number): Promise<number> {
  return store.stats.annotatorCount(datasetId);
}

export type Bin = { label: string; from: number; count: number };

/**
 * The histograms the triggers of migration 0012 count into stats_bins. This is the definition:
 * the triggers' SQL is `statsBinSql`'s text, and stats-histogram.test.ts fails when a migration's
 * bin expression differs from it or the triggers bin a value otherwise than `statsBin`.
 */
export const STATS_HISTOGRAMS = {
  kendall_w: { from: 0, to: 1 },
  mean_tau_b: { from: -1, to: 1 },
} as const;
export const HISTOGRAM_BINS = 10;
export type StatsHistogramMetric = keyof typeof STATS_HISTOGRAMS;

function binWidth(metric: StatsHistogramMetric): number {
  const { from, to } = STATS_HISTOGRAMS[metric];
  return (to - from) / HISTOGRAM_BINS;
}

/**
 * The bin a value falls in: equal-width bins over the metric's range, each holding its lower edge,
 * the top edge in the last bin, values outside the range in the nearest end bin. Computed as the
 * SQL computes it (divide by the width in floating point, then truncate), so a value on an inner
 * edge can land one bin low when the division rounds down (0.3 / 0.1 = 2.999…).
 */
export function statsBin(metric: StatsHistogramMetric, value: number): number {
  const { from } = STATS_HISTOGRAMS[metric];
  return Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.trunc((value - from) / binWidth(metric))));
}

/** `statsBin` as a SQLite expression over `column` (e.g. "new.`kendall_w`"), as the triggers write it. */
export function statsBinSql(metric: StatsHistogramMetric, column: string): string {
  const { from } = STATS_HISTOGRAMS[metric];
  const shifted = from > 0 ? `${column} - ${from}` : from < 0 ? `${column} + ${-from}` : `${column} - 0`;
  return `min(${HISTOGRAM_BINS - 1}, max(0, cast((${shifted}) / ${binWidth(metric)} AS integer)))`;
}

/** A histogram of a prompt_stats column, as stats_bins holds it. */
export async function statsHistogram(store: Store, datasetId: number, metric: StatsHistogramMetric): Promise<Bin[]> {
  const { from } = STATS_HISTOGRAMS[metric];
  const width = binWidth(metric);
  const rows = await store.stats.bins(datasetId, metric);
  const counts = new Map(rows.map((r) => [r.bin, r.n]));
  return Array.from({ length: HISTOGRAM_BINS }, (_, i) => ({
    label: (from + i * width).toFixed(1),
    from: from + i * width,
    count: counts.get(i) ?? 0,
  }));
}

export type AnnotatorStats = {
  id: number;
  name: string;
  external: boolean;
  annotations: number;
  comparedPrompts: number;
  tauVsConsensus: number | null;
  medianSeconds: number | null;
  flagged: boolean;
};

/**
 * The annotator table of a dataset: counts and tau sums from dataset_annotators, each median
 * duration one or two index probes into annotation_agreement (dataset, annotator, duration).
 */
export async function annotatorStats(store: Store, datasetId: number): Promise<AnnotatorStats[]> {
  const rows = await store.stats.annotatorRows(datasetId);
  const medianMs = async (annotatorId: number, n: number): Promise<number | null> => {
    if (!n) return null;
    const mid = Math.floor(n / 2);
    const upper = await store.stats.nthDuration(datasetId, annotatorId, mid);
    if (upper === null) return null;
    if (n % 2) return upper;
    const lower = (await store.stats.nthDuration(datasetId, annotatorId, mid - 1)) ?? upper;
    return (lower + upper) / 2;
  };
  const medians = new Map<number, number | null>();
  for (const r of rows) medians.set(r.id, await medianMs(r.id, r.durations));
  const t = AGREEMENT_THRESHOLDS;
  return rows
    .map((r) => {
      const tau = r.compared ? r.tau_sum / r.compared : null;
      const ms = medians.get(r.id) ?? null;
      return {
        id: r.id,
        name: r.name || r.email,
        external: Boolean(r.external),
        annotations: r.annotations,
        comparedPrompts: r.compared,
        tauVsConsensus: tau,
        medianSeconds: ms === null ? null : ms / 1000,
        flagged: tau !== null && r.compared >= t.annotatorMinPrompts && tau < t.annotatorTau,
      };
    })
    .sort((a, b) => (a.tauVsConsensus ?? 2) - (b.tauVsConsensus ?? 2));
}

export type DatasetAggregates = {
  summary: AgreementSummary;
  histogramW: Bin[];
  histogramTau: Bin[];
  annotators: AnnotatorStats[];
};

const aggregatesCache = new Map<number, { version: number; target: number; value: DatasetAggregates }>();

/** The stats version of a dataset: it changes whenever a refresh rewrote any of its prompts. */
export async function statsVersion(store: Store, datasetId: number): Promise<number> {
  return store.stats.version(datasetId);
}

/**
 * The dataset page's aggregates (maintained rows, no scan), computed once per stats version:
 * any change to the dataset's annotations marks prompts stale, and the refresh that follows bumps
 * the version, in whichever process it runs.
 */
export async function datasetAggregates(store: Store, datasetId: number, target: number): Promise<DatasetAggregates> {
  const version = await statsVersion(store, datasetId);
  const cached = aggregatesCache.get(datasetId);
  if (cached && cached.version === version && cached.target === target) return cached.value;
  const value = {
    summary: await agreementSummary(store, datasetId, target),
    histogramW: await statsHistogram(store, datasetId, "kendall_w"),
    histogramTau: await statsHistogram(store, datasetId, "mean_tau_b"),
    annotators: await annotatorStats(store, datasetId),
  };
  aggregatesCache.set(datasetId, { version, target, value });
  return value;
}
