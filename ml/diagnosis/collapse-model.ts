/**
 * The model of collapse behind the verdict (docs/design.md, "The verdict (v3)"): each admitted
 * prompt's profile is the exact optimum at its own n, ties and eps, at an openness
 * θ_p = θ0 + (θ1 − θ0)·o_p with (θ0, θ1) in [0, 1]², plus noise. β = θ1 − θ0 is 0 under collapse,
 * 1 for the ideal, negative when inverted. The fit works on each prompt's loss curve over the
 * exact-target openness grid (ml/diagnosis/implied-openness.ts), so a fit costs a few hundred lookups per
 * distinct openness value, cheap enough for a bootstrap and a permutation test.
 */
import { gridMinimum, OPENNESS_GRID_STEP } from "./implied-openness";
import { mulberry32 } from "../rng";

export interface ModelPrompt {
  id: string;
  openness: number;
  /** Mean squared distance of the profile from its target at each grid openness (0, 0.01, …, 1). */
  curve: readonly number[];
  /** Prompts of equal response count and tie pattern share a stratum (the permutation test's). */
  stratum: string;
  /** Resampling unit of the bootstrap (a template when known, else the prompt). */
  cluster: string;
  group: "open" | "middle" | "closed";
}

export interface LineFit {
  theta0: number;
  theta1: number;
  beta: number;
  loss: number;
}

/** A curve's value at openness θ, linear between grid points. */
export function curveAt(curve: ArrayLike<number>, theta: number): number {
  const x = Math.min(1, Math.max(0, theta)) / OPENNESS_GRID_STEP;
  const i = Math.min(curve.length - 2, Math.floor(x));
  const f = x - i;
  return (curve[i] as number) * (1 - f) + (curve[i + 1] as number) * f;
}

type Aggregate = { o: number; curve: Float64Array }[];

/** Sums the curves of prompts with the same openness: a fit then costs one lookup per distinct value. */
function aggregate(prompts: readonly ModelPrompt[], openness: readonly number[], rows?: readonly number[]): Aggregate {
  const byValue = new Map<number, Float64Array>();
  const m = prompts[0]?.curve.length ?? 0;
  const picked = rows ?? prompts.map((_, i) => i);
  for (const k of picked) {
    const o = Math.round((openness[k] as number) * 1e6) / 1e6;
    let sum = byValue.get(o);
    if (!sum) {
      sum = new Float64Array(m);
      byValue.set(o, sum);
    }
    const c = (prompts[k] as ModelPrompt).curve;
    for (let i = 0; i < m; i++) sum[i]! += c[i] as number;
  }
  return [...byValue].map(([o, curve]) => ({ o, curve }));
}

function lineLoss(values: Aggregate, t0: number, t1: number): number {
  let s = 0;
  for (const v of values) s += curveAt(v.curve, t0 + (t1 - t0) * v.o);
  return s;
}

/** Least squares over (θ0, θ1) in [0, 1]²: a coarse grid, then two finer windows around the best. */
function fitAggregated(values: Aggregate, total: number): LineFit {
  if (values.every((v) => v.o === 0 || v.o === 1)) {
    // Tags at the ends only: θ0 and θ1 are each one group's own minimiser.
    const at = (o: number) => values.find((v) => v.o === o)?.curve;
    const c0 = at(0);
    const c1 = at(1);
    if (c0 && c1) {
      const f0 = curveArgmin(c0);
      const f1 = curveArgmin(c1);
      return {
        theta0: f0.theta,
        theta1: f1.theta,
        beta: f1.theta - f0.theta,
        loss: (f0.loss + f1.loss) / Math.max(1, total),
      };
    }
  }
  let best = { t0: 0, t1: 0, loss: Infinity };
  const search = (c0: number, c1: number, half: number, step: number) => {
    const from0 = Math.max(0, c0 - half);
    const from1 = Math.max(0, c1 - half);
    const to0 = Math.min(1, c0 + half);
    const to1 = Math.min(1, c1 + half);
    for (let t0 = from0; t0 <= to0 + 1e-12; t0 += step)
      for (let t1 = from1; t1 <= to1 + 1e-12; t1 += step) {
        const loss = lineLoss(values, t0, t1);
        if (loss < best.loss) best = { t0, t1, loss };
      }
  };
  search(0.5, 0.5, 0.5, 0.1);
  search(best.t0, best.t1, 0.1, 0.02);
  search(best.t0, best.t1, 0.02, 0.005);
  const theta0 = Math.min(1, Math.max(0, best.t0));
  const theta1 = Math.min(1, Math.max(0, best.t1));
  return { theta0, theta1, beta: theta1 - theta0, loss: best.loss / Math.max(1, total) };
}

/** The least-squares line over prompts (or over `rows` of them, repeats allowed), optionally with other tags. */
export function fitLine(
  prompts: readonly ModelPrompt[],
  openness?: readonly number[],
  rows?: readonly number[],
): LineFit {
  const tags = openness ?? prompts.map((p) => p.openness);
  return fitAggregated(aggregate(prompts, tags, rows), rows?.length ?? prompts.length);
}

/** The minimiser of a mean curve over the openness grid (clipped to [0, 1]): the β = 0 (collapsed) fit. */
export function curveArgmin(curve: ArrayLike<number>): { theta: number; loss: number; index: number } {
  const { index, x, loss } = gridMinimum(Array.from(curve));
  return { theta: Math.min(1, Math.max(0, x)), loss, index };
}

