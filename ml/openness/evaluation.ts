/**
 * Openness estimates and how to judge them. Annotators tag each prompt's openness; an estimator
 * predicts the mean tag. It is judged on held-out tagged prompts against the annotators' own
 * ceiling: how well one annotator's tag predicts the mean of the others' (leave one annotator out).
 * An estimator as good as the ceiling agrees with the crowd as well as a single annotator does.
 */
import { spearman } from "../diagnosis/metrics";
import { mulberry32, shuffleInPlace } from "../rng";

export interface PromptAnnotation {
  annotator: string;
  /** The annotator's openness tag in [0, 1], null when they did not tag it. */
  openness: number | null;
  /** Groups of response ids, best first; a group of more than one is a tie. */
  ranking: string[][];
}

export interface AnnotatedPrompt {
  id: string;
  text: string;
  responseIds: string[];
  annotations: PromptAnnotation[];
}

export interface OpennessEstimate {
  /** Estimated mean tag, in [0, 1]. */
  estimate: number;
  /** Standard error of the estimate against the mean tag. */
  sd: number;
}

export interface OpennessEstimator {
  name: string;
  estimate(prompt: AnnotatedPrompt): OpennessEstimate;
}

/** Trains an estimator on tagged prompts (the target is each prompt's mean tag). */
export type OpennessEstimatorFit = (train: readonly AnnotatedPrompt[]) => OpennessEstimator;

export function tagsOf(p: AnnotatedPrompt): number[] {
  return p.annotations.flatMap((a) => (a.openness === null ? [] : [a.openness]));
}

export function meanTag(p: AnnotatedPrompt): number | null {
  const t = tagsOf(p);
  return t.length ? t.reduce((a, b) => a + b, 0) / t.length : null;
}

export const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** Spearman correlation, null where it is undefined (fewer than 3 values, or one side constant). */
export function spearmanOrNull(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 3) return null;
  const r = spearman(a, b);
  return Number.isFinite(r) ? r : null;
}

function mae(a: readonly number[], b: readonly number[]): number | null {
  if (!a.length) return null;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] as number) - (b[i] as number));
  return s / a.length;
}

export interface Agreement {
  mae: number | null;
  spearman: number | null;
  /** Number of (prompt, annotator) or prompt comparisons behind the figures. */
  n: number;
}

export interface OpennessEvaluation {
  estimator: string;
  nTrain: number;
  nTest: number;
  /** The estimate against each held-out prompt's mean tag. */
  vsMeanTag: Agreement;
  /**
   * The estimate against the mean of the other annotators' tags, over the same (prompt, annotator)
   * pairs as the ceiling: directly comparable with it. n = 0 when no held-out prompt has 2 tags.
   */
  vsOthers: Agreement;
  /** One annotator's tag against the mean of the others': the human ceiling. Null without 2 tags. */
  ceiling: Agreement | null;
  /** Predicting the training prompts' mean tag for every prompt. */
  baseline: Agreement;
  /** Mean predicted standard error, and the share of held-out mean tags inside estimate ± 1.96 sd. */
  meanSd: number | null;
  coverage95: number | null;
}

/** Leave-one-annotator-out pairs of the prompts with at least 2 tags: [tag, mean of the others]. */
function leaveOneOut(prompts: readonly AnnotatedPrompt[]): { prompt: AnnotatedPrompt; own: number; others: number }[] {
  const out: { prompt: AnnotatedPrompt; own: number; others: number }[] = [];
  for (const p of prompts) {
    const t = tagsOf(p);
    if (t.length < 2) continue;
    const sum = t.reduce((a, b) => a + b, 0);
    for (const own of t) out.push({ prompt: p, own, others: (sum - own) / (t.length - 1) });
  }
  return out;
}

/** The annotators' own agreement with the crowd, null when no prompt has two tags. */
export function annotatorCeiling(prompts: readonly AnnotatedPrompt[]): Agreement | null {
  const pairs = leaveOneOut(prompts);
  if (!pairs.length) return null;
  const own = pairs.map((x) => x.own);
  const others = pairs.map((x) => x.others);
  return { mae: mae(own, others), spearman: spearmanOrNull(own, others), n: pairs.length };
}

