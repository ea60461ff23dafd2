import "server-only";
import type { Db } from "@/db";
import type { QueueOrderName, RankingMode } from "@/lib/domain";
import type { StoredAnnotation, StoredAnnotator, StoredPrompt, StoredResponse } from "@/db/stored-rows";
import { reviewStateSql } from "@/db/store/review";
import type { ReviewState } from "@/lib/annotations/review";
import {
  bordaConsensus,
  krippendorffAlphaInterval,
  mean,
  meanPairwiseTauB,
  median,
  rankingsW,
  rankingTauB,
} from "@/lib/annotations/agreement";
import { promptOpenness, type PromptOpenness } from "@/lib/openness/resolve";
import type { AnnotatorStats } from "@/lib/datasets/prompt-stats";
import { parseStoredMessages, type ChatMessage } from "@/lib/datasets/conversation";

/**
 * Where agreement becomes suspicious. One place, shown on the dataset page.
 * Krippendorff recommends alpha >= .667 for tentative conclusions and >= .8 for firm ones.
 */
export const AGREEMENT_THRESHOLDS = {
  /** A prompt whose Kendall's W (with at least two rankings) is below this is flagged. */
  promptW: 0.5,
  /** An annotator whose mean tau-b against the others' consensus is below this is flagged. */
  annotatorTau: 0.3,
  /** …judged only once they have this many prompts shared with someone else. */
  annotatorMinPrompts: 3,
  /** Openness tags are unreliable below this alpha. */
  opennessAlpha: 0.667,
} as const;

