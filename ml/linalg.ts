/**
 * Dense symmetric positive-definite solves on row-major Float64Arrays, shared by the theory solver's
 * Newton steps and the ridge regressions: a lower Cholesky factor in place and its two triangular
 * solves.
 */

/**
 * Lower Cholesky factor of the symmetric n x n matrix `a`, in place (the upper triangle is zeroed).
 * A pivot at or below zero means `a` is not positive definite: without `minPivot` the factor stops
 * and returns false; with it, the pivot is raised to `minPivot` and the factor goes on (the ridge
 * systems, positive definite by construction, only lose positivity to rounding).
 */
export function cholesky(a: Float64Array, n: number, minPivot?: number): boolean {
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j] as number;
    for (let p = 0; p < j; p++) s -= (a[j * n + p] as number) ** 2;
    if (minPivot !== undefined) s = Math.max(s, minPivot);
    else if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j] as number;
      for (let p = 0; p < j; p++) t -= (a[i * n + p] as number) * (a[j * n + p] as number);
      a[i * n + j] = t / l;
    }
    for (let p = j + 1; p < n; p++) a[j * n + p] = 0;
  }
  return true;
}

/** Solves L z = b in place (forward substitution), L the lower factor; starts at row `from`, where b's non-zeros begin. */
export function solveLower(l: Float64Array, n: number, b: Float64Array, from = 0): void {
  for (let i = from; i < n; i++) {
    let s = b[i] as number;
    for (let k = from; k < i; k++) s -= (l[i * n + k] as number) * (b[k] as number);
    b[i] = s / (l[i * n + i] as number);
  }
}

/** Solves L' x = z in place (backward substitution), L the lower factor. */
export function solveLowerTransposed(l: Float64Array, n: number, b: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (b[k] as number);
    b[i] = s / (l[i * n + i] as number);
  }
}

/** x = A^-1 b from A's lower Cholesky factor L (b is left as it is). */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  solveLower(l, n, x);
  solveLowerTransposed(l, n, x);
  return x;
}
