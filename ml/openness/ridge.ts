/**
 * Bayesian ridge regression on sparse rows, solved exactly, so each prediction comes with its own
 * standard error: prompts unlike anything seen in training get a wide one. Small dimensions only
 * (hundreds): the openness estimators use it on hashed prompt words and on a handful of ranking
 * features. The system is factored in whichever space is smaller: the features' (Cholesky of
 * X'X + D, D the diagonal penalty) when there are at least as many rows as features, else the
 * rows' (Cholesky of I + X D^-1 X', by the Woodbury identity), so a dataset with a few dozen
 * tagged prompts does not factor the whole hashed-feature square for every lambda of the grid. Both
 * give the same fit.
 */
import { cholesky, choleskySolve, solveLower } from "../linalg";

export interface SparseRow {
  idx: ArrayLike<number>;
  val: ArrayLike<number>;
}

/** The factored system: X'X + D over the features (dim + 1 square), or I + X D^-1 X' over the training rows. */
type RidgeFactor =
  { space: "features"; chol: Float64Array } | { space: "rows"; chol: Float64Array; rows: readonly SparseRow[] };

export interface RidgeFit {
  dim: number;
  lambda: number;
  intercept: number;
  weights: Float64Array;
  /** Residual variance of the training targets (leave-one-out), the noise the model cannot explain. */
  noiseVar: number;
  /** Each training row's leave-one-out residual. */
  looResiduals: Float64Array;
  /** Lower Cholesky factor of the system, in the smaller space, row-major. */
  factor: RidgeFactor;
}

/** Every row also holds a constant 1 at index `dim`: the intercept, barely penalised. */
const BIAS_PENALTY = 1e-3;

function withBias(row: SparseRow, dim: number): SparseRow {
  return { idx: [...Array.from(row.idx), dim], val: [...Array.from(row.val), 1] };
}

function dot(row: SparseRow, w: Float64Array): number {
  let s = 0;
  for (let k = 0; k < row.idx.length; k++) s += (w[row.idx[k] as number] as number) * (row.val[k] as number);
  return s;
}

/** The row as a dense vector over `dim` (repeated indices add up). */
function dense(row: SparseRow, dim: number): Float64Array {
  const z = new Float64Array(dim);
  for (let k = 0; k < row.idx.length; k++)
    z[row.idx[k] as number] = (z[row.idx[k] as number] as number) + (row.val[k] as number);
  return z;
}

/** x' (X'X + D)^-1 x with x the row and its bias: how far a row is from the training rows, in units of 1 / lambda. */
export function leverage(fit: RidgeFit, plain: SparseRow): number {
  const { factor, dim, lambda } = fit;
  if (factor.space === "rows") {
    // Woodbury: x'D^-1 x - u' (I + X D^-1 X')^-1 u, with u = X D^-1 x.
    const x = dense(plain, dim);
    const n = factor.rows.length;
    const u = new Float64Array(n);
    for (let r = 0; r < n; r++) u[r] = dot(factor.rows[r] as SparseRow, x) / lambda + 1 / BIAS_PENALTY;
    solveLower(factor.chol, n, u);
    let q = 0;
    for (let r = 0; r < n; r++) q += (u[r] as number) ** 2;
    let xx = 0;
    for (let i = 0; i < dim; i++) xx += (x[i] as number) ** 2;
    return xx / lambda + 1 / BIAS_PENALTY - q;
  }
  const row = withBias(plain, dim);
  const d = dim + 1;
  const z = dense(row, d);
  // Rows are sparse: start the forward solve at the first non-zero.
  let first = d;
  for (let k = 0; k < row.idx.length; k++) first = Math.min(first, row.idx[k] as number);
  solveLower(factor.chol, d, z, first);
  let q = 0;
  for (let i = first; i < d; i++) q += (z[i] as number) ** 2;
  return q;
}

/** What a fit needs that does not depend on lambda, computed once for a whole lambda grid. */
interface RidgeProblem {
  dim: number;
  plainRows: readonly SparseRow[];
  y: readonly number[];
  intercept: number;
  /** Centred targets. */
  t: Float64Array;
  /** Features' space: the lower triangle of X'X (bias column included) and X't. */
  gram?: { xx: Float64Array; xt: Float64Array };
  /** Rows' space: the plain rows' dot products (n square). */
  kernel?: Float64Array;
}

