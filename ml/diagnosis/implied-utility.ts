/**
 * Implied utility: which Box-Cox exponent gamma, trained at the run's eps, would have produced
 * these reward profiles? Built on the implied-openness fit (ml/diagnosis/implied-openness.ts): the
 * conditioned utility's gamma is 1 - 2 * openness, so its loss curve over openness in [0, 1] is a
 * loss curve over gamma in [-1, 1] (log is 0, inverse -1, linear 1).
 *
 * - Per prompt: gamma-hat from the prompt's own fit, and the interval of gammas whose targets fit
 *   the profile about as well as the best one (loss within the best loss itself, or within
 *   LOSS_TOLERANCE, of the minimum): a target closer to the best than the profile itself is
 *   cannot be told apart from it.
 * - Per run, the effective utility: the gamma minimising the mean loss over all prompts, with the
 *   union of that same tolerance region and a seeded bootstrap interval over prompts.
 * - Identifiable only when the interval is narrow (IDENTIFIABLE_WIDTH); at n = 8 and eps 0.1 every
 *   gamma from about 0.9 to 1 gives the same two-point profile, so a linear run's interval is
 *   [~0.86, 1] and says so rather than claiming a precise value.
 */
import { impliedOpenness, impliedOpennessCurve, OPENNESS_GRID_STEP } from "./implied-openness";
import { mulberry32 } from "../rng";
import type { Interval } from "./verdict";

/** Mean squared profile distances below this are indistinguishable (RMS 0.01 on a 0..1 profile). */
export const LOSS_TOLERANCE = 1e-4;
/** A gamma interval wider than this says the profile does not pin the utility down. */
export const IDENTIFIABLE_WIDTH = 0.5;

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
  /** (1 - gamma) / 2: the openness whose optimum the profile matches. */
  opennessImplied: number | null;
  identifiable: boolean;
  /** Root mean squared distance between the profile and its best target. */
  fitRmse: number | null;
}

export interface EffectiveUtility {
  gamma: number | null;
  gammaCi: Interval | null;
  identifiable: boolean;
  /** Why the figure can or cannot be trusted, in one sentence. */
  reason: string;
  eps: number;
  /** Prompts with a shape (flat profiles and single responses carry none). */
  prompts: number;
  /** Root mean squared distance of the profiles from the effective utility's targets. */
  fitRmse: number | null;
  perPrompt: PromptUtility[];
}

const gammaOf = (openness: number) => 1 - 2 * openness;

/** The minimiser of a loss curve on the openness grid, refined by a parabola through its neighbours. */
function argmin(losses: readonly number[]): { openness: number; loss: number; index: number } {
  let best = 0;
  for (let i = 1; i < losses.length; i++) if ((losses[i] as number) < (losses[best] as number)) best = i;
  let o = best * OPENNESS_GRID_STEP;
  if (best > 0 && best < losses.length - 1) {
    const l0 = losses[best - 1] as number;
    const l1 = losses[best] as number;
    const l2 = losses[best + 1] as number;
    const c = l0 - 2 * l1 + l2;
    if (c > 0) o += (OPENNESS_GRID_STEP * (l0 - l2)) / (2 * c);
  }
  return { openness: Math.min(1, Math.max(0, o)), loss: losses[best] as number, index: best };
}

