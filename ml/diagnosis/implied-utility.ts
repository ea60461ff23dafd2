/**
 * Implied utility: which Box-Cox exponent γ, at which smoothing eps, would have produced these
 * reward profiles? It is the verdict's model of collapse (ml/diagnosis/collapse-model.ts) with β = 0: one
 * utility for every prompt, each prompt's target exact at its own n and ties (docs/design.md,
 * "Implied utility"). γ runs over [−3, 1] (log is 0, inverse −1, linear 1) and, unless the caller
 * knows it, eps over a grid (an external model has no eps; a model trained at eps 0 read at 0.1
 * looks like a smaller γ).
 *
 * - Per run: the (γ, eps) minimising the mean loss; the γ interval is the union over every (γ, eps)
 *   whose mean loss is within the tolerance of the minimum (the best loss itself, or LOSS_TOLERANCE)
 *   and a seeded bootstrap over prompts; identifiable when at most IDENTIFIABLE_WIDTH wide.
 * - Flags: a γ interval reaching an end of the range searched, and a poor fit: the pooled mean profile
 *   farther from its fitted target than both LOSS_TOLERANCE and four times its sampling variance
 *   ("not in the Box-Cox family", e.g. logsigmoid's optimum, which pairs responses at the ends).
 * - Per prompt: γ̂ at the run's eps, with the same tolerance interval.
 */
import { gridMinimum } from "./implied-openness";
import { isFlat } from "./metrics";
import { mulberry32 } from "../rng";
import { optimalRewards } from "./theory";
import type { Interval } from "./verdict";

/** Mean squared profile distances below this are indistinguishable (RMS 0.01 on a 0..1 profile). */
export const LOSS_TOLERANCE = 1e-4;
/** A gamma interval wider than this says the profile does not pin the utility down. */
export const IDENTIFIABLE_WIDTH = 0.5;
/** The γ range searched and its step. */
export const GAMMA_RANGE = { min: -3, max: 1, step: 0.05 } as const;
/** The eps values searched when the caller does not know the run's. */
export const EPS_GRID = [0, 0.01, 0.03, 0.1, 0.3] as const;
/** A pooled mean profile farther from its target than this many times its sampling variance is a misfit. */
export const FAMILY_NOISE_FACTOR = 4;

const GAMMAS = Array.from(
  { length: Math.round((GAMMA_RANGE.max - GAMMA_RANGE.min) / GAMMA_RANGE.step) + 1 },
  (_, i) => Math.round((GAMMA_RANGE.min + i * GAMMA_RANGE.step) * 1e6) / 1e6,
);

export interface UtilityProfile {
  id: string;
  /** Rewards of the prompt's responses, any order. */
  rewards: readonly number[];
  /** Tie-group sizes of its ranking, best first (tied responses share one reward in training). */
  groups?: readonly number[];
  /** Tagged openness, when known (for the implied-versus-tagged comparison). */
  openness?: number | null;
}

export interface PromptUtility {
  id: string;
  gamma: number | null;
  gammaCi: Interval | null;
  /** (1 - gamma) / 2: the openness whose optimum the profile matches (gamma in [-1, 1]). */
  opennessImplied: number | null;
  identifiable: boolean;
  /** Root mean squared distance between the profile and its best target. */
  fitRmse: number | null;
}

export interface EffectiveUtility {
  gamma: number | null;
  gammaCi: Interval | null;
  identifiable: boolean;
  /** Why the figure can or cannot be trusted, in one sentence per finding. */
  reason: string;
  /** The eps fitted (or the one given), and every eps within the tolerance. */
  eps: number;
  epsFitted: boolean;
  epsPlausible: number[];
  /** The γ interval reaches an end of the range searched. */
  edge: "lower" | "upper" | null;
  /** False when the pooled profiles sit measurably outside the Box-Cox family. */
  inFamily: boolean;
  /** RMS distance of the pooled mean profiles from the fitted targets, and their own sampling noise (RMS). */
  familyRmse: number | null;
  noiseRmse: number | null;
  /** Prompts with a shape (flat profiles and single responses carry none). */
  prompts: number;
  /** Root mean squared distance of the profiles from the effective utility's targets. */
  fitRmse: number | null;
  perPrompt: PromptUtility[];
}

const targetMemo = new Map<string, number[][]>();

/** Exact Box-Cox optima at every grid γ for n responses, eps and tie groups (memoised). */
function gammaTargets(n: number, eps: number, groups: readonly number[] | undefined): number[][] {
  const key = JSON.stringify([n, eps, groups ?? null]);
  const hit = targetMemo.get(key);
  if (hit) return hit;
  const targets = GAMMAS.map((gamma) => optimalRewards({ utility: "boxcox", gamma, n, eps, groups }));
  if (targetMemo.size > 500) targetMemo.clear();
  targetMemo.set(key, targets);
  return targets;
}

