/**
 * Implied openness: the openness whose n-point optimum (the conditioned utility's exact target at
 * the run's eps, with the prompt's tie groups) best fits a reward profile. It turns a profile into
 * a number on the openness scale, so a reward model's behaviour can be compared with the tagged
 * openness by regression (docs/design.md, "Tracking"). The fit minimises the mean squared distance
 * between the sorted, min-max normalised profile and the target, over openness in [0, 1]: a grid of
 * exact targets (memoised per n, eps and ties) and a parabola through the best grid point and its
 * neighbours.
 *
 * Not every profile says something about openness: with two tie groups every target is the same
 * two-point law, and a flat profile has no shape. `identifiable` is false then, and `openness` null.
 */
import { isFlat, misfit, profile as profileOf } from "./metrics";
import { optimalRewards } from "./theory";

export interface OpennessFitOptions {
  /** The utility's smoothing, as in training (the trainer's default is 0.1; 0 is the paper's theory). */
  eps: number;
  /** Tie-group sizes, best first, summing to the profile's length; default: no ties. */
  groups?: readonly number[];
}

export interface OpennessFitPoint {
  openness: number;
  /** Mean squared distance between the profile and this openness's target. */
  loss: number;
}

export interface ImpliedOpenness {
  /** The best-fitting openness in [0, 1]; null when the profile cannot tell (see `identifiable`). */
  openness: number | null;
  /** Mean squared distance at the fit. */
  loss: number;
  /** Mean absolute distance (W1 between the two n-point laws) at the fit. */
  misfit: number;
  /**
   * W1 distance between the openness-0 and openness-1 targets for this n, eps and ties: how far
   * openness can move a target at all. Below IDENTIFIABLE_RANGE the fit is not identifiable.
   */
  range: number;
  identifiable: boolean;
  /** The fit sits at 0 or 1: the profile is at least as peaked (spread) as openness 0 (1) allows. */
  atBoundary: boolean;
}

/** Grid step of the openness fit (exact targets at every step; a parabola refines between). */
export const OPENNESS_GRID_STEP = 0.01;
/** Minimum W1 between the openness-0 and openness-1 targets for an implied openness to mean anything. */
export const IDENTIFIABLE_RANGE = 0.02;

export interface OpennessTargetGrid {
  openness: number[];
  targets: number[][];
  range: number;
}

const gridMemo = new Map<string, OpennessTargetGrid>();

/** The exact targets at every grid openness for n responses, eps and tie groups (memoised). */
export function opennessTargetGrid(n: number, opts: OpennessFitOptions): OpennessTargetGrid {
  const groups = opts.groups && opts.groups.length > 0 ? [...opts.groups] : undefined;
  const key = JSON.stringify([n, opts.eps, groups ?? null]);
  const hit = gridMemo.get(key);
  if (hit) return hit;
  const steps = Math.round(1 / OPENNESS_GRID_STEP);
  const openness = Array.from({ length: steps + 1 }, (_, i) => i / steps);
  const targets = openness.map((o) =>
    optimalRewards({ utility: "conditioned", n, openness: o, eps: opts.eps, groups }),
  );
  const range = misfit(targets[0] as number[], targets[steps] as number[]);
  const grid = { openness, targets, range };
  if (gridMemo.size > 2000) gridMemo.clear();
  gridMemo.set(key, grid);
  return grid;
}

function meanSq(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += ((a[k] as number) - (b[k] as number)) ** 2;
  return a.length > 0 ? s / a.length : 0;
}

/** Sorted descending and min-max normalised (the fit works on shapes, not on reward scales). */
function normalised(rewards: readonly number[]): number[] | null {
  return isFlat(rewards) ? null : profileOf(rewards);
}

/** The fit's loss at every grid openness (for intervals and plots); empty for a flat profile. */
export function impliedOpennessCurve(profile: readonly number[], opts: OpennessFitOptions): OpennessFitPoint[] {
  const p = normalised(profile);
  if (!p || p.length < 2) return [];
  const grid = opennessTargetGrid(p.length, opts);
  return grid.openness.map((o, i) => ({ openness: o, loss: meanSq(p, grid.targets[i] as number[]) }));
}

/**
 * The minimum of a loss curve over an even grid (index i is start + i * step; by default the
 * openness grid), refined to the vertex of the parabola through the best point and its neighbours.
 * Shared by the implied-openness and implied-utility fits.
 */
export function gridMinimum(
  losses: readonly number[],
  grid: { start: number; step: number } = { start: 0, step: OPENNESS_GRID_STEP },
): { index: number; x: number; loss: number } {
  let best = 0;
  for (let i = 1; i < losses.length; i++) if ((losses[i] as number) < (losses[best] as number)) best = i;
  let x = grid.start + best * grid.step;
  if (best > 0 && best < losses.length - 1) {
    const l0 = losses[best - 1] as number;
    const l1 = losses[best] as number;
    const l2 = losses[best + 1] as number;
    const curvature = l0 - 2 * l1 + l2;
    if (curvature > 0) x += (grid.step * (l0 - l2)) / (2 * curvature);
  }
  return { index: best, x, loss: losses[best] as number };
}

/** The implied openness of one profile (any order; it is sorted and normalised here). */
export function impliedOpenness(profile: readonly number[], opts: OpennessFitOptions): ImpliedOpenness {
  const p = normalised(profile);
  if (!p || p.length < 2)
    return { openness: null, loss: NaN, misfit: NaN, range: 0, identifiable: false, atBoundary: false };
  const grid = opennessTargetGrid(p.length, opts);
  const losses = grid.targets.map((t) => meanSq(p, t));
  const { index: best, x, loss } = gridMinimum(losses);
  const openness = Math.min(1, Math.max(0, x));
  const target = grid.targets[best] as number[];
  const identifiable = grid.range >= IDENTIFIABLE_RANGE;
  return {
    openness: identifiable ? openness : null,
    loss,
    misfit: misfit(p, target),
    range: grid.range,
    identifiable,
    atBoundary: identifiable && (best === 0 || best === losses.length - 1),
  };
}
