import "server-only";
import type { Store } from "@/db/store";
import type { DatasetProgressRow, VisibleDataset } from "@/db/store/datasets";
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

export type DatasetRow = VisibleDataset;
export type DatasetProgress = DatasetProgressRow;

/** The visible dataset with this slug, or null. */
export function getDataset(store: Store, slug: string): Promise<DatasetRow | null> {
  return store.datasets.visible(slug);
}

/** Every visible dataset with its progress, oldest first. */
export function listDatasets(store: Store): Promise<DatasetProgress[]> {
  return store.datasets.listProgress();
}

export function getDatasetProgress(store: Store, slug: string): Promise<DatasetProgress | null> {
  return store.datasets.progress(slug);
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
export async function datasetAgreement(store: Store, datasetId: number): Promise<DatasetAgreement> {
  const prompts = await store.datasets.agreementPrompts(datasetId);
  const rows = await store.datasets.agreementAnnotations(datasetId);

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
export async function getPromptDetail(
  store: Store,
  datasetId: number,
  promptId: number,
  runId?: number,
  { acceptedOnly = false }: { acceptedOnly?: boolean } = {},
): Promise<PromptDetail | null> {
  const prompt = await store.datasets.promptPage(datasetId, promptId);
  if (!prompt) return null;
  const responses = await store.datasets.rewardedResponses(promptId, runId ?? null);
  const annotations = (await store.datasets.reviewedAnnotations(promptId)).map((a) => ({
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
export function listDatasetRuns(
  store: Store,
  datasetId: number,
): Promise<{ id: number; name: string | null; status: string }[]> {
  return store.datasets.runsOf(datasetId);
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
