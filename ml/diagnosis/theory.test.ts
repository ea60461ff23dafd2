import { describe, expect, it } from "vitest";
import { optimalGaps, optimalRewards } from "./theory";

const TABLE: Record<string, number[]> = {
  linear: [1, 1, 1, 1, 0, 0, 0, 0],
  log: [1, 0.9359, 0.7959, 0.6046, 0.3954, 0.2041, 0.0641, 0],
  inverse: [1, 0.8792, 0.7334, 0.5787, 0.4213, 0.2666, 0.1208, 0],
};

/**
 * An independent second method for the exact Box-Cox utility (eps = 0, gamma < 1): the sum-to-one
 * constraint is eliminated through the middle gap (the largest one), g_m = 1 - sum of the others,
 * and damped Newton runs on the other n - 2 gaps from equal gaps, in gap-scaled coordinates with the
 * fraction-to-boundary rule; a step is kept when it raises the objective or, where tiny gaps move it
 * below its rounding, lowers the worst relative KKT residual max_k |dF/dg_k / dF/dg_m - 1|. No
 * barrier, Gaussian elimination instead of Cholesky, and the crossing sums accumulated in the other
 * order (columns, then rows) from the solver under test.
 */
function eliminationReference(gamma: number, n: number): number[] {
  const K = n - 1;
  if (K === 1) return [1, 0];
  const m = Math.floor((K - 1) / 2); // the middle gap (the lower of two middles)
  const free = Array.from({ length: K }, (_, k) => k).filter((k) => k !== m);
  const F = (g: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = i + 1; j < n; j++) {
        d += g[j - 1] as number;
        f += Math.abs(gamma) < 1e-12 ? Math.log(d) : Math.pow(d, gamma) / gamma;
      }
    }
    return f;
  };
  /** out[k][l] = sum_{i <= k, j > l} table[i][j] (k <= l): column sums over i, then over j. */
  const crossing = (table: Float64Array): Float64Array => {
    const col = new Float64Array(n * n);
    for (let j = 1; j < n; j++) {
      let t = 0;
      for (let i = 0; i < j; i++) {
        t += table[i * n + j] as number;
        col[i * n + j] = t;
      }
    }
    const out = new Float64Array(K * K);
    for (let k = 0; k < K; k++) {
      let t = 0;
      for (let j = n - 1; j > k; j--) {
        t += col[k * n + j] as number;
        out[k * K + j - 1] = t;
        out[(j - 1) * K + k] = t;
      }
    }
    return out;
  };
  const tables = (g: Float64Array) => {
    const du = new Float64Array(n * n);
    const d2u = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      let d = 0;
      for (let j = i + 1; j < n; j++) {
        d += g[j - 1] as number;
        du[i * n + j] = Math.pow(d, gamma - 1);
        d2u[i * n + j] = (gamma - 1) * Math.pow(d, gamma - 2);
      }
    }
    return { grad: crossing(du), hess: crossing(d2u) };
  };
  const residual = (g: Float64Array): number => {
    const t = tables(g).grad;
    const gm = t[m * K + m] as number;
    let worst = 0;
    for (let k = 0; k < K; k++) worst = Math.max(worst, Math.abs((t[k * K + k] as number) / gm - 1));
    return worst;
  };
  let g = new Float64Array(K).fill(1 / K);
  const R = free.length;
  for (let it = 0; it < 3000; it++) {
    const { grad, hess } = tables(g);
    const gm = grad[m * K + m] as number;
    // reduced coordinates x_k (k free), g_m = 1 - sum x; scaled step: dx_k = g_k y_k
    const A = new Float64Array(R * R);
    const b = new Float64Array(R);
    free.forEach((k, a) => {
      b[a] = (g[k] as number) * ((grad[k * K + k] as number) - gm);
      free.forEach((l, c) => {
        const h =
          (hess[k * K + l] as number) -
          (hess[k * K + m] as number) -
          (hess[m * K + l] as number) +
          (hess[m * K + m] as number);
        A[a * R + c] = -(g[k] as number) * h * (g[l] as number);
      });
    });
    const rhs = Float64Array.from(b);
    for (let col = 0; col < R; col++) {
      let piv = col;
      for (let r = col + 1; r < R; r++)
        if (Math.abs(A[r * R + col] as number) > Math.abs(A[piv * R + col] as number)) piv = r;
      if (piv !== col) {
        for (let q = 0; q < R; q++)
          [A[col * R + q], A[piv * R + q]] = [A[piv * R + q] as number, A[col * R + q] as number];
        [rhs[col], rhs[piv]] = [rhs[piv] as number, rhs[col] as number];
      }
      for (let r = col + 1; r < R; r++) {
        const f = (A[r * R + col] as number) / (A[col * R + col] as number);
        if (f === 0) continue;
        for (let q = col; q < R; q++) A[r * R + q] = (A[r * R + q] as number) - f * (A[col * R + q] as number);
        rhs[r] = (rhs[r] as number) - f * (rhs[col] as number);
      }
    }
    const y = new Float64Array(R);
    for (let r = R - 1; r >= 0; r--) {
      let t = rhs[r] as number;
      for (let q = r + 1; q < R; q++) t -= (A[r * R + q] as number) * (y[q] as number);
      y[r] = t / (A[r * R + r] as number);
    }
    let slope = 0;
    let dm = 0; // change of the middle gap per unit step
    let t = 1;
    free.forEach((k, a) => {
      slope += (y[a] as number) * (b[a] as number);
      dm -= (g[k] as number) * (y[a] as number);
      if ((y[a] as number) < 0) t = Math.min(t, 0.9 / -(y[a] as number));
    });
    if (dm < 0) t = Math.min(t, (0.9 * (g[m] as number)) / -dm);
    const rho0 = residual(g);
    if (rho0 < 1e-13) break;
    const f0 = F(g);
    let next = g;
    for (let tries = 0; tries < 80; tries++) {
      const cand = Float64Array.from(g);
      free.forEach((k, a) => (cand[k] = (g[k] as number) * (1 + t * (y[a] as number))));
      cand[m] = (g[m] as number) + t * dm;
      const fc = F(cand);
      const flat = Math.abs(fc - f0) <= 1e-12 * Math.abs(f0);
      if (fc >= f0 + 1e-4 * t * slope || (flat && residual(cand) < rho0)) {
        next = cand;
        break;
      }
      t /= 2;
    }
    if (next === g) break;
    g = next;
  }
  const total = g.reduce((a, x) => a + x, 0);
  const r = new Array<number>(n).fill(0);
  for (let k = n - 2; k >= 0; k--) r[k] = (r[k + 1] as number) + (g[k] as number) / total;
  return r;
}

