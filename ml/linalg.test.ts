import { describe, expect, it } from "vitest";
import { cholesky, choleskySolve, solveLower } from "./linalg";
import { mulberry32 } from "./rng";

/** A random symmetric positive-definite n x n matrix: M M' + n I. */
function spd(n: number, seed: number): Float64Array {
  const rng = mulberry32(seed);
  const m = Array.from({ length: n * n }, () => rng() * 2 - 1);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += (m[i * n + k] as number) * (m[j * n + k] as number);
      a[i * n + j] = s;
    }
  return a;
}

function times(a: Float64Array, n: number, x: Float64Array): number[] {
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += (a[i * n + j] as number) * (x[j] as number);
    return s;
  });
}

describe("linalg", () => {
  it("solves A x = b for random positive-definite systems (1 to 12 unknowns)", () => {
    for (let n = 1; n <= 12; n++) {
      const a = spd(n, n);
      const l = Float64Array.from(a);
      expect(cholesky(l, n)).toBe(true);
      const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i + n));
      const x = choleskySolve(l, n, b);
      times(a, n, x).forEach((v, i) => expect(v).toBeCloseTo(b[i] as number, 10));
    }
  });

  it("leaves a lower factor whose L L' is A, upper triangle zero", () => {
    const n = 5;
    const a = spd(n, 42);
    const l = Float64Array.from(a);
    cholesky(l, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j > i) expect(l[i * n + j]).toBe(0);
        let s = 0;
        for (let k = 0; k < n; k++) s += (l[i * n + k] as number) * (l[j * n + k] as number);
        expect(s).toBeCloseTo(a[i * n + j] as number, 10);
      }
  });

  it("refuses an indefinite or singular matrix unless a minimum pivot is given", () => {
    const indefinite = Float64Array.from([1, 2, 2, 1]);
    expect(cholesky(Float64Array.from(indefinite), 2)).toBe(false);
    expect(cholesky(Float64Array.from([1, 1, 1, 1]), 2)).toBe(false);
    const clamped = Float64Array.from([1, 1, 1, 1]);
    expect(cholesky(clamped, 2, 1e-12)).toBe(true);
    expect(clamped[3]).toBeCloseTo(1e-6, 12);
  });

  it("a forward solve started at the first non-zero equals the full one", () => {
    const n = 6;
    const l = spd(n, 7);
    cholesky(l, n);
    const b = Float64Array.from([0, 0, 0, 1.5, -2, 0.25]);
    const full = Float64Array.from(b);
    solveLower(l, n, full);
    const skipped = Float64Array.from(b);
    solveLower(l, n, skipped, 3);
    expect([...skipped]).toEqual([...full]);
  });
});
