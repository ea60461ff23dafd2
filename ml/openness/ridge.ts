/**
 * Bayesian ridge regression on sparse rows, solved exactly (Cholesky of X'X + lambda I), so each
 * prediction comes with its own standard error: prompts unlike anything seen in training get a
 * wide one. Small dimensions only (hundreds): the openness estimators use it on hashed prompt
 * words and on a handful of ranking features.
 */
import { cholesky, choleskySolve, solveLower } from "../linalg";

export interface SparseRow {
  idx: ArrayLike<number>;
  val: ArrayLike<number>;
}

export interface RidgeFit {
  dim: number;
  lambda: number;
  intercept: number;
  weights: Float64Array;
  /** Residual variance of the training targets (leave-one-out), the noise the model cannot explain. */
  noiseVar: number;
  /** Each training row's leave-one-out residual. */
  looResiduals: Float64Array;
  /** Lower Cholesky factor of X'X + lambda I (with the intercept column: dim + 1 square), row-major. */
  chol: Float64Array;
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

/** x' (X'X + lambda I)^-1 x: how far a row is from the training rows, in units of 1 / lambda. */
export function leverage(fit: RidgeFit, plain: SparseRow): number {
  const row = withBias(plain, fit.dim);
  const d = fit.dim + 1;
  const z = new Float64Array(d);
  for (let k = 0; k < row.idx.length; k++)
    z[row.idx[k] as number] = (z[row.idx[k] as number] as number) + (row.val[k] as number);
  // Rows are sparse: start the forward solve at the first non-zero.
  let first = d;
  for (let k = 0; k < row.idx.length; k++) first = Math.min(first, row.idx[k] as number);
  solveLower(fit.chol, d, z, first);
  let q = 0;
  for (let i = first; i < d; i++) q += (z[i] as number) ** 2;
  return q;
}

export function fitRidge(plainRows: readonly SparseRow[], y: readonly number[], dim: number, lambda: number): RidgeFit {
  if (plainRows.length !== y.length) throw new Error("ridge: rows and targets differ in length");
  const rows = plainRows.map((r) => withBias(r, dim));
  const n = rows.length;
  const intercept = n ? y.reduce((a, b) => a + b, 0) / n : 0;
  const d = dim + 1;
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const row = rows[r] as SparseRow;
    const t = (y[r] as number) - intercept;
    for (let p = 0; p < row.idx.length; p++) {
      const i = row.idx[p] as number;
      const vi = row.val[p] as number;
      b[i] = (b[i] as number) + vi * t;
      for (let q = 0; q < row.idx.length; q++) {
        const j = row.idx[q] as number;
        if (j <= i) a[i * d + j] = (a[i * d + j] as number) + vi * (row.val[q] as number);
      }
    }
  }
  for (let i = 0; i < d; i++) {
    a[i * d + i] = (a[i * d + i] as number) + (i === dim ? BIAS_PENALTY : lambda);
    for (let j = 0; j < i; j++) a[j * d + i] = a[i * d + j] as number;
  }
  cholesky(a, d, 1e-12);
  const w = choleskySolve(a, d, b);
  const fit: RidgeFit = { dim, lambda, intercept, weights: w, noiseVar: 0, looResiduals: new Float64Array(n), chol: a };
  // Leave-one-out residuals of ridge in closed form: e_i / (1 - h_i), h_i = x_i' A^-1 x_i.
  let ss = 0;
  for (let r = 0; r < n; r++) {
    const row = rows[r] as SparseRow;
    const h = Math.min(0.99, leverage(fit, plainRows[r] as SparseRow));
    const e = ((y[r] as number) - intercept - dot(row, w)) / (1 - h);
    fit.looResiduals[r] = e;
    ss += e * e;
  }
  fit.noiseVar = n > 1 ? ss / n : 0;
  return fit;
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
  let best: RidgeFit | null = null;
  for (const lambda of [...grid].sort((a, b) => b - a)) {
    const fit = fitRidge(rows, y, dim, lambda);
    if (!best || fit.noiseVar < best.noiseVar - 1e-12) best = fit;
  }
  if (!best) throw new Error("ridge: empty lambda grid");
  return best;
}
