import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../kernels/backend";
import { pairLoss } from "./loss";
import { forwardFast, forwardPlain, paramList } from "./model";
import { syntheticLengthDataset } from "../simulation/synthetic";
import type { TrainingPrompt } from "../types";
import { TrainingSession, denseInputRows, fillBatch, prepareData, trainConfigSchema } from ".";

/**
 * Fast paths (SIMD sparse kernel + custom-gradient dense layers; the fused head of one hidden
 * layer) vs plain tfjs autograd.
 */
/** Uneven data: 3 to 8 responses, ties, two annotations, a prompt without pairs, fractional openness. */
function unevenPrompts(): TrainingPrompt[] {
  const base = syntheticLengthDataset({ prompts: 12, seed: 3 });
  return base.map((p, i) => {
    const responses = p.responses.slice(0, 3 + (i % 6));
    const ids = responses.map((r) => r.id);
    const rankings: string[][][] =
      i === 4
        ? [[ids]]
        : [[[ids[0]!], ids.slice(1, 3), ...ids.slice(3).map((x) => [x])], [...ids].reverse().map((x) => [x])];
    return { ...p, openness: (i % 5) / 4, responses, rankings };
  });
}

async function compare(
  backend: "wasm" | "cpu",
  utility: "conditioned" | "logsigmoid" | "log",
  hiddenSizes = [32, 16],
  uneven = false,
  growHeap = false,
) {
  expect(await initBackend(backend)).toBe(backend);
  const prompts = uneven ? unevenPrompts() : syntheticLengthDataset({ prompts: 12, seed: 3 });
  const cfg = trainConfigSchema.parse({ utility, featureDim: 256, hiddenSizes, testShare: 0, seed: 5 });
  const data = prepareData(prompts, cfg);
  const s = new TrainingSession(data, cfg);
  try {
    if (growHeap) {
      // Grow the wasm heap after the session's tensors exist: typed-array views made before a
      // memory.grow are detached, so kernels must not hold on to any.
      const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
      const before = memory.buffer.byteLength;
      const big = tf.zeros([before / 4 + (16 << 20)]);
      expect(memory.buffer.byteLength).toBeGreaterThan(before);
      big.dispose();
      for (let i = 0; i < 3; i++) s.step(); // SIMD spmm, JS fallback kernels and fused Adam after the grow
    }
    const b = fillBatch(data, [0, 3, 4, 5, 7, 11]);
    const vars = paramList(s.params);
    const fast = tf.tidy(() => {
      const t = s.batchTensors(b);
      const { value, grads } = tf.variableGrads(() => s.batchLoss(t), vars);
      return { loss: value.dataSync()[0] as number, grads: vars.map((v) => (grads[v.name] as tf.Tensor).arraySync()) };
    });
    const plain = tf.tidy(() => {
      const t = s.batchTensors(b);
      const promptOfRow = Array.from(b.rowIds, (_, r) => b.promptIds[Math.floor(r / data.nMax)] as number);
      const x = tf.tensor2d(denseInputRows(data, Array.from(b.rowIds), promptOfRow), [
        b.rowIds.length,
        data.input.nCols,
      ]);
      const f = () => {
        const scores = forwardPlain(s.params, x);
        const r = tf.sigmoid(tf.reshape(scores, [t.B, data.nMax])) as tf.Tensor2D;
        return pairLoss(r, t.weights, t.gamma, cfg.utility, cfg.eps, t.nWeighted);
      };
      const { value, grads } = tf.variableGrads(f, vars);
      return { loss: value.dataSync()[0] as number, grads: vars.map((v) => (grads[v.name] as tf.Tensor).arraySync()) };
    });
    // The fused head (head.ts), for models with at most one hidden layer: what step() runs.
    const deeper = hiddenSizes.length > 1;
    expect(tf.tidy(() => s.fusedLossAndGrads(b) === null)).toBe(deeper);
    const fused = deeper
      ? null
      : tf.tidy(() => {
          const r = s.fusedLossAndGrads(b)!;
          return { loss: r.loss, grads: r.grads.map((g) => g.arraySync()) };
        });
    for (const got of fused ? [fast, fused] : [fast]) {
      expect(Math.abs(got.loss - plain.loss)).toBeLessThan(1e-4);
      let maxGrad = 0;
      got.grads.forEach((g, i) => {
        const a = [g].flat(2) as number[];
        const p = [plain.grads[i]].flat(2) as number[];
        expect(a.length).toBe(p.length);
        a.forEach((x, k) => {
          expect(Math.abs(x - (p[k] as number))).toBeLessThan(1e-4);
          maxGrad = Math.max(maxGrad, Math.abs(x));
        });
      });
      expect(maxGrad).toBeGreaterThan(1e-3); // the comparison is not vacuous
    }
  } finally {
    s.dispose();
  }
}

describe("fast path equals plain tfjs autograd", () => {
  it("wasm backend, conditioned", async () => compare("wasm", "conditioned"));
  it("wasm backend, logsigmoid", async () => compare("wasm", "logsigmoid"));
  it("cpu backend, conditioned", async () => compare("cpu", "conditioned"));
  it("cpu backend, logsigmoid, one hidden layer, uneven (fused head on cpu)", async () =>
    compare("cpu", "logsigmoid", [16], true));
  it("wasm backend, logsigmoid, one hidden layer, uneven (fused head)", async () =>
    compare("wasm", "logsigmoid", [32], true));
  it("wasm backend, log, hidden size without a 32-float SIMD block (unroll-1 SIMD kernel)", async () =>
    compare("wasm", "log", [12]));
  it("wasm backend, hidden size not a multiple of 4 (JS kernel fallback)", async () =>
    compare("wasm", "conditioned", [10, 6], true));
  it("wasm backend, hidden size a multiple of 4 only", async () => compare("wasm", "conditioned", [20]));
  it("wasm backend, uneven response counts (padding), ties, several annotations", async () =>
    compare("wasm", "conditioned", [32], true));
  it("wasm backend after the heap grew (SIMD and JS-fallback kernels)", async () => {
    await compare("wasm", "conditioned", [32, 16], true, true);
    await compare("wasm", "conditioned", [10, 6], true, true);
  });
  it("wasm backend, linear model (no hidden layer)", async () => compare("wasm", "conditioned", [], true));
  it("forwardFast of the padding row is the bias path only", async () => {
    await initBackend("wasm");
    const prompts = syntheticLengthDataset({ prompts: 2, seed: 1 });
    const cfg = trainConfigSchema.parse({ featureDim: 64, hiddenSizes: [8], testShare: 0 });
    const data = prepareData(prompts, cfg);
    const s = new TrainingSession(data, cfg);
    const [a, b] = tf.tidy(() => {
      const pad = forwardFast(s.params, s.csr, tf.tensor1d([data.fm.nRows], "int32"), {
        prompts: s.pcsr,
        promptIds: tf.tensor1d([prompts.length], "int32"),
        n: 1,
      });
      const ref = forwardPlain(s.params, tf.zeros([1, data.input.nCols]) as tf.Tensor2D);
      return [pad.dataSync()[0], ref.dataSync()[0]];
    });
    expect(a).toBeCloseTo(b as number, 6);
    s.dispose();
  });
});
