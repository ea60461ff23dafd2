/**
 * The theory solver: the exact n-point optimum of
 *   maximize sum_{i<j} U(r_i - r_j)  subject to  1 >= r_1 >= ... >= r_n >= 0
 * (Song et al., "Reward Collapse", DESIGN §1). With U increasing the optimum has r_1 = 1 and
 * r_n = 0, so it is a point of the simplex of the n - 1 gaps g_k = r_k - r_{k+1}; the objective
 * is concave there and exponentiated-gradient (mirror) ascent with backtracking converges to it.
 */
import { type UtilityName, type UtilityParams, utility, utilityDerivative } from "./utility";

export interface OptimalRewardsOptions {
  utility: UtilityName;
  n: number;
  openness?: number;
  gamma?: number;
  /** Smoothing of the utility; default 0 (the exact utility, as in the paper's theory). */
  eps?: number;
  /** Iteration cap (default 20000). */
  maxIter?: number;
}

function rewardsFromGaps(g: Float64Array): number[] {
  const n = g.length + 1;
  const r = new Array<number>(n).fill(0);
  for (let k = n - 2; k >= 0; k--) r[k] = (r[k + 1] as number) + (g[k] as number);
  return r;
}

function objective(g: Float64Array, U: (x: number) => number): number {
  const r = rewardsFromGaps(g);
  let f = 0;
  for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) f += U((r[i] as number) - (r[j] as number));
  return f;
}

/** Gradient over gaps: dF/dg_k = sum_{i <= k < j} U'(r_i - r_j). */
function gradient(g: Float64Array, dU: (x: number) => number): Float64Array {
  const r = rewardsFromGaps(g);
  const n = r.length;
  const grad = new Float64Array(n - 1);
  // prefix trick: for each pair (i, j), add dU to gaps i..j-1 via a difference array
  const diff = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = dU((r[i] as number) - (r[j] as number));
      diff[i] = (diff[i] as number) + d;
      diff[j] = (diff[j] as number) - d;
    }
  }
  let acc = 0;
  for (let k = 0; k < n - 1; k++) {
    acc += diff[k] as number;
    grad[k] = acc;
  }
  return grad;
}

const memo = new Map<string, number[]>();

/** The optimal rewards, best first (r_1 = 1 ... r_n = 0). */
export function optimalRewards(opts: OptimalRewardsOptions): number[] {
  const n = Math.round(opts.n);
  if (!(n >= 2 && n <= 512)) throw new Error(`n must be an integer in [2, 512], got ${opts.n}`);
  const p: UtilityParams = { openness: opts.openness, gamma: opts.gamma, eps: opts.eps ?? 0 };
  const key = JSON.stringify([opts.utility, n, p.openness, p.gamma, p.eps, opts.maxIter]);
  const hit = memo.get(key);
  if (hit) return [...hit];
  const U = (x: number) => utility(opts.utility, x, p);
  const dU = (x: number) => utilityDerivative(opts.utility, x, p);
  let g = new Float64Array(n - 1).fill(1 / (n - 1));
  let f = objective(g, U);
  let eta = 1;
  const maxIter = opts.maxIter ?? 20000;
  for (let it = 0; it < maxIter; it++) {
    const grad = gradient(g, dU);
    let scale = 0;
    for (const v of grad) scale = Math.max(scale, Math.abs(v));
    if (!(scale > 0) || !Number.isFinite(scale)) break;
    // Mirror step; backtrack while the objective does not improve.
    let accepted = false;
    for (let tries = 0; tries < 40; tries++) {
      const next = new Float64Array(n - 1);
      let mean = 0;
      for (let k = 0; k < n - 1; k++) mean += grad[k] as number;
      mean /= n - 1;
      let sum = 0;
      for (let k = 0; k < n - 1; k++) {
        const v = (g[k] as number) * Math.exp((eta * ((grad[k] as number) - mean)) / scale);
        next[k] = v;
        sum += v;
      }
      for (let k = 0; k < n - 1; k++) next[k] = Math.max((next[k] as number) / sum, 1e-300);
      const fn = objective(next, U);
      if (fn >= f) {
        const change = Math.abs(fn - f);
        g = next;
        f = fn;
        eta = Math.min(eta * 1.5, 64);
        accepted = true;
        if (change < 1e-15 * Math.max(1, Math.abs(f)) && it > 50) it = maxIter;
        break;
      }
      eta /= 2;
    }
    if (!accepted) break;
  }
  const r = rewardsFromGaps(g).map((x) => Math.min(1, Math.max(0, x)));
  memo.set(key, r);
  return [...r];
}
