/**
 * The theory solver: the exact optimum of
 *   maximize sum_{a<b} m_a m_b U(R_a - R_b)  subject to  1 >= R_1 >= ... >= R_G >= 0
 * over G reward levels with multiplicities m_a (one level per tie group; m_a = 1 without ties), the
 * problem of Song et al., "Reward Collapse" (docs/design.md). With U increasing the optimum has
 * R_1 = 1 and R_G = 0, so it is a point of the simplex of the G - 1 gaps g_k = R_k - R_{k+1}.
 *
 * Everything is computed from the gaps, never from differences of rewards: a pair's difference is a
 * sum of positive gaps, so nothing cancels when gaps are tiny (at openness 0.01 the optimal gaps
 * inside the two clusters are ~1e-23 for n = 16). The concave problem is solved by a primal barrier
 * method: Newton steps on F(g) + mu sum log g_k under sum g_k = 1, diagonally scaled by the gaps
 * (which makes the system well conditioned however small the gaps), mu driven to ~1e-15, where the
 * rewards are exact to ~1e-12. Convex utilities (Box-Cox gamma > 1) take the best vertex.
 */
import { cholesky, choleskySolve } from "../linalg";
import { type UtilityName, type UtilityParams, utilityGamma } from "../utility";

export interface OptimalRewardsOptions {
  utility: UtilityName;
  /** Number of responses (the sum of `groups` when it is given). */
  n: number;
  openness?: number;
  gamma?: number;
  /** Smoothing of the utility; default 0 (the exact utility, as in the paper's theory). */
  eps?: number;
  /**
   * Tie groups, best first, as their sizes (e.g. [1, 3, 4]): tied responses share one reward and only
   * strictly ordered pairs enter the objective. Default: n groups of one.
   */
  groups?: readonly number[];
}

/** U, U' and U'' for x >= 0 (x > 0 when eps = 0), for one utility and prompt. */
interface Kernel {
  u(x: number): number;
  du(x: number): number;
  d2u(x: number): number;
  /** Box-Cox exponent (null for logsigmoid). */
  gamma: number | null;
}

const GAMMA_ZERO = 1e-9;

function kernelOf(name: UtilityName, p: UtilityParams): Kernel {
  const eps = p.eps ?? 0;
  if (name === "logsigmoid") {
    const sig = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
    return {
      u: (x) => {
        const a = -4 * x; // -softplus(a)
        return -(a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a)));
      },
      du: (x) => 4 * sig(-4 * x),
      d2u: (x) => -16 * sig(4 * x) * sig(-4 * x),
      gamma: null,
    };
  }
  const g = utilityGamma(name, p) as number;
  const shift = (x: number) => Math.log(x + eps);
  const base = eps > 0 ? Math.log(eps) : 0;
  if (Math.abs(g) < GAMMA_ZERO)
    return {
      u: (x) => shift(x) - base,
      du: (x) => Math.exp(-shift(x)),
      d2u: (x) => -Math.exp(-2 * shift(x)),
      gamma: 0,
    };
  const c0 = eps > 0 ? Math.exp(g * base) : 0;
  return {
    u: (x) => (Math.exp(g * shift(x)) - c0) / g,
    du: (x) => Math.exp((g - 1) * shift(x)),
    d2u: (x) => (g === 1 ? 0 : (g - 1) * Math.exp((g - 2) * shift(x))),
    gamma: g,
  };
}

/** Pair weights m_a m_b of levels a < b, row-major G x G (upper triangle used). */
function pairWeightMatrix(m: readonly number[]): Float64Array {
  const G = m.length;
  const w = new Float64Array(G * G);
  for (let a = 0; a < G; a++) for (let b = a + 1; b < G; b++) w[a * G + b] = (m[a] as number) * (m[b] as number);
  return w;
}

interface Derivatives {
  f: number;
  grad: Float64Array;
  /** Hessian over gaps, (G-1) x (G-1), row-major (symmetric). */
  hess: Float64Array | null;
}

/**
 * Objective, gradient and Hessian over the gaps. Pair differences are running sums of gaps, and the
 * gradient / Hessian are accumulated from same-signed terms only (suffix sums, then prefix sums),
 * so a huge within-cluster term never cancels against another.
 */