/** Gammas whose loss is within the tolerance of the minimum, as an interval (the region is one piece around a convex-ish minimum). */
function toleranceInterval(losses: readonly number[], min: number): Interval {
  const limit = min + Math.max(min, LOSS_TOLERANCE);
  let lo = Infinity;
  let hi = -Infinity;
  losses.forEach((l, i) => {
    if (l <= limit) {
      const g = gammaOf(i * OPENNESS_GRID_STEP);
      lo = Math.min(lo, g);
      hi = Math.max(hi, g);
    }
  });
  return [lo, hi];
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export function promptUtility(p: UtilityProfile, eps: number): { report: PromptUtility; curve: number[] | null } {
  const opts = { eps, ...(p.groups && p.groups.length > 1 ? { groups: p.groups } : {}) };
  const curve = impliedOpennessCurve(p.rewards, opts).map((x) => x.loss);
  const fit = impliedOpenness(p.rewards, opts);
  if (!curve.length || fit.openness === null)
    return {
      report: { id: p.id, gamma: null, gammaCi: null, opennessImplied: null, identifiable: false, fitRmse: null },
      curve: curve.length ? curve : null,
    };
  const ci = toleranceInterval(curve, fit.loss);
  return {
    report: {
      id: p.id,
      gamma: round(gammaOf(fit.openness)),
      gammaCi: [round(ci[0]), round(ci[1])],
      opennessImplied: round(fit.openness),
      identifiable: ci[1] - ci[0] <= IDENTIFIABLE_WIDTH,
      fitRmse: round(Math.sqrt(fit.loss)),
    },
    curve,
  };
}

export function impliedUtility(
  prompts: readonly UtilityProfile[],
  { eps, seed = 1, bootstrap = 200 }: { eps: number; seed?: number; bootstrap?: number },
): EffectiveUtility {
  const fits = prompts.map((p) => promptUtility(p, eps));
  const perPrompt = fits.map((f) => f.report);
  const curves = fits.flatMap((f) => (f.curve ? [f.curve] : []));
  const base = { eps, prompts: curves.length, perPrompt };
  if (!curves.length)
    return {
      ...base,
      gamma: null,
      gammaCi: null,
      identifiable: false,
      fitRmse: null,
      reason:
        "No prompt has a shape (every profile is flat or has one response): the rewards say nothing about the utility.",
    };
  const m = (curves[0] as number[]).length;
  const meanCurve = (rows: readonly number[]) => {
    const out = new Array<number>(m).fill(0);
    for (const r of rows) for (let i = 0; i < m; i++) out[i]! += (curves[r] as number[])[i] as number;
    return out.map((x) => x / rows.length);
  };
  const all = meanCurve(curves.map((_, i) => i));
  const best = argmin(all);
  const tolerance = toleranceInterval(all, best.loss);
  const rng = mulberry32(seed);
  const draws: number[] = [];
  for (let b = 0; b < bootstrap && curves.length > 1; b++)
    draws.push(gammaOf(argmin(meanCurve(curves.map(() => Math.floor(rng() * curves.length)))).openness));
  draws.sort((a, b) => a - b);
  const q = (p: number) => draws[Math.min(draws.length - 1, Math.max(0, Math.round(p * (draws.length - 1))))] as number;
  const lo = Math.min(tolerance[0], draws.length ? q(0.025) : tolerance[0]);
  const hi = Math.max(tolerance[1], draws.length ? q(0.975) : tolerance[1]);
  const gamma = gammaOf(best.openness);
  const width = hi - lo;
  const identifiable = width <= IDENTIFIABLE_WIDTH && curves.length >= 2;
  const reason =
    curves.length < 2
      ? "One prompt with a shape: too little to call an effective utility."
      : identifiable
        ? `gamma ${gamma.toFixed(2)} in [${lo.toFixed(2)}, ${hi.toFixed(2)}] (width ${width.toFixed(2)} <= ${IDENTIFIABLE_WIDTH}) from ${curves.length} prompts.`
        : `gamma ${gamma.toFixed(2)}, but every gamma in [${lo.toFixed(2)}, ${hi.toFixed(2)}] fits these ${curves.length} profiles about as well (width ${width.toFixed(2)} > ${IDENTIFIABLE_WIDTH}): not identifiable here.`;
  return {
    ...base,
    gamma: round(gamma),
    gammaCi: [round(lo), round(hi)],
    identifiable,
    fitRmse: round(Math.sqrt(best.loss)),
    reason,
  };
}