function maxDiff(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((x, k) => Math.abs(x - (b[k] as number))));
}

describe("theory solver", () => {
  it("reproduces the n = 8 optima of docs/design.md to 1e-3", () => {
    for (const [u, want] of Object.entries(TABLE)) {
      const got = optimalRewards({ utility: u as "linear" | "log" | "inverse", n: 8 });
      want.forEach((w, k) => expect(Math.abs((got[k] as number) - w)).toBeLessThan(1e-3));
    }
  });

  it("conditioned at openness 0 / 0.5 / 1 gives the linear / log / inverse optimum", () => {
    const pairs: [number, string][] = [
      [0, "linear"],
      [0.5, "log"],
      [1, "inverse"],
    ];
    for (const [o, u] of pairs) {
      const got = optimalRewards({ utility: "conditioned", n: 8, openness: o });
      (TABLE[u] as number[]).forEach((w, k) => expect(Math.abs((got[k] as number) - w)).toBeLessThan(1e-3));
    }
  });

  it("agrees with an independent method to 1e-6 for openness 0.01 to 1 and n 2 to 64", () => {
    for (const n of [2, 3, 5, 8, 16, 33, 64])
      for (const o of [0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1]) {
        const got = optimalRewards({ utility: "conditioned", n, openness: o });
        const ref = eliminationReference(1 - 2 * o, n);
        expect(maxDiff(got, ref), `n ${n}, openness ${o}`).toBeLessThan(1e-6);
      }
  });

  it("agrees with the independent method at n 128 (low and middle openness) and 512 (middle and full)", () => {
    for (const [n, o] of [
      [128, 0.02],
      [128, 0.5],
      [512, 0.5],
      [512, 1],
    ] as const) {
      const got = optimalRewards({ utility: "conditioned", n, openness: o });
      const ref = eliminationReference(1 - 2 * o, n);
      expect(maxDiff(got, ref), `n ${n}, openness ${o}`).toBeLessThan(1e-6);
    }
  }, 300_000);

  it("the cases that used to stop early (openness 0.02 at n 16, 0.1 at n 64) are finite and exact", () => {
    for (const [n, o] of [
      [16, 0.02],
      [64, 0.1],
    ] as const) {
      const gaps = optimalGaps({ utility: "conditioned", n, openness: o });
      expect(gaps.every((g) => g > 0 && Number.isFinite(g))).toBe(true);
      const r = optimalRewards({ utility: "conditioned", n, openness: o });
      expect(maxDiff(r, eliminationReference(1 - 2 * o, n))).toBeLessThan(1e-6);
    }
    // the old solver's answer at openness 0.02, n 16 was 0.19 away from this
    const r = optimalRewards({ utility: "conditioned", n: 16, openness: 0.02 });
    expect(r[6]).toBeGreaterThan(0.9999);
    expect(r[7]).toBeCloseTo(0.96586, 4);
  });

  it("ties: tied responses share one level and only ordered pairs count", () => {
    // two tie groups: every utility puts them at 1 and 0
    expect(optimalRewards({ utility: "conditioned", n: 8, openness: 1, eps: 0.1, groups: [4, 4] })).toEqual([
      1, 1, 1, 1, 0, 0, 0, 0,
    ]);
    // singleton groups are the untied problem
    expect(
      maxDiff(
        optimalRewards({ utility: "log", n: 8, groups: [1, 1, 1, 1, 1, 1, 1, 1] }),
        optimalRewards({ utility: "log", n: 8 }),
      ),
    ).toBeLessThan(1e-12);
    const r = optimalRewards({ utility: "conditioned", n: 6, openness: 1, eps: 0.1, groups: [1, 2, 3] });
    expect(r[1]).toBe(r[2]);
    expect(r[3]).toBe(r[5]);
    expect(r[0]).toBe(1);
    expect(r[5]).toBe(0);
    expect(() => optimalRewards({ utility: "log", n: 8, groups: [3, 3] })).toThrow(/sum/);
    expect(optimalRewards({ utility: "log", n: 3, groups: [3] })).toEqual([0.5, 0.5, 0.5]);
  });

  it("is sorted with endpoints 1 and 0 for every utility, eps 0 and 0.1, and n from 2 to 17", () => {
    for (const n of [2, 3, 8, 17]) {
      for (const u of ["linear", "log", "inverse", "logsigmoid", "conditioned", "adaptive", "boxcox"] as const) {
        for (const eps of [0, 0.1]) {
          const r = optimalRewards({ utility: u, n, openness: 0.8, gamma: 0.4, eps });
          expect(r).toHaveLength(n);
          expect(r[0]).toBeCloseTo(1, 9);
          expect(r[n - 1]).toBeCloseTo(0, 9);
          for (let k = 1; k < n; k++) expect(r[k] as number).toBeLessThanOrEqual((r[k - 1] as number) + 1e-12);
        }
      }
    }
  });

  it("convex Box-Cox (gamma > 1) takes the two-point vertex; linear at odd n is the symmetric limit", () => {
    expect(optimalRewards({ utility: "boxcox", gamma: 3, n: 8 })).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    const three = optimalRewards({ utility: "linear", n: 3 });
    expect(maxDiff(three, [1, 0.5, 0])).toBeLessThan(1e-6);
  });

  it("log optimum for large n approaches the arcsine law (Gauss-Lobatto nodes)", () => {
    const n = 64;
    const r = optimalRewards({ utility: "log", n });
    for (let k = 0; k < n; k++)
      expect(Math.abs((r[k] as number) - (1 + Math.cos((Math.PI * k) / (n - 1))) / 2)).toBeLessThan(0.02);
  });
});