function ridgeProblem(plainRows: readonly SparseRow[], y: readonly number[], dim: number): RidgeProblem {
  if (plainRows.length !== y.length) throw new Error("ridge: rows and targets differ in length");
  const n = plainRows.length;
  const intercept = n ? y.reduce((a, b) => a + b, 0) / n : 0;
  const t = Float64Array.from(y, (v) => v - intercept);
  if (n <= dim) {
    const kernel = new Float64Array(n * n);
    for (let r = 0; r < n; r++) {
      const x = dense(plainRows[r] as SparseRow, dim);
      for (let s = 0; s <= r; s++) {
        const k = dot(plainRows[s] as SparseRow, x);
        kernel[r * n + s] = k;
        kernel[s * n + r] = k;
      }
    }
    return { dim, plainRows, y, intercept, t, kernel };
  }
  const d = dim + 1;
  const xx = new Float64Array(d * d);
  const xt = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const row = withBias(plainRows[r] as SparseRow, dim);
    for (let p = 0; p < row.idx.length; p++) {
      const i = row.idx[p] as number;
      const vi = row.val[p] as number;
      xt[i] = (xt[i] as number) + vi * (t[r] as number);
      for (let q = 0; q < row.idx.length; q++) {
        const j = row.idx[q] as number;
        if (j <= i) xx[i * d + j] = (xx[i * d + j] as number) + vi * (row.val[q] as number);
      }
    }
  }
  return { dim, plainRows, y, intercept, t, gram: { xx, xt } };
}

function solveRidge(problem: RidgeProblem, lambda: number): RidgeFit {
  const { dim, plainRows, y, intercept, t } = problem;
  const n = plainRows.length;
  const d = dim + 1;
  let factor: RidgeFactor;
  let weights: Float64Array;
  if (problem.kernel) {
    // I + X D^-1 X', and the weights D^-1 X' (I + X D^-1 X')^-1 t (the push-through identity).
    const m = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) m[i] = (problem.kernel[i] as number) / lambda + 1 / BIAS_PENALTY;
    for (let r = 0; r < n; r++) m[r * n + r] = (m[r * n + r] as number) + 1;
    cholesky(m, n, 1e-12);
    const alpha = choleskySolve(m, n, t);
    weights = new Float64Array(d);
    for (let r = 0; r < n; r++) {
      const row = plainRows[r] as SparseRow;
      const a = alpha[r] as number;
      for (let k = 0; k < row.idx.length; k++)
        weights[row.idx[k] as number] =
          (weights[row.idx[k] as number] as number) + ((row.val[k] as number) * a) / lambda;
      weights[dim] = (weights[dim] as number) + a / BIAS_PENALTY;
    }
    factor = { space: "rows", chol: m, rows: plainRows };
  } else {
    const { xx, xt } = problem.gram!;
    const a = Float64Array.from(xx);
    for (let i = 0; i < d; i++) a[i * d + i] = (a[i * d + i] as number) + (i === dim ? BIAS_PENALTY : lambda);
    // The factor reads the lower triangle only.
    cholesky(a, d, 1e-12);
    weights = choleskySolve(a, d, xt);
    factor = { space: "features", chol: a };
  }
  const fit: RidgeFit = { dim, lambda, intercept, weights, noiseVar: 0, looResiduals: new Float64Array(n), factor };
  // Leave-one-out residuals of ridge in closed form: e_i / (1 - h_i), h_i = x_i' A^-1 x_i.
  let ss = 0;
  for (let r = 0; r < n; r++) {
    const plain = plainRows[r] as SparseRow;
    const h = Math.min(0.99, leverage(fit, plain));
    const e = ((y[r] as number) - intercept - dot(withBias(plain, dim), weights)) / (1 - h);
    fit.looResiduals[r] = e;
    ss += e * e;
  }
  fit.noiseVar = n > 1 ? ss / n : 0;
  return fit;
}

export function fitRidge(plainRows: readonly SparseRow[], y: readonly number[], dim: number, lambda: number): RidgeFit {
  return solveRidge(ridgeProblem(plainRows, y, dim), lambda);
}

export interface RidgePrediction {
  mean: number;
  /** Standard error of the prediction: noise plus the uncertainty of the fit at this row. */
  sd: number;
}

export function predictRidge(fit: RidgeFit, row: SparseRow): RidgePrediction {
  const mean = fit.intercept + dot(withBias(row, fit.dim), fit.weights);
  // Posterior covariance noiseVar * A^-1 (prior w ~ N(0, noiseVar / lambda)).
  const sd = Math.sqrt(fit.noiseVar * (1 + leverage(fit, row)));
  return { mean, sd };
}

/** The lambda of `grid` with the smallest leave-one-out squared error (ties: the larger lambda). */
export function fitRidgeCv(
  rows: readonly SparseRow[],
  y: readonly number[],
  dim: number,
  grid: readonly number[] = [0.03, 0.1, 0.3, 1, 3, 10, 30],
): RidgeFit {
  const problem = ridgeProblem(rows, y, dim);
  let best: RidgeFit | null = null;
  for (const lambda of [...grid].sort((a, b) => b - a)) {
    const fit = solveRidge(problem, lambda);
    if (!best || fit.noiseVar < best.noiseVar - 1e-12) best = fit;
  }
  if (!best) throw new Error("ridge: empty lambda grid");
  return best;
}