/** The mean of some curves (rows may repeat: a bootstrap draw). */
export function meanCurve(curves: readonly (readonly number[])[], rows?: readonly number[]): number[] {
  const picked = rows ?? curves.map((_, i) => i);
  const m = curves[0]?.length ?? 0;
  const out = new Array<number>(m).fill(0);
  for (const r of picked) {
    const c = curves[r] as readonly number[];
    for (let i = 0; i < m; i++) out[i]! += c[i] as number;
  }
  return out.map((x) => x / Math.max(1, picked.length));
}

function quantile(sorted: readonly number[], q: number): number {
  const x = q * (sorted.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  return (sorted[i] as number) * (1 - f) + (sorted[Math.min(sorted.length - 1, i + 1)] as number) * f;
}

/** Percentile interval of finite samples; null with fewer than 10. */
export function percentileInterval(samples: readonly number[], level: number): [number, number] | null {
  const s = samples.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length < 10) return null;
  return [quantile(s, (1 - level) / 2), quantile(s, 1 - (1 - level) / 2)];
}

/**
 * Bootstrap of the line fit: clusters resampled with replacement within each openness group, so
 * open and closed prompts stay present in every draw.
 */
export function bootstrapBeta(prompts: readonly ModelPrompt[], resamples: number, seed: number): number[] {
  const clusters = new Map<string, number[]>();
  prompts.forEach((p, i) => {
    const key = `${p.group}\u0000${p.cluster}`;
    const list = clusters.get(key);
    if (list) list.push(i);
    else clusters.set(key, [i]);
  });
  const byGroup = new Map<string, number[][]>();
  for (const [key, list] of clusters) {
    const g = key.split("\u0000")[0] as string;
    const lists = byGroup.get(g);
    if (lists) lists.push(list);
    else byGroup.set(g, [list]);
  }
  const tags = prompts.map((p) => p.openness);
  const rng = mulberry32(seed);
  const out: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const rows: number[] = [];
    for (const lists of byGroup.values())
      for (let k = 0; k < lists.length; k++)
        for (const i of lists[Math.floor(rng() * lists.length)] as number[]) rows.push(i);
    out.push(fitLine(prompts, tags, rows).beta);
  }
  return out;
}

/** ln of the number of distinct assignments of the tags within strata (a product of multinomials). */
export function logAssignments(prompts: readonly ModelPrompt[]): number {
  const lnFact = (n: number) => {
    let s = 0;
    for (let i = 2; i <= n; i++) s += Math.log(i);
    return s;
  };
  const strata = new Map<string, Map<number, number>>();
  for (const p of prompts) {
    const counts = strata.get(p.stratum) ?? new Map<number, number>();
    const o = Math.round(p.openness * 1e6) / 1e6;
    counts.set(o, (counts.get(o) ?? 0) + 1);
    strata.set(p.stratum, counts);
  }
  let total = 0;
  for (const counts of strata.values()) {
    const n = [...counts.values()].reduce((a, b) => a + b, 0);
    total += lnFact(n) - [...counts.values()].reduce((a, c) => a + lnFact(c), 0);
  }
  return total;
}

/**
 * One-sided permutation p-values of the fitted β: openness tags permuted among the prompts of each
 * stratum; p = (1 + permutations at least as extreme) / (1 + permutations).
 */
export function permutationBeta(
  prompts: readonly ModelPrompt[],
  observed: number,
  permutations: number,
  seed: number,
): { up: number; down: number } {
  const strata = new Map<string, number[]>();
  prompts.forEach((p, i) => strata.set(p.stratum, [...(strata.get(p.stratum) ?? []), i]));
  const rng = mulberry32(seed);
  const openness = prompts.map((p) => p.openness);
  let up = 0;
  let down = 0;
  for (let b = 0; b < permutations; b++) {
    const permuted = [...openness];
    for (const idx of strata.values()) {
      const vals = idx.map((i) => openness[i] as number);
      for (let k = vals.length - 1; k > 0; k--) {
        const j = Math.floor(rng() * (k + 1));
        [vals[k], vals[j]] = [vals[j] as number, vals[k] as number];
      }
      idx.forEach((i, k) => (permuted[i] = vals[k] as number));
    }
    const beta = fitLine(prompts, permuted).beta;
    // A tolerance of a grid step keeps a permutation equal to the observed one from counting as less extreme.
    if (beta >= observed - 1e-9) up++;
    if (beta <= observed + 1e-9) down++;
  }
  return { up: (1 + up) / (1 + permutations), down: (1 + down) / (1 + permutations) };
}

/**
 * One-sided sign-flip test of mean(x) > 0 for values symmetric around 0 under the null: exact over
 * all 2^k flips for k <= 11, else `draws` seeded flips.
 */
export function signFlipP(values: readonly number[], draws: number, seed: number): number {
  const k = values.length;
  if (k === 0) return 1;
  const observed = values.reduce((a, b) => a + b, 0);
  const tol = 1e-12 * (1 + values.reduce((a, b) => a + Math.abs(b), 0));
  if (k <= 11) {
    let atLeast = 0;
    for (let mask = 0; mask < 1 << k; mask++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += mask & (1 << i) ? -(values[i] as number) : (values[i] as number);
      if (s >= observed - tol) atLeast++;
    }
    return atLeast / (1 << k);
  }
  const rng = mulberry32(seed);
  let atLeast = 0;
  for (let b = 0; b < draws; b++) {
    let s = 0;
    for (const v of values) s += rng() < 0.5 ? -v : v;
    if (s >= observed - tol) atLeast++;
  }
  return (1 + atLeast) / (1 + draws);
}
