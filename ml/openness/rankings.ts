/**
 * Openness from the rankings alone: a closed prompt's responses are right or wrong, so annotators'
 * rankings fall into two tight clusters (ties inside each, agreement across them); an open
 * prompt's responses spread evenly. A few features of how the rankings and ties spread, and a
 * Bayesian ridge regression of the mean tag on them, trained on tagged prompts.
 *
 * One annotator who never ties carries no such information: every strict order of n responses
 * looks the same. The estimate's standard error comes from prompts with the same number of
 * annotations, so it widens where the evidence is thin.
 */
import { type AnnotatedPrompt, type OpennessEstimate, type OpennessEstimator, clamp01, meanTag } from "./evaluation";
import { type RidgeFit, fitRidgeCv, predictRidge } from "./ridge";

export const RANKING_FEATURES = [
  "tie_share",
  "pooled_variance",
  "pooled_max_gap",
  "pair_agreement",
  "contested_pairs",
] as const;

/** Each response's score in one ranking: 1 for the best, 0 for the worst, ties share their midrank. */
function scores(ranking: readonly (readonly string[])[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  let start = 0;
  for (const g of ranking) {
    const mid = start + (g.length - 1) / 2;
    for (const id of g) out.set(id, n > 1 ? 1 - mid / (n - 1) : 0.5);
    start += g.length;
  }
  return out;
}

/**
 * The features of one prompt's rankings (RANKING_FEATURES order), null without a ranking of at
 * least 2 responses.
 */
export function rankingFeatures(p: Pick<AnnotatedPrompt, "responseIds" | "annotations">): number[] | null {
  const rankings = p.annotations.map((a) => a.ranking).filter((r) => r.flat().length >= 2);
  if (!rankings.length) return null;
  const ids = p.responseIds.length ? p.responseIds : [...new Set(rankings.flat(2))];
  const n = ids.length;
  const per = rankings.map((r) => scores(r, r.flat().length));
  const nPairs = (n * (n - 1)) / 2;
  let tied = 0;
  for (const r of rankings) for (const g of r) tied += (g.length * (g.length - 1)) / 2;
  const tieShare = tied / (rankings.length * nPairs);

  // Pooled profile: mean score per response, sorted, min-max normalised.
  const pooled = ids.map((id) => {
    const s = per.flatMap((m) => (m.has(id) ? [m.get(id) as number] : []));
    return s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0.5;
  });
  pooled.sort((a, b) => b - a);
  const range = (pooled[0] as number) - (pooled[n - 1] as number);
  const prof = range > 1e-9 ? pooled.map((x) => (x - (pooled[n - 1] as number)) / range) : pooled.map(() => 0.5);
  const mean = prof.reduce((a, b) => a + b, 0) / n;
  const variance = prof.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  let maxGap = 0;
  for (let k = 0; k + 1 < n; k++) maxGap = Math.max(maxGap, (prof[k] as number) - (prof[k + 1] as number));

  // Pairwise preference shares across annotators (a tie counts half each way).
  let agreement = 0;
  let contested = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let wins = 0;
      let seen = 0;
      for (const m of per) {
        const a = m.get(ids[i] as string);
        const b = m.get(ids[j] as string);
        if (a === undefined || b === undefined) continue;
        wins += a > b ? 1 : a === b ? 0.5 : 0;
        seen++;
      }
      if (!seen) continue;
      const share = wins / seen;
      agreement += Math.abs(2 * share - 1);
      if (share > 0 && share < 1) contested++;
    }
  return [tieShare, variance, maxGap, agreement / nPairs, contested / nPairs];
}

export interface RankingOpennessModel extends OpennessEstimator {
  fit: RidgeFit;
  featureMean: number[];
  featureSd: number[];
}

const countBucket = (p: AnnotatedPrompt) => Math.min(3, p.annotations.filter((a) => a.ranking.length >= 2).length);

export function fitRankingOpenness(train: readonly AnnotatedPrompt[]): RankingOpennessModel {
  const rows = train.flatMap((p) => {
    const x = rankingFeatures(p);
    const y = meanTag(p);
    return x && y !== null ? [{ p, x, y }] : [];
  });
  if (rows.length < 2) throw new Error("The ranking openness model needs at least 2 tagged, ranked prompts.");
  const d = RANKING_FEATURES.length;
  const featureMean = Array.from(
    { length: d },
    (_, k) => rows.reduce((a, r) => a + (r.x[k] as number), 0) / rows.length,
  );
  const featureSd = Array.from({ length: d }, (_, k) => {
    const v = rows.reduce((a, r) => a + ((r.x[k] as number) - (featureMean[k] as number)) ** 2, 0) / rows.length;
    return v > 1e-12 ? Math.sqrt(v) : 0;
  });
  const standardise = (x: number[]) => ({
    idx: Array.from({ length: d }, (_, k) => k),
    val: x.map((v, k) =>
      (featureSd[k] as number) > 0 ? (v - (featureMean[k] as number)) / (featureSd[k] as number) : 0,
    ),
  });
  const fit = fitRidgeCv(
    rows.map((r) => standardise(r.x)),
    rows.map((r) => r.y),
    d,
  );
  // Residual spread per number of annotations (1, 2, 3+), where there are enough prompts to say.
  const noiseByCount = new Map<number, number>();
  for (const bucket of [1, 2, 3]) {
    const res = rows.flatMap((r, i) => (countBucket(r.p) === bucket ? [fit.looResiduals[i] as number] : []));
    if (res.length >= 5) noiseByCount.set(bucket, res.reduce((a, e) => a + e * e, 0) / res.length);
  }
  const estimate = (p: AnnotatedPrompt): OpennessEstimate => {
    const x = rankingFeatures(p);
    if (!x) return { estimate: clamp01(fit.intercept), sd: Math.sqrt(fit.noiseVar + 0.25 ** 2) };
    const { mean, sd } = predictRidge(fit, standardise(x));
    const noise = noiseByCount.get(countBucket(p));
    const scaled = noise === undefined ? sd : sd * Math.sqrt(noise / Math.max(fit.noiseVar, 1e-12));
    return { estimate: clamp01(mean), sd: scaled };
  };
  return { name: "rankings", fit, featureMean, featureSd, estimate };
}
