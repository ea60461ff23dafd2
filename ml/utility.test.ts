import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./kernels/backend";
import { UTILITY_NAMES, utility, utilityDerivative, utilityTensor, utilityGamma } from "./utility";

describe("utilities", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("has the documented values", () => {
    expect(utility("linear", 0.3)).toBeCloseTo(0.3, 12);
    expect(utility("log", 0.3, { eps: 0.1 })).toBeCloseTo(Math.log(4), 12);
    expect(utility("inverse", 0.4, { eps: 0.1 })).toBeCloseTo(10 - 2, 12);
    expect(utility("boxcox", 0.3, { gamma: 0.5, eps: 0.1 })).toBeCloseTo((Math.sqrt(0.4) - Math.sqrt(0.1)) / 0.5, 12);
    expect(utility("logsigmoid", 0)).toBeCloseTo(-Math.log(2), 12);
    expect(utility("logsigmoid", 0.25)).toBeCloseTo(Math.log(1 / (1 + Math.exp(-1))), 12);
    // exact (eps = 0) forms used by the theory
    expect(utility("log", 0.5, { eps: 0 })).toBeCloseTo(Math.log(0.5), 12);
    expect(utility("inverse", 0.5, { eps: 0 })).toBeCloseTo(-2, 12);
    // linear extension for x <= 0: slope eps^(g - 1)
    expect(utility("log", -0.2, { eps: 0.1 })).toBeCloseTo(-0.2 / 0.1, 12);
    expect(utility("inverse", -0.2, { eps: 0.1 })).toBeCloseTo(-0.2 / 0.01, 10);
  });

  it("conditioned is linear / log / inverse at openness 0 / 0.5 / 1, adaptive switches at 0.5", () => {
    for (const x of [-0.3, 0, 0.2, 0.9]) {
      expect(utility("conditioned", x, { openness: 0 })).toBeCloseTo(utility("linear", x), 10);
      expect(utility("conditioned", x, { openness: 0.5 })).toBeCloseTo(utility("log", x), 10);
      expect(utility("conditioned", x, { openness: 1 })).toBeCloseTo(utility("inverse", x), 10);
      expect(utility("adaptive", x, { openness: 0.49 })).toBeCloseTo(utility("linear", x), 10);
      expect(utility("adaptive", x, { openness: 0.5 })).toBeCloseTo(utility("inverse", x), 10);
    }
    expect(utilityGamma("conditioned", { openness: 0.25 })).toBeCloseTo(0.5, 12);
  });

  it("is continuous and C1 at 0 and continuous in gamma at 0", () => {
    const h = 1e-6;
    for (const name of UTILITY_NAMES) {
      for (const o of [0, 0.3, 0.5, 0.8, 1]) {
        const p = { openness: o, gamma: 0.7, eps: 0.1 };
        const u0 = utility(name, 0, p);
        expect(Math.abs(utility(name, h, p) - u0)).toBeLessThan(1e-4);
        expect(Math.abs(utility(name, -h, p) - u0)).toBeLessThan(1e-4);
        const right = (utility(name, h, p) - u0) / h;
        const left = (u0 - utility(name, -h, p)) / h;
        expect(Math.abs(right - left) / Math.max(1, Math.abs(left))).toBeLessThan(1e-3);
        expect(right).toBeCloseTo(utilityDerivative(name, 1e-12, p), 2);
      }
    }
    // Box-Cox tends to log as gamma -> 0
    expect(utility("boxcox", 0.3, { gamma: 1e-5 })).toBeCloseTo(utility("log", 0.3), 4);
  });

  it("takes an exponent within 1e-6 of 0 as 0: value and derivative are the log utility's, and its own derivative", () => {
    for (const eps of [0.01, 0.1, 0.5])
      for (const gamma of [-9.9e-7, -1e-7, 1e-7, 9.9e-7])
        for (const x of [-0.7, -1e-4, 0, 1e-7, 0.003, 0.5, 0.999]) {
          const p = { gamma, eps };
          expect(utility("boxcox", x, p)).toBe(utility("log", x, { eps }));
          expect(utilityDerivative("boxcox", x, p)).toBe(utilityDerivative("log", x, { eps }));
          const h = 1e-7;
          const slope = (utility("boxcox", x + h, p) - utility("boxcox", x - h, p)) / (2 * h);
          if (Math.abs(x) > h) expect(Math.abs(slope / utilityDerivative("boxcox", x, p) - 1)).toBeLessThan(1e-6);
        }
    // Just outside, the power branch with its own exponent, within a relative |g log(x + eps)| of the log's.
    const outside = utilityDerivative("boxcox", 0.3, { gamma: 1.01e-6 });
    expect(outside).not.toBe(utilityDerivative("log", 0.3));
    expect(outside).toBeCloseTo(Math.exp((1.01e-6 - 1) * Math.log(0.4)), 12);
    const fused = tf.tidy(() => utilityTensor("boxcox", tf.tensor1d([-0.5, 0.3]), tf.scalar(5e-7), 0.1).dataSync());
    expect(fused[0]).toBeCloseTo(utility("log", -0.5), 4);
    expect(fused[1]).toBeCloseTo(utility("log", 0.3), 4);
  });

  it("is increasing and concave", () => {
    for (const name of UTILITY_NAMES) {
      let prev = -Infinity;
      let prevSlope = Infinity;
      for (let x = -0.5; x <= 1; x += 0.01) {
        const u = utility(name, x, { openness: 0.7, gamma: 0.3 });
        expect(u).toBeGreaterThan(prev);
        const s = utilityDerivative(name, x, { openness: 0.7, gamma: 0.3 });
        expect(s).toBeLessThanOrEqual(prevSlope + 1e-9);
        prev = u;
        prevSlope = s;
      }
    }
  });

  it("tensor version equals the scalar version", () => {
    const xs = [-0.5, -0.1, 0, 0.05, 0.3, 0.99];
    for (const name of UTILITY_NAMES) {
      for (const o of [0, 0.25, 0.5, 0.75, 1]) {
        const g = utilityGamma(name, { openness: o, gamma: -0.4 }) ?? 0;
        const got = tf.tidy(() => utilityTensor(name, tf.tensor1d(xs), tf.scalar(g), 0.1).dataSync());
        xs.forEach((x, i) => expect(got[i]).toBeCloseTo(utility(name, x, { openness: o, gamma: -0.4, eps: 0.1 }), 4));
      }
    }
  });
});
