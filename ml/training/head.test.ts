import { describe, expect, it } from "vitest";
import { simdKernels } from "../kernels/simd";
import { mulberry32 } from "../rng";
import type { UtilityName } from "../utility";
import { type HeadGrads, headGrads, headLossAndGrads } from "./head";
import { lossConstants } from "./loss";

/** The bits of every value of an array (float32 or float64), so +0 and -0 differ. */
const bits = (xs: Float32Array | Float64Array) =>
  Array.from(new Uint32Array(xs.buffer.slice(xs.byteOffset, xs.byteOffset + xs.byteLength)));

/**
 * A batch of B prompts of n rows: A with exact zeros, ties and negative pre-activations (pre = 0
 * exactly where A = -b1), prompt 1 without a weighted pair (its rows' dScores are zero), and a
 * negative and a zero output weight.
 */
function batch(B: number, n: number, H: number, seed: number) {
  const rng = mulberry32(seed);
  const b1 = Float32Array.from({ length: H }, () => Math.fround(rng() - 0.5));
  const A = Float32Array.from({ length: B * n * H }, (_, i) => {
    const j = i % H;
    if (i % 7 === 0) return 0;
    if (i % 11 === 0) return -(b1[j] as number);
    return Math.fround(3 * (rng() - 0.5));
  });
  const w = Float32Array.from({ length: H }, (_, j) => (j === 1 ? 0 : Math.fround(rng() - 0.5)));
  const weights = new Float32Array(B * n * n);
  let nWeighted = 0;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (b !== 1 && i !== j && rng() < 0.6) {
          weights[(b * n + i) * n + j] = Math.fround(0.5 + rng());
          nWeighted++;
        }
  const gamma = Float32Array.from({ length: B }, () => Math.fround(rng()));
  return { A, b1, w, b: 0.3, weights, nWeighted, gamma };
}

describe("the fused head's wasm passes", () => {
  for (const [H, utility] of [
    [4, "conditioned"],
    [32, "logsigmoid"],
    [128, "conditioned"],
  ] as [number, UtilityName][])
    it(`give the host loops' bits: loss, rewards, dScores and every gradient (H = ${H}, ${utility})`, () => {
      const B = 5;
      const n = 8;
      const R = B * n;
      const eps = 0.01;
      const x = batch(B, n, H, H);
      const c = lossConstants(x.gamma, eps);
      const headBatch = { B, n, weights: x.weights, nWeighted: x.nWeighted };

      const host = headGrads(R, H);
      const hostLoss = headLossAndGrads(
        x.A,
        H,
        { b1: x.b1, out: { w: x.w, b: x.b } },
        headBatch,
        c,
        utility,
        eps,
        host,
      );

      // The same inputs and buffers, as views of one memory, holding stale values to overwrite.
      const memory = new WebAssembly.Memory({ initial: 4 });
      let top = 64;
      const place = <T extends Float32Array | Float64Array>(make: (buffer: ArrayBuffer, at: number) => T): T => {
        const view = make(memory.buffer, top);
        view.fill(7);
        top += 64 * Math.ceil(view.byteLength / 64);
        return view;
      };
      const f32 = (length: number) => place((buffer, at) => new Float32Array(buffer, at, length));
      const f64 = (length: number) => place((buffer, at) => new Float64Array(buffer, at, length));
      const A = f32(R * H);
      A.set(x.A);
      const b1 = f32(H);
      b1.set(x.b1);
      const w = f32(H);
      w.set(x.w);
      const heap: HeadGrads = {
        ...headGrads(0, H),
        dA: f32(R * H),
        rewards: f64(R),
        dScores: f64(R),
        sumB1: f64(H),
        sumW: f64(H),
      };
      const kernels = simdKernels(memory, H);
      expect(kernels).not.toBeNull();
      const heapLoss = headLossAndGrads(A, H, { b1, out: { w, b: x.b } }, headBatch, c, utility, eps, heap, kernels!);

      expect(Object.is(heapLoss, hostLoss)).toBe(true);
      for (const key of ["rewards", "dScores", "dA", "db1", "dw", "db", "sumB1", "sumW"] as const)
        expect(bits(heap[key]), key).toEqual(bits(host[key]));
      // The batch reaches every branch: rows without a gradient, and pre-activations on both sides of 0.
      expect(host.dScores.subarray(n, 2 * n).every((d) => d === 0)).toBe(true);
      expect(host.dScores.some((d) => d !== 0)).toBe(true);
      expect(host.dA.some((d) => d > 0) && host.dA.some((d) => d < 0)).toBe(true);
    });

  it("refuses arrays outside the kernels' memory", () => {
    const H = 4;
    const x = batch(1, 2, H, 1);
    const memory = new WebAssembly.Memory({ initial: 1 });
    expect(() =>
      headLossAndGrads(
        x.A,
        H,
        { b1: x.b1, out: { w: x.w, b: x.b } },
        { B: 1, n: 2, weights: x.weights, nWeighted: x.nWeighted },
        lossConstants(x.gamma, 0.01),
        "conditioned",
        0.01,
        headGrads(2, H),
        simdKernels(memory, H)!,
      ),
    ).toThrow(/views of one memory/);
  });
});