/** Seeded split of the tagged prompts (untagged ones are dropped) into train and test. */
export function splitTagged(
  prompts: readonly AnnotatedPrompt[],
  testShare: number,
  seed: number,
): { train: AnnotatedPrompt[]; test: AnnotatedPrompt[] } {
  const tagged = shuffleInPlace(
    prompts.filter((p) => tagsOf(p).length > 0),
    mulberry32(seed),
  );
  const nTest = Math.max(1, Math.round(tagged.length * testShare));
  return { test: tagged.slice(0, nTest), train: tagged.slice(nTest) };
}

export function evaluateOpennessEstimator(
  prompts: readonly AnnotatedPrompt[],
  fit: OpennessEstimatorFit,
  { testShare = 0.25, seed = 1 }: { testShare?: number; seed?: number } = {},
): OpennessEvaluation {
  const { train, test } = splitTagged(prompts, testShare, seed);
  if (train.length < 2)
    throw new Error(`An openness estimator needs at least 2 tagged training prompts, got ${train.length}.`);
  const estimator = fit(train);
  const est = new Map(test.map((p) => [p.id, estimator.estimate(p)]));
  const truth = test.map((p) => meanTag(p) as number);
  const guesses = test.map((p) => (est.get(p.id) as OpennessEstimate).estimate);
  const trainMean = train.reduce((a, p) => a + (meanTag(p) as number), 0) / train.length;
  const pairs = leaveOneOut(test);
  const others = pairs.map((x) => x.others);
  const pairGuesses = pairs.map((x) => (est.get(x.prompt.id) as OpennessEstimate).estimate);
  const sds = test.map((p) => (est.get(p.id) as OpennessEstimate).sd);
  const inside = test.filter((p, i) => Math.abs(guesses[i]! - truth[i]!) <= 1.96 * sds[i]!).length;
  return {
    estimator: estimator.name,
    nTrain: train.length,
    nTest: test.length,
    vsMeanTag: { mae: mae(guesses, truth), spearman: spearmanOrNull(guesses, truth), n: test.length },
    vsOthers: { mae: mae(pairGuesses, others), spearman: spearmanOrNull(pairGuesses, others), n: pairs.length },
    ceiling: annotatorCeiling(test),
    baseline: {
      mae: mae(
        truth.map(() => trainMean),
        truth,
      ),
      spearman: null,
      n: test.length,
    },
    meanSd: sds.length ? sds.reduce((a, b) => a + b, 0) / sds.length : null,
    coverage95: test.length ? inside / test.length : null,
  };
}

/**
 * An estimate combined with a prompt's tags (each tag the mean tag plus noise of sd `tagSd`):
 * the precision-weighted mean, so a prompt many annotators agree on is certain whatever the model
 * says, and an untagged one is as certain as the model.
 */
export function withTags(estimate: OpennessEstimate, tags: readonly number[], tagSd: number): OpennessEstimate {
  if (!tags.length) return estimate;
  const pe = 1 / Math.max(estimate.sd, 1e-6) ** 2;
  const pt = tags.length / Math.max(tagSd, 1e-3) ** 2;
  const tagMean = tags.reduce((a, b) => a + b, 0) / tags.length;
  return { estimate: clamp01((pe * estimate.estimate + pt * tagMean) / (pe + pt)), sd: Math.sqrt(1 / (pe + pt)) };
}

/** Pooled within-prompt standard deviation of the tags (how much one annotator's tag varies). */
export function tagSpread(prompts: readonly AnnotatedPrompt[]): number | null {
  let ss = 0;
  let df = 0;
  for (const p of prompts) {
    const t = tagsOf(p);
    if (t.length < 2) continue;
    const m = t.reduce((a, b) => a + b, 0) / t.length;
    ss += t.reduce((a, b) => a + (b - m) ** 2, 0);
    df += t.length - 1;
  }
  return df > 0 ? Math.sqrt(ss / df) : null;
}