function derivatives(gaps: Float64Array, w: Float64Array, G: number, k: Kernel, withHessian: boolean): Derivatives {
  const K = G - 1;
  let f = 0;
  const s1 = new Float64Array(G * G); // s1[a][b] = sum_{b' >= b} w U'(d_ab')
  const s2 = withHessian ? new Float64Array(G * G) : null;
  for (let a = 0; a < G; a++) {
    const d = new Float64Array(G);
    let acc = 0;
    for (let b = a + 1; b < G; b++) {
      acc += gaps[b - 1] as number;
      d[b] = acc;
    }
    let t1 = 0;
    let t2 = 0;
    for (let b = G - 1; b > a; b--) {
      const wt = w[a * G + b] as number;
      if (wt !== 0) {
        const x = d[b] as number;
        f += wt * k.u(x);
        t1 += wt * k.du(x);
        if (s2) t2 += wt * k.d2u(x);
      }
      s1[a * G + b] = t1;
      if (s2) s2[a * G + b] = t2;
    }
  }
  const grad = new Float64Array(K);
  // grad_k = sum_{a <= k} s1[a][k + 1]
  for (let kk = 0; kk < K; kk++) {
    let t = 0;
    for (let a = 0; a <= kk; a++) t += s1[a * G + kk + 1] as number;
    grad[kk] = t;
  }
  let hess: Float64Array | null = null;
  if (s2) {
    hess = new Float64Array(K * K);
    // H_kl (k <= l) = sum_{a <= k} s2[a][l + 1]: running column sums over a
    const col = new Float64Array(G);
    for (let kk = 0; kk < K; kk++) {
      for (let c = kk + 1; c < G; c++) col[c] = (col[c] as number) + (s2[kk * G + c] as number);
      for (let l = kk; l < K; l++) {
        const v = col[l + 1] as number;
        hess[kk * K + l] = v;
        hess[l * K + kk] = v;
      }
    }
  }
  return { f, grad, hess };
}

function barrierValue(gaps: Float64Array, w: Float64Array, G: number, k: Kernel, mu: number): number {
  let b = 0;
  for (const g of gaps) b += Math.log(g);
  return derivatives(gaps, w, G, k, false).f + mu * b;
}

/** Concave case: barrier Newton on the simplex of gaps. */
function solveConcave(w: Float64Array, G: number, k: Kernel): Float64Array {
  const K = G - 1;
  let gaps = new Float64Array(K).fill(1 / K);
  if (K === 1) return gaps;
  const first = derivatives(gaps, w, G, k, false);
  let scale = 0;
  for (let i = 0; i < K; i++) scale += ((gaps[i] as number) * (first.grad[i] as number)) / K;
  scale = Math.max(Math.abs(scale), 1e-300);
  let mu = 0.1 * scale;
  const muEnd = 1e-15 * scale;
  for (let outer = 0; outer < 40; outer++) {
    for (let it = 0; it < 100; it++) {
      const d = derivatives(gaps, w, G, k, true);
      const H = d.hess as Float64Array;
      // A = -(D H D) + mu I, b = D grad + mu, c = gaps (the scaled constraint)
      const A = new Float64Array(K * K);
      for (let i = 0; i < K; i++)
        for (let j = 0; j < K; j++)
          A[i * K + j] = -(gaps[i] as number) * (H[i * K + j] as number) * (gaps[j] as number) + (i === j ? mu : 0);
      const b = new Float64Array(K);
      for (let i = 0; i < K; i++) b[i] = (gaps[i] as number) * (d.grad[i] as number) + mu;
      if (!cholesky(A, K)) throw new Error("theory: the barrier system is not positive definite");
      const y1 = choleskySolve(A, K, b);
      const y2 = choleskySolve(A, K, gaps);
      let cy1 = 0;
      let cy2 = 0;
      for (let i = 0; i < K; i++) {
        cy1 += (gaps[i] as number) * (y1[i] as number);
        cy2 += (gaps[i] as number) * (y2[i] as number);
      }
      const nu = -cy1 / cy2;
      const y = new Float64Array(K);
      let dec = 0; // Newton decrement squared: y' A y = y' (b + nu c) = y' b (c'y = 0)
      let most = 0;
      for (let i = 0; i < K; i++) {
        y[i] = (y1[i] as number) + nu * (y2[i] as number);
        dec += (y[i] as number) * (b[i] as number);
        most = Math.max(most, -(y[i] as number));
      }
      const tol = mu <= muEnd ? 1e-24 * scale : 1e-6 * scale;
      if (!(dec > tol)) break;
      let t = most > 0 ? Math.min(1, 0.95 / most) : 1;
      const phi0 = barrierValue(gaps, w, G, k, mu);
      let next = gaps;
      for (let tries = 0; tries < 60; tries++) {
        const cand = new Float64Array(K);
        let sum = 0;
        for (let i = 0; i < K; i++) {
          cand[i] = (gaps[i] as number) * (1 + t * (y[i] as number));
          sum += cand[i] as number;
        }
        for (let i = 0; i < K; i++) cand[i] = (cand[i] as number) / sum;
        const phi = barrierValue(cand, w, G, k, mu);
        // Near the optimum the objective's change drowns in rounding: accept a small full step.
        if (phi >= phi0 + 0.25 * t * dec || (t === 1 && dec < 1e-12 * scale)) {
          next = cand;
          break;
        }
        t /= 2;
      }
      if (next === gaps) break;
      gaps = next;
      if (dec < (mu <= muEnd ? 1e-20 : 1e-7) * scale) break;
    }
    if (mu <= muEnd) break;
    mu = Math.max(muEnd, mu * 0.01);
  }
  return gaps;
}