function normalised(rewards: readonly number[]): number[] | null {
  if (rewards.length < 2 || isFlat(rewards)) return null;
  const s = [...rewards].sort((a, b) => b - a);
  const hi = s[0] as number;
  const lo = s[s.length - 1] as number;
  return s.map((x) => (x - lo) / (hi - lo));
}

function meanSq(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += ((a[k] as number) - (b[k] as number)) ** 2;
  return a.length ? s / a.length : 0;
}

interface Shaped {
  id: string;
  profile: number[];
  groups: number[] | undefined;
  stratum: string;
  /** Loss at [eps index][gamma index]. */
  curves: number[][];
}

/** The γ index minimising a curve, refined by a parabola through its neighbours. */
function gammaArgmin(curve: readonly number[]): { gamma: number; loss: number; index: number } {
  const { index, x, loss } = gridMinimum(curve, { start: GAMMAS[0] as number, step: GAMMA_RANGE.step });
  return { gamma: x, loss, index };
}

function toleranceGammas(curve: readonly number[], min: number): number[] {
  const limit = min + Math.max(min, LOSS_TOLERANCE);
  return curve.flatMap((l, i) => (l <= limit ? [GAMMAS[i] as number] : []));
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** The mean curve (per eps) over some prompts (rows may repeat). */
function meanCurves(shaped: readonly Shaped[], rows: readonly number[], epsCount: number): number[][] {
  const m = GAMMAS.length;
  const sums = new Float64Array(epsCount * m);
  for (const r of rows) {
    const curves = (shaped[r] as Shaped).curves;
    for (let e = 0; e < epsCount; e++) {
      const c = curves[e] as number[];
      const at = e * m;
      for (let i = 0; i < m; i++) sums[at + i]! += c[i] as number;
    }
  }
  return Array.from({ length: epsCount }, (_, e) =>
    Array.from(sums.subarray(e * m, (e + 1) * m), (x) => x / rows.length),
  );
}

function bestOf(curves: readonly number[][]): { e: number; gamma: number; loss: number; index: number } {
  let best = { e: 0, ...gammaArgmin(curves[0] as number[]) };
  curves.forEach((c, e) => {
    const f = gammaArgmin(c);
    if (f.loss < best.loss) best = { e, ...f };
  });
  return best;
}

export function impliedUtility(
  prompts: readonly UtilityProfile[],
  { eps, seed = 1, bootstrap }: { eps?: number; seed?: number; bootstrap?: number } = {},
): EffectiveUtility {
  // Each resample is a pass over every prompt's curves: fewer of them on large runs.
  const resamples = bootstrap ?? (prompts.length > 1000 ? 100 : 200);
  const epsGrid = eps === undefined ? [...EPS_GRID] : [eps];
  const shaped: Shaped[] = [];
  const perPromptEmpty = (id: string): PromptUtility => ({
    id,
    gamma: null,
    gammaCi: null,
    opennessImplied: null,
    identifiable: false,
    fitRmse: null,
  });
  for (const p of prompts) {
    const profile = normalised(p.rewards);
    const groups = p.groups && p.groups.length > 1 ? [...p.groups] : undefined;
    if (!profile || (p.groups && p.groups.length < 2)) continue;
    const curves = epsGrid.map((e) => gammaTargets(profile.length, e, groups).map((t) => meanSq(profile, t)));
    shaped.push({ id: p.id, profile, groups, stratum: `${profile.length}:${(groups ?? []).join(",")}`, curves });
  }
  const base = {
    epsFitted: eps === undefined,
    prompts: shaped.length,
  };
  if (!shaped.length)
    return {
      ...base,
      eps: eps ?? Number.NaN,
      epsPlausible: [],
      gamma: null,
      gammaCi: null,
      identifiable: false,
      edge: null,
      inFamily: true,
      familyRmse: null,
      noiseRmse: null,
      fitRmse: null,
      perPrompt: prompts.map((p) => perPromptEmpty(p.id)),
      reason:
        "No prompt has a shape (every profile is flat, has one response or one tie group): the rewards say nothing about the utility.",
    };
  const all = meanCurves(
    shaped,
    shaped.map((_, i) => i),
    epsGrid.length,
  );
  const best = bestOf(all);
  const bestEps = epsGrid[best.e] as number;
  const tolerated = all.map((c) => toleranceGammas(c, best.loss));
  const rng = mulberry32(seed);
  const draws: number[] = [];
  for (let b = 0; b < resamples && shaped.length > 1; b++)
    draws.push(
      bestOf(
        meanCurves(
          shaped,
          shaped.map(() => Math.floor(rng() * shaped.length)),
          epsGrid.length,
        ),
      ).gamma,
    );
  draws.sort((a, b) => a - b);
  const q = (p: number) => draws[Math.min(draws.length - 1, Math.max(0, Math.round(p * (draws.length - 1))))] as number;
  const inTolerance = tolerated.flat();
  const lo = Math.min(...inTolerance, ...(draws.length ? [q(0.025)] : []));
  const hi = Math.max(...inTolerance, ...(draws.length ? [q(0.975)] : []));
  const gamma = Math.min(GAMMA_RANGE.max, Math.max(GAMMA_RANGE.min, best.gamma));
  const width = hi - lo;
  const identifiable = width <= IDENTIFIABLE_WIDTH && shaped.length >= 2;
  // The interval reaching an end of the range: the truth may lie beyond it (below −3), or be any γ >= 1.
  const edge = lo <= GAMMA_RANGE.min + 1e-9 ? "lower" : hi >= GAMMA_RANGE.max - 1e-9 ? "upper" : null;

  // Family check: pooled mean profile per stratum against its fitted target, beside its own noise.
  const strata = new Map<string, Shaped[]>();
  for (const s of shaped) strata.set(s.stratum, [...(strata.get(s.stratum) ?? []), s]);
  let bias = 0;
  let variance = 0;
  for (const members of strata.values()) {
    const m = (members[0] as Shaped).profile.length;
    const mean = Array.from(
      { length: m },
      (_, k) => members.reduce((a, s) => a + (s.profile[k] as number), 0) / members.length,
    );
    const target = gammaTargets(m, bestEps, members[0]!.groups)[best.index] as number[];
    bias += members.length * meanSq(mean, target);
    variance += members.reduce((a, s) => a + meanSq(s.profile, mean), 0) / members.length;
  }
  bias /= shaped.length;
  const meanNoise = variance / shaped.length;
  const inFamily = !(bias > LOSS_TOLERANCE && bias > FAMILY_NOISE_FACTOR * meanNoise);

  const epsPlausible = epsGrid.filter((_, e) => (tolerated[e] as number[]).length > 0);
  const findings: string[] = [];
  if (shaped.length < 2) findings.push("One prompt with a shape: too little to call an effective utility.");
  else if (identifiable)
    findings.push(
      `gamma ${gamma.toFixed(2)} in [${lo.toFixed(2)}, ${hi.toFixed(2)}] (width ${width.toFixed(2)} <= ${IDENTIFIABLE_WIDTH}) from ${shaped.length} prompts.`,
    );
  else
    findings.push(
      `gamma ${gamma.toFixed(2)}, but every gamma in [${lo.toFixed(2)}, ${hi.toFixed(2)}] fits these ${shaped.length} profiles about as well (width ${width.toFixed(2)} > ${IDENTIFIABLE_WIDTH}): not identifiable here.`,
    );
  if (eps === undefined)
    findings.push(
      `eps fitted jointly: ${bestEps}${epsPlausible.length > 1 ? ` (every eps in {${epsPlausible.join(", ")}} fits within the tolerance; the interval covers them all)` : ""}.`,
    );
  if (edge === "lower")
    findings.push(
      `At the lower edge of the range searched (gamma ${GAMMA_RANGE.min}): the utility may be more concave still.`,
    );
  if (edge === "upper")
    findings.push(
      "The interval reaches gamma 1, the upper edge: every gamma >= 1 (linear or convex) gives the same two-point optimum.",
    );
  if (!inFamily)
    findings.push(
      `Not in the Box-Cox family: the pooled profiles sit RMS ${Math.sqrt(bias).toFixed(3)} from the best fitting target, above both ${Math.sqrt(LOSS_TOLERANCE)} and their own noise (RMS ${Math.sqrt(meanNoise).toFixed(3)}, x${FAMILY_NOISE_FACTOR} in variance).`,
    );

  const byId = new Map(shaped.map((s) => [s.id, s] as const));
  const perPrompt = prompts.map((p) => {
    const s = byId.get(p.id);
    if (!s) return perPromptEmpty(p.id);
    const curve = s.curves[best.e] as number[];
    const f = gammaArgmin(curve);
    const g = toleranceGammas(curve, f.loss);
    const ci: Interval = [Math.min(...g), Math.max(...g)];
    const gHat = Math.min(GAMMA_RANGE.max, Math.max(GAMMA_RANGE.min, f.gamma));
    return {
      id: p.id,
      gamma: round(gHat),
      gammaCi: [round(ci[0]), round(ci[1])] as Interval,
      opennessImplied: gHat >= -1 ? round((1 - gHat) / 2) : null,
      identifiable: ci[1] - ci[0] <= IDENTIFIABLE_WIDTH,
      fitRmse: round(Math.sqrt(f.loss)),
    };
  });
  return {
    ...base,
    eps: bestEps,
    epsPlausible,
    gamma: round(gamma),
    gammaCi: [round(lo), round(hi)],
    identifiable,
    edge,
    inFamily,
    familyRmse: round(Math.sqrt(bias)),
    noiseRmse: round(Math.sqrt(meanNoise)),
    fitRmse: round(Math.sqrt(best.loss)),
    perPrompt,
    reason: findings.join(" "),
  };
}
