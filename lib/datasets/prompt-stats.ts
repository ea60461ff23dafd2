import "server-only";
import type { Db, schema } from "@/db";
import type { StoredAnnotation } from "@/db/stored-rows";
import { bordaConsensus, meanPairwiseTauB, rankingsW, rankingTauB } from "@/lib/annotations/agreement";
import { AGREEMENT_THRESHOLDS } from "@/lib/datasets/queries";
import { reviewStateSql, type ReviewState } from "@/lib/annotations/review";
import { promptOpenness } from "@/lib/openness/resolve";

/**
 * Per-prompt agreement kept in prompt_stats (and per-annotation tau in annotation_agreement), so
 * that the dataset page reads aggregates and one page of prompts in SQL instead of every
 * annotation. Triggers mark a prompt stale when its annotations or reviews change; refreshing
 * recomputes stale prompts in bounded batches.
 */

/** Prompts recomputed per batch: a batch holds the write lock and the event loop for a few ms. */
const BATCH = 500;

type AnnotationForStats = Pick<
  StoredAnnotation,
  "id" | "prompt_id" | "annotator_id" | "ranking" | "openness" | "not_rankable" | "comment" | "duration_ms"
> & { review_state: ReviewState };

/** Recomputes up to `limit` stale prompts of a dataset; returns how many are still stale. */
export function refreshPromptStats(db: Db, datasetId: number, limit = 5000): number {
  const sqlite = db.$client;
  const staleIds = sqlite.prepare<[number, number], { prompt_id: number }>(
    "select prompt_id from prompt_stats where dataset_id = ? and stale = 1 limit ?",
  );
  const loadAnnotations = sqlite.prepare<[string], AnnotationForStats>(
    `select a.id, a.prompt_id, a.annotator_id, a.ranking, a.openness, a.not_rankable, a.comment, a.duration_ms,
            ${reviewStateSql("a")} as review_state
     from annotations a where a.prompt_id in (select value from json_each(?)) order by a.prompt_id, a.id`,
  );
  const importedOpenness = sqlite.prepare<[string], { id: number; openness: number | null; gold: number }>(
    "select id, openness, gold is not null as gold from prompts where id in (select value from json_each(?))",
  );
  const bumpVersion = sqlite.prepare(
    `insert into stats_versions (dataset_id, version) values (?, 1)
     on conflict (dataset_id) do update set version = version + 1`,
  );
  const writeStats = sqlite.prepare(
    `update prompt_stats set stale = 0, annotations = @annotations, rankings = @rankings, kendall_w = @kendallW,
       mean_tau_b = @meanTauB, mean_openness = @meanOpenness, openness = @openness, not_rankable = @notRankable,
       commented = @commented,
       review_pending = @pending, review_accepted = @accepted, review_rejected = @rejected, review_sent_back = @sentBack,
       alpha_count = @alphaCount, alpha_sum = @alphaSum, alpha_sum_squares = @alphaSumSquares, alpha_within = @alphaWithin
     where prompt_id = @promptId`,
  );
  const clearAgreement = sqlite.prepare(
    "delete from annotation_agreement where prompt_id in (select value from json_each(?))",
  );
  const writeAgreement = sqlite.prepare(
    `insert into annotation_agreement (annotation_id, prompt_id, dataset_id, annotator_id, tau, duration_ms)
     values (?, ?, ?, ?, ?, ?)`,
  );

  let done = 0;
  for (;;) {
    const remaining = limit - done;
    if (remaining <= 0) break;
    const batchDone = db.transaction(
      () => {
        const ids = staleIds.all(datasetId, Math.min(BATCH, remaining)).map((r) => r.prompt_id);
        if (!ids.length) return 0;
        const idsJson = JSON.stringify(ids);
        const byPrompt = new Map<number, AnnotationForStats[]>(ids.map((id) => [id, []]));
        for (const a of loadAnnotations.all(idsJson)) byPrompt.get(a.prompt_id)!.push(a);
        const promptRows = importedOpenness.all(idsJson);
        const imported = new Map(promptRows.map((p) => [p.id, p.openness]));
        const gold = new Set(promptRows.filter((p) => p.gold).map((p) => p.id));
        clearAgreement.run(idsJson);
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
            writeAgreement.run(a.id, promptId, datasetId, a.annotator_id, taus.get(a.id) ?? null, a.duration_ms);
          }
          const tags = annotations.map((a) => a.openness).filter((o): o is number => o !== null);
          const pairable = tags.length >= 2 && !checked;
          let within = 0;
          if (pairable) {
            for (const x of tags) for (const y of tags) within += (x - y) ** 2;
            within /= tags.length - 1;
          }
          const count = (state: ReviewState) => annotations.filter((a) => a.review_state === state).length;
          writeStats.run({
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
        bumpVersion.run(datasetId);
        return ids.length;
      },
      { behavior: "immediate" },
    );
    if (!batchDone) break;
    done += batchDone;
  }
  return staleCount(db, datasetId);
}

export function staleCount(db: Db, datasetId: number): number {
  return db.$client
    .prepare<[number], { n: number }>("select count(*) as n from prompt_stats where dataset_id = ? and stale = 1")
    .get(datasetId)!.n;
}

const refreshing = new Set<number>();

/**
 * Finishes a large refresh after the response, a batch per turn of the event loop, so no request
 * waits behind it. One refresh per dataset at a time.
 */
export function refreshInBackground(db: Db, datasetId: number): void {
  if (refreshing.has(datasetId)) return;
  refreshing.add(datasetId);
  const step = () => {
    try {
      if (refreshPromptStats(db, datasetId, BATCH) > 0) {
        setImmediate(step);
        return;
      }
    } catch (error) {
      console.error(`Refreshing the agreement of dataset ${datasetId} failed:`, error);
    }
    refreshing.delete(datasetId);
  };
  setImmediate(step);
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
export function agreementSummary(db: Db, datasetId: number, target: number): AgreementSummary {
  const sqlite = db.$client;
  const row = sqlite
    .prepare<[number], typeof schema.datasetStats.$inferSelect>(
      `select dataset_id as datasetId, prompts, stale, w_count as wCount, w_sum as wSum, alpha_count as alphaCount,
              alpha_sum as alphaSum, alpha_sum_squares as alphaSumSquares, alpha_within as alphaWithin,
              alpha_units as alphaUnits, review_pending as reviewPending, review_accepted as reviewAccepted,
              review_rejected as reviewRejected, review_sent_back as reviewSentBack
       from dataset_stats where dataset_id = ?`,
    )
    .get(datasetId);
  // An index range over the flagged prompts only (prompt_stats_dataset_w).
  const flagged = sqlite
    .prepare<[number, number], { n: number }>(
      "select count(*) as n from prompt_stats where dataset_id = ? and kendall_w < ?",
    )
    .get(datasetId, AGREEMENT_THRESHOLDS.promptW)!.n;
  const fill = sqlite
    .prepare<[number, number], { annotations: number | null; complete: number | null }>(
      `select sum(prompts * annotation_count) as annotations, sum(case when annotation_count >= ? then prompts end) as complete
       from dataset_fill where dataset_id = ?`,
    )
    .get(target, datasetId)!;
  return {
    prompts: row?.prompts ?? 0,
    annotations: fill.annotations ?? 0,
    completePrompts: fill.complete ?? 0,
    annotators: datasetAnnotatorCount(db, datasetId),
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
export function datasetAnnotatorCount(db: Db, datasetId: number): number {
  return db.$client
    .prepare<[number], { n: number }>(
      "select count(*) as n from dataset_annotators where dataset_id = ? and annotations > 0",
    )
    .get(datasetId)!.n;
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
export function statsHistogram(db: Db, datasetId: number, metric: StatsHistogramMetric): Bin[] {
  const { from } = STATS_HISTOGRAMS[metric];
  const width = binWidth(metric);
  const rows = db.$client
    .prepare<[number, string], { bin: number; n: number }>(
      "select bin, prompts as n from stats_bins where dataset_id = ? and metric = ?",
    )
    .all(datasetId, metric);
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
export function annotatorStats(db: Db, datasetId: number): AnnotatorStats[] {
  const sqlite = db.$client;
  const rows = sqlite
    .prepare<
      [number],
      {
        id: number;
        name: string;
        email: string;
        external: number;
        annotations: number;
        compared: number;
        tau_sum: number;
        durations: number;
      }
    >(
      `select da.annotator_id as id, u.name, u.email, u.external, da.annotations, da.compared, da.tau_sum, da.durations
       from dataset_annotators da join users u on u.id = da.annotator_id
       where da.dataset_id = ? and da.annotations > 0`,
    )
    .all(datasetId);
  const nthDuration = sqlite.prepare<[number, number, number], { d: number }>(
    `select duration_ms as d from annotation_agreement
     where dataset_id = ? and annotator_id = ? and duration_ms is not null order by duration_ms limit 1 offset ?`,
  );
  const medianMs = (annotatorId: number, n: number): number | null => {
    if (!n) return null;
    const mid = Math.floor(n / 2);
    const upper = nthDuration.get(datasetId, annotatorId, mid)?.d;
    if (upper === undefined) return null;
    if (n % 2) return upper;
    const lower = nthDuration.get(datasetId, annotatorId, mid - 1)?.d ?? upper;
    return (lower + upper) / 2;
  };
  const t = AGREEMENT_THRESHOLDS;
  return rows
    .map((r) => {
      const tau = r.compared ? r.tau_sum / r.compared : null;
      const ms = medianMs(r.id, r.durations);
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
export function statsVersion(db: Db, datasetId: number): number {
  return (
    db.$client
      .prepare<[number], { version: number }>("select version from stats_versions where dataset_id = ?")
      .get(datasetId)?.version ?? 0
  );
}

/**
 * The dataset page's aggregates (maintained rows, no scan), computed once per stats version:
 * any change to the dataset's annotations marks prompts stale, and the refresh that follows bumps
 * the version, in whichever process it runs.
 */
export function datasetAggregates(db: Db, datasetId: number, target: number): DatasetAggregates {
  const version = statsVersion(db, datasetId);
  const cached = aggregatesCache.get(datasetId);
  if (cached && cached.version === version && cached.target === target) return cached.value;
  const value = {
    summary: agreementSummary(db, datasetId, target),
    histogramW: statsHistogram(db, datasetId, "kendall_w"),
    histogramTau: statsHistogram(db, datasetId, "mean_tau_b"),
    annotators: annotatorStats(db, datasetId),
  };
  aggregatesCache.set(datasetId, { version, target, value });
  return value;
}
