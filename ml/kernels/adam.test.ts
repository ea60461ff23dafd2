import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { FusedAdam } from "./adam";

/** PyTorch's Adam, written out in float64 as the reference. */
function reference(p0: number[], grads: number[][], lr: number): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, t) => {
    const bc1 = 1 - 0.9 ** (t + 1);
    const bc2 = 1 - 0.999 ** (t + 1);
    p.forEach((_, j) => {
      m[j] = 0.9 * m[j]! + 0.1 * g[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * g[j]! ** 2;
      p[j] = p[j]! - ((lr / bc1) * m[j]!) / (Math.sqrt(v[j]!) / Math.sqrt(bc2) + 1e-8);
    });
  });
  return p;
}

describe("fused Adam", () => {
  it("a matMul weight updated through the tfjs path is seen by the next matMul (no stale XNNPACK cache)", async () => {
    await initBackend("wasm");
    const w = tf.variable(tf.ones([8, 4]));
    const x = tf.ones([1, 8]);
    expect(Array.from(tf.matMul(x, w).dataSync())).toEqual([8, 8, 8, 8]);
    const opt = new FusedAdam([w], 0.1, 0.9, 0.999, 1e-8, [false]);
    tf.tidy(() => opt.apply([tf.ones([8, 4])]));
    const after = tf.matMul(x, w).dataSync();
    expect(after[0]).toBeCloseTo(8 * 0.9, 4);
    opt.dispose();
    w.dispose();
    x.dispose();
  });

  for (const [backend, inPlace] of [
    ["wasm", true],
    ["wasm", false],
    ["cpu", true],
  ] as const) {
    it(`matches PyTorch's update rule on ${backend}, ${inPlace ? "in place" : "into a new tensor"} (sizes with and without a SIMD tail)`, async () => {
      expect(await initBackend(backend)).toBe(backend);
      for (const n of [8, 7, 1]) {
        const p0 = Array.from({ length: n }, (_, j) => Math.sin(j + 1));
        const grads = Array.from({ length: 5 }, (_, t) => p0.map((_, j) => Math.cos(3 * j + t) * (t + 1)));
        const before = tf.memory().numTensors;
        const pv = tf.variable(tf.tensor1d(p0));
        const opt = new FusedAdam([pv], 0.01, 0.9, 0.999, 1e-8, [inPlace]);
        for (const g of grads) tf.tidy(() => opt.apply([tf.tensor1d(g)]));
        const got = Array.from(pv.dataSync());
        reference(p0, grads, 0.01).forEach((x, j) => expect(Math.abs((got[j] as number) - x)).toBeLessThan(1e-5));
        expect(Math.abs((got[0] as number) - (p0[0] as number))).toBeGreaterThan(1e-3);
        opt.dispose();
        pv.dispose();
        expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 1); // tensor1d(p0) was copied into the variable
      }
    });
  }
});