/** Convex case (Box-Cox gamma > 1): the best vertex of the simplex (first on ties). */
function solveConvex(w: Float64Array, G: number, k: Kernel): Float64Array {
  const K = G - 1;
  let best = -Infinity;
  let at = 0;
  for (let v = 0; v < K; v++) {
    const gaps = new Float64Array(K);
    gaps[v] = 1;
    const f = derivatives(gaps, w, G, k, false).f;
    if (best === -Infinity || f > best + 1e-12 * Math.abs(best)) {
      best = f;
      at = v;
    }
  }
  const gaps = new Float64Array(K);
  gaps[at] = 1;
  return gaps;
}

/** Levels from gaps, summed from the bottom (R_G = 0) so that small gaps keep their precision. */
function levelsFromGaps(gaps: Float64Array): number[] {
  const G = gaps.length + 1;
  const r = new Array<number>(G).fill(0);
  for (let a = G - 2; a >= 0; a--) r[a] = (r[a + 1] as number) + (gaps[a] as number);
  const top = r[0] as number;
  return r.map((x) => Math.min(1, Math.max(0, x / top)));
}

/** The optimal gaps between tie-group levels (length groups - 1), computed in gap space. */
export function optimalGaps(opts: OptimalRewardsOptions): Float64Array {
  const m = groupSizes(opts);
  const G = m.length;
  if (G < 2) return new Float64Array(0);
  const p: UtilityParams = { openness: opts.openness, gamma: opts.gamma, eps: opts.eps ?? 0 };
  if (!((p.eps as number) >= 0)) throw new Error(`eps must be >= 0, got ${p.eps}`);
  const k = kernelOf(opts.utility, p);
  const w = pairWeightMatrix(m);
  return k.gamma !== null && k.gamma > 1 ? solveConvex(w, G, k) : solveConcave(w, G, k);
}

function groupSizes(opts: OptimalRewardsOptions): number[] {
  const n = Math.round(opts.n);
  if (!(n >= 1 && n <= 512)) throw new Error(`n must be an integer in [1, 512], got ${opts.n}`);
  if (!opts.groups) return new Array<number>(n).fill(1);
  const m = opts.groups.filter((s) => s > 0);
  if (!m.every((s) => Number.isInteger(s)) || m.reduce((a, b) => a + b, 0) !== n)
    throw new Error(`groups must be positive integers summing to n = ${n}, got [${opts.groups.join(", ")}]`);
  return m;
}

const memo = new Map<string, number[]>();

/**
 * The optimal rewards, best first (r_1 = 1 ... r_n = 0): each tie group's level repeated for its
 * members. A single group (or n = 1) has no pair to order: all 0.5.
 */
export function optimalRewards(opts: OptimalRewardsOptions): number[] {
  const m = groupSizes(opts);
  const eps = opts.eps ?? 0;
  const key = JSON.stringify([opts.utility, m, opts.openness, opts.gamma, eps]);
  const hit = memo.get(key);
  if (hit) return [...hit];
  let r: number[];
  if (m.length < 2) r = new Array<number>(Math.round(opts.n)).fill(0.5);
  else {
    const levels = levelsFromGaps(optimalGaps({ ...opts, eps }));
    r = m.flatMap((size, a) => new Array<number>(size).fill(levels[a] as number));
  }
  if (memo.size > 50_000) memo.clear();
  memo.set(key, r);
  return [...r];
}
