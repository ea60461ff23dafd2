import { describe, expect, it } from "vitest";
import { optimalRewards } from "./theory";

const TABLE: Record<string, number[]> = {
  linear: [1, 1, 1, 1, 0, 0, 0, 0],
  log: [1, 0.9359, 0.7959, 0.6046, 0.3954, 0.2041, 0.0641, 0],
  inverse: [1, 0.8792, 0.7334, 0.5787, 0.4213, 0.2666, 0.1208, 0],
};

describe("theory solver", () => {
  it("reproduces the n = 8 optima of DESIGN §1 to 1e-3", () => {
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

  it("is sorted with endpoints 1 and 0 for every utility and n from 2 to 64", () => {
    for (const n of [2, 3, 8, 17, 64]) {
      for (const u of ["linear", "log", "inverse", "logsigmoid", "conditioned", "adaptive", "boxcox"] as const) {
        const r = optimalRewards({ utility: u, n, openness: 0.8, gamma: 0.4, eps: u === "boxcox" ? 0.1 : 0 });
        expect(r).toHaveLength(n);
        expect(r[0]).toBeCloseTo(1, 6);
        expect(r[n - 1]).toBeCloseTo(0, 6);
        for (let k = 1; k < n; k++) expect(r[k] as number).toBeLessThanOrEqual((r[k - 1] as number) + 1e-12);
      }
    }
  });

  it("log optimum for large n approaches the arcsine law (Gauss-Lobatto nodes)", () => {
    const n = 64;
    const r = optimalRewards({ utility: "log", n });
    // Chebyshev-Lobatto approximation of the nodes: (1 + cos(pi k / (n - 1))) / 2
    for (let k = 0; k < n; k++)
      expect(Math.abs((r[k] as number) - (1 + Math.cos((Math.PI * k) / (n - 1))) / 2)).toBeLessThan(0.02);
  });
});