export type DatasetRow = {
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

export type DatasetProgress = DatasetRow & {
  prompts: number;
  annotations: number;
  /** Prompts with at least annotationsPerPrompt annotations. */
  completePrompts: number;
  annotators: number;
};

/** A dataset's columns under DatasetRow's names, so that a row needs only its flag and date converted. */
const DATASET_COLUMNS = `d.id, d.slug, d.name, d.guidelines, d.responses_per_prompt as responsesPerPrompt,
  d.annotations_per_prompt as annotationsPerPrompt, d.synthetic, d.ranking_mode as rankingMode,
  d.queue_order as queueOrder, d.created_at as createdAt`;

/** A row selected with DATASET_COLUMNS, as SQLite returns it: the flag and the date as numbers. */
type StoredDatasetRow<Row extends DatasetRow> = Omit<Row, "synthetic" | "createdAt"> & {
  synthetic: number;
  createdAt: number;
};

function toDataset(row: StoredDatasetRow<DatasetRow>): DatasetRow {
  return { ...row, synthetic: Boolean(row.synthetic), createdAt: new Date(row.createdAt) };
}

function toProgress(row: StoredDatasetRow<DatasetProgress>): DatasetProgress {
  return { ...row, ...toDataset(row) };
}

export function getDataset(db: Db, slug: string): DatasetRow | null {
  const row = db.$client
    .prepare<[string], StoredDatasetRow<DatasetRow>>(
      `select ${DATASET_COLUMNS} from datasets d where d.slug = ? and d.import_staging = 0`,
    )
    .get(slug);
  return row ? toDataset(row) : null;
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

export function listDatasets(db: Db): DatasetProgress[] {
  return db.$client
    .prepare<[], StoredDatasetRow<DatasetProgress>>(`${PROGRESS_SQL} order by d.created_at, d.id`)
    .all()
    .map(toProgress);
}

export function getDatasetProgress(db: Db, slug: string): DatasetProgress | null {
  const row = db.$client
    .prepare<[string], StoredDatasetRow<DatasetProgress>>(`${PROGRESS_SQL} and d.slug = ?`)
    .get(slug);
  return row ? toProgress(row) : null;
}

export type PromptAgreement = {
  id: number;
  externalId: string;
  text: string;
  annotators: number;
  kendallW: number | null;
  meanTauB: number | null;
  /** The prompt's openness by the one rule (lib/openness/resolve.ts), and where it comes from. */
  openness: PromptOpenness;
  flagged: boolean;
};

/** The annotator table's row, as the maintained aggregates give it (lib/datasets/prompt-stats.ts). */
export type AnnotatorAgreement = AnnotatorStats;

export type DatasetAgreement = {
  prompts: PromptAgreement[];
  annotators: AnnotatorAgreement[];
  opennessAlpha: number | null;
  opennessUnits: number;
  meanW: number | null;
};

/**
 * All agreement numbers of a dataset. Reads its annotations once (the page's cost grows with the
 * number of annotations, which is fine for the hundreds-of-thousands scale a team labels by hand).
 */
export function datasetAgreement(db: Db, datasetId: number): DatasetAgreement {
  const prompts = db.$client
    .prepare<[number], Pick<StoredPrompt, "id" | "external_id" | "text" | "openness">>(
      "select id, external_id, text, openness from prompts where dataset_id = ? order by id",
    )
    .all(datasetId);
  const rows = db.$client
    .prepare<
      [number],
      Pick<StoredAnnotation, "prompt_id" | "annotator_id" | "ranking" | "openness" | "not_rankable" | "duration_ms"> &
        StoredAnnotator
    >(
      `select a.prompt_id, a.annotator_id, a.ranking, a.openness, a.not_rankable, a.duration_ms, u.name, u.email, u.external
       from annotations a join prompts p on p.id = a.prompt_id join users u on u.id = a.annotator_id
       where p.dataset_id = ? order by a.prompt_id, a.annotator_id`,
    )
    .all(datasetId);

  const byPrompt = new Map<number, typeof rows>();
  for (const row of rows) {
    const list = byPrompt.get(row.prompt_id) ?? [];
    list.push(row);
    byPrompt.set(row.prompt_id, list);
  }

  type Tally = { name: string; external: boolean; annotations: number; taus: number[]; durations: number[] };
  const tallies = new Map<number, Tally>();
  const opennessUnits: number[][] = [];

  const promptStats = prompts.map((prompt): PromptAgreement => {
    const annotations = byPrompt.get(prompt.id) ?? [];
    const rankable = annotations.filter((a) => !a.not_rankable);
    const rankings = rankable.map((a) => JSON.parse(a.ranking) as number[][]);
    const tags = annotations.map((a) => a.openness).filter((o): o is number => o !== null);
    opennessUnits.push(tags);
    for (const a of annotations) {
      const tally = tallies.get(a.annotator_id) ?? {
        name: a.name || a.email,
        external: Boolean(a.external),
        annotations: 0,
        taus: [],
        durations: [],
      };
      tally.annotations++;
      if (a.duration_ms !== null) tally.durations.push(a.duration_ms / 1000);
      tallies.set(a.annotator_id, tally);
    }
    // Leave-one-out: each annotator against the Borda consensus of everyone else on this prompt.
    if (rankable.length >= 2) {
      rankable.forEach((a, i) => {
        const others = rankings.filter((_, j) => j !== i);
        const tau = rankingTauB(rankings[i]!, bordaConsensus(others).groups);
        if (tau !== null) tallies.get(a.annotator_id)!.taus.push(tau);
      });
    }
    const w = rankingsW(rankings);
    return {
      id: prompt.id,
      externalId: prompt.external_id,
      text: prompt.text,
      annotators: rankable.length,
      kendallW: w,
      meanTauB: meanPairwiseTauB(rankings),
      openness: promptOpenness(
        prompt.openness,
        rankable.map((a, i) => ({ openness: a.openness, notRankable: false, ranking: rankings[i]! })),
      ),
      flagged: w !== null && w < AGREEMENT_THRESHOLDS.promptW,
    };
  });

  const annotators = [...tallies].map(([id, t]): AnnotatorAgreement => {
    const tau = t.taus.length ? mean(t.taus) : null;
    return {
      id,
      name: t.name,
      external: t.external,
      annotations: t.annotations,
      comparedPrompts: t.taus.length,
      tauVsConsensus: tau,
      medianSeconds: median(t.durations),
      flagged:
        tau !== null &&
        t.taus.length >= AGREEMENT_THRESHOLDS.annotatorMinPrompts &&
        tau < AGREEMENT_THRESHOLDS.annotatorTau,
    };
  });
  annotators.sort((a, b) => (a.tauVsConsensus ?? 2) - (b.tauVsConsensus ?? 2));

  const ws = promptStats.map((p) => p.kendallW).filter((w): w is number => w !== null);
  return {
    prompts: promptStats,
    annotators,
    opennessAlpha: krippendorffAlphaInterval(opennessUnits),
    opennessUnits: opennessUnits.filter((u) => u.length >= 2).length,
    meanW: ws.length ? mean(ws) : null,
  };
}

export type PromptDetail = {
  id: number;
  externalId: string;
  text: string;
  messages: ChatMessage[] | null;
  openness: number | null;
  metadata: Record<string, unknown> | null;
  responses: { id: number; externalId: string; position: number; text: string; reward: number | null }[];
  annotations: {
    id: number;
    annotatorId: number;
    annotator: string;
    reviewState: ReviewState;
    ranking: number[][];
    openness: number | null;
    notRankable: boolean;
    notRankableReason: string | null;
    comment: string | null;
    durationMs: number | null;
    updatedAt: Date;
  }[];
  /** Borda consensus of the rankings (only the accepted ones when asked for). */
  consensus: number[][];
  /** How many rankings the consensus is of. */
  consensusOf: number;
  kendallW: number | null;
};

/** One prompt of a dataset with its responses, every annotator's ranking and optionally a run's rewards. */
export function getPromptDetail(
  db: Db,
  datasetId: number,
  promptId: number,
  runId?: number,
  { acceptedOnly = false }: { acceptedOnly?: boolean } = {},
): PromptDetail | null {
  const prompt = db.$client
    .prepare<
      [number, number],
      Pick<StoredPrompt, "id" | "external_id" | "text" | "messages" | "openness" | "metadata">
    >("select id, external_id, text, messages, openness, metadata from prompts where id = ? and dataset_id = ?")
    .get(promptId, datasetId);
  if (!prompt) return null;
  const responses = db.$client
    .prepare<
      [number, number],
      Pick<StoredResponse, "id" | "external_id" | "position" | "text"> & { reward: number | null }
    >(
      `select r.id, r.external_id, r.position, r.text, rr.reward from responses r
       left join run_rewards rr on rr.response_id = r.id and rr.run_id = ?
       where r.prompt_id = ? order by r.position`,
    )
    .all(runId ?? -1, promptId);
  const annotations = db.$client
    .prepare<[number], StoredAnnotation & StoredAnnotator & { review_state: ReviewState }>(
      `select a.*, ${reviewStateSql("a")} as review_state, u.name, u.email, u.external
       from annotations a join users u on u.id = a.annotator_id
       where a.prompt_id = ? order by a.created_at`,
    )
    .all(promptId)
    .map((a) => ({
      id: a.id,
      annotatorId: a.annotator_id,
      reviewState: a.review_state,
      annotator: a.external ? a.name : `${a.name} (${a.email})`,
      ranking: JSON.parse(a.ranking) as number[][],
      openness: a.openness,
      notRankable: Boolean(a.not_rankable),
      notRankableReason: a.not_rankable_reason,
      comment: a.comment,
      durationMs: a.duration_ms,
      updatedAt: new Date(a.updated_at),
    }));
  const rankings = annotations.filter((a) => !a.notRankable).map((a) => a.ranking);
  const consensusRankings = annotations
    .filter((a) => !a.notRankable && (!acceptedOnly || a.reviewState === "accepted"))
    .map((a) => a.ranking);
  return {
    id: prompt.id,
    externalId: prompt.external_id,
    text: prompt.text,
    messages: parseStoredMessages(prompt.messages),
    openness: prompt.openness,
    metadata: prompt.metadata ? (JSON.parse(prompt.metadata) as Record<string, unknown>) : null,
    responses: responses.map((r) => ({
      id: r.id,
      externalId: r.external_id,
      position: r.position,
      text: r.text,
      reward: r.reward,
    })),
    annotations,
    consensus: consensusRankings.length ? bordaConsensus(consensusRankings).groups : [],
    consensusOf: consensusRankings.length,
    kendallW: rankingsW(rankings),
  };
}

/** Runs of a dataset, for the ?run= picker on export links and the prompt page. */
export function listDatasetRuns(db: Db, datasetId: number): { id: number; name: string | null; status: string }[] {
  return db.$client
    .prepare<[number], { id: number; name: string | null; status: string }>(
      "select id, name, status from training_runs where dataset_id = ? order by id desc",
    )
    .all(datasetId);
}

/** Equal-width bins over [from, to] for a histogram; values outside are clamped into the end bins. */
export function histogramBins(
  values: number[],
  from: number,
  to: number,
  count: number,
): { label: string; from: number; count: number }[] {
  const width = (to - from) / count;
  const bins = Array.from({ length: count }, (_, i) => ({
    label: (from + i * width).toFixed(1),
    from: from + i * width,
    count: 0,
  }));
  for (const v of values) {
    const i = Math.min(count - 1, Math.max(0, Math.floor((v - from) / width)));
    bins[i]!.count++;
  }
  return bins;
}
