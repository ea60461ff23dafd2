/** A model bound to prepared data: its CSR tensors, parameters, optimizer, batches and evaluation. */
import * as tf from "@tensorflow/tfjs";
import { type AdamGradient, FusedAdam } from "../kernels/adam";
import type { FeatureMatrix } from "./features";
import { type LossConstants, lossConstants, lossConstantTensors, pairAccuracy, pairLossFused } from "./loss";
import { type HeadGrads, headGrads, headLossAndGrads } from "./head";
import { type ModelParams, disposeParams, forwardFast, initParams, paramList } from "./model";
import { mulberry32, shuffleInPlace } from "../rng";
import {
  type AdamInPlace,
  type CsrTensors,
  canFuseAdam,
  sharedSpmm,
  sharedSpmmT,
  sharedSpmmTAdam,
} from "../kernels/sparse";
import { tensorView, wasmMemory, wasmOffset } from "../kernels/host-view";
import { type SimdKernels, simdKernels } from "../kernels/simd";
import { type BatchBuffers, type BatchTensors, fillBatch } from "./batch";
import type { TrainConfig } from "./config";
import type { PreparedData } from "./data";

/** A model bound to prepared data: owns the CSR tensors, parameters and the optimizer. */
export class TrainingSession {
  readonly csr: CsrTensors;
  /** Prompt parts of the input, one CSR row per prompt (plus an empty padding row). */
  readonly pcsr: CsrTensors;
  readonly params: ModelParams;
  readonly optimizer: FusedAdam;
  private readonly vars: tf.Variable[];
  private buf: BatchBuffers | undefined;
  /** Host buffers of the fused head's step (see head.ts); null when the model is deeper. */
  private head: { grads: HeadGrads; consts: LossConstants | undefined } | null;
  /**
   * On the wasm backend, the head's buffers on the heap, where its kernels run the passes over A:
   * dA [R, H] (which the weight gradient then reads where it is) and the float64 scratch
   * (rewards, dScores: R each; sumB1, sumW: H each).
   */
  private headHeap: { dA: tf.Tensor2D; scratch: tf.Tensor1D; out: Pick<HeadGrads, "db1" | "dw" | "db"> } | null = null;
  private readonly rng: () => number;
  private order: number[];
  private pos = 0;

  constructor(
    readonly data: PreparedData,
    readonly cfg: TrainConfig,
  ) {
    const x = data.input;
    this.csr = {
      rowptr: tf.tensor1d(x.rowptr, "int32"),
      idx: tf.tensor1d(x.idx, "int32"),
      val: tf.tensor1d(x.val, "float32"),
      nRows: x.nRows,
      nCols: x.nCols,
    };
    const pr = data.fm.prompts as NonNullable<FeatureMatrix["prompts"]>;
    this.pcsr = {
      rowptr: tf.tensor1d(pr.rowptr, "int32"),
      idx: tf.tensor1d(pr.idx, "int32"),
      val: tf.tensor1d(pr.val, "float32"),
      nRows: pr.nRows,
      nCols: x.nCols,
    };
    this.params = initParams(data.spec, cfg.seed);
    this.vars = paramList(this.params);
    // w1 (read only by the sparse kernels) and biases may be updated in place; matMul weights not.
    const matMulWeights = new Set<tf.Variable>(this.params.layers.map((l) => l.w));
    this.optimizer = new FusedAdam(
      this.vars,
      cfg.learningRate,
      0.9,
      0.999,
      1e-8,
      this.vars.map((v) => !matMulWeights.has(v)),
    );
    // One hidden layer (the default) or none: the step runs the head and the loss fused on the
    // host; deeper models go through tfjs autograd.
    this.head = this.params.layers.length <= 1 ? { grads: headGrads(0, 0), consts: undefined } : null;
    this.rng = mulberry32(cfg.seed ^ 0xba7c);
    this.order = shuffleInPlace([...data.train], this.rng);
  }

  get batchSize(): number {
    return Math.min(this.cfg.batchPrompts, this.data.train.length);
  }

  nextBatch(): number[] {
    const B = this.batchSize;
    if (this.pos + B > this.order.length) {
      shuffleInPlace(this.order, this.rng);
      this.pos = 0;
    }
    const out = this.order.slice(this.pos, this.pos + B);
    this.pos += B;
    return out;
  }

  /**
   * Batch tensors (create them in the caller's tidy, outside the function that is differentiated:
   * tfjs disposes tensors created inside the forward pass before the backward pass runs).
   */
  batchTensors(b: BatchBuffers): BatchTensors {
    const n = this.data.nMax;
    return {
      rowIds: tf.tensor1d(b.rowIds, "int32"),
      promptIds: tf.tensor1d(b.promptIds, "int32"),
      weights: tf.tensor3d(b.weights, [b.B, n, n]),
      gamma: tf.tensor3d(b.gamma, [b.B, 1, 1]),
      consts: lossConstantTensors(lossConstants(b.gamma, this.cfg.eps)),
      B: b.B,
      nWeighted: b.nWeighted,
    };
  }

  /** The loss of a batch as a scalar tensor (fast path: sparse kernel, fused loss). */
  batchLoss(t: BatchTensors): tf.Scalar {
    const scores = forwardFast(this.params, this.csr, t.rowIds, {
      prompts: this.pcsr,
      promptIds: t.promptIds,
      n: this.data.nMax,
    });
    return pairLossFused(scores, t.B, this.data.nMax, t.weights, t.consts, this.cfg.utility, this.cfg.eps, t.nWeighted);
  }

  /**
   * One Adam step on the next batch; returns the loss. `mark`, when given, is called after each
   * phase of the step with the phase's name (the bench times them).
   */
  step(mark?: (phase: string) => void): number {
    this.buf = fillBatch(this.data, this.nextBatch(), this.buf);
    mark?.("batch");
    const b = this.buf;
    return tf.tidy(() => {
      const fused = this.fusedLossAndGrads(b, mark, true);
      if (!fused) return this.autogradStep(b, mark);
      this.optimizer.apply(fused.grads);
      mark?.("adam");
      return fused.loss;
    });
  }

  /** The step of a deeper model (tfjs autograd through forwardFast and pairLossFused). */
  private autogradStep(b: BatchBuffers, mark?: (phase: string) => void): number {
    const t = this.batchTensors(b);
    const { value, grads } = tf.variableGrads(() => this.batchLoss(t), this.vars);
    mark?.("forward and backward");
    this.optimizer.apply(this.vars.map((v) => grads[v.name] as tf.Tensor));
    mark?.("adam");
    return value.dataSync()[0] as number;
  }

  /**
   * The loss and gradients (in paramList order) of a batch by the fused head (head.ts), for a
   * model with at most one hidden layer; null for deeper models. Call it in a tf.tidy. With
   * `adamInPlace`, the first layer's weight gradient is, where the kernels allow, the function that
   * makes it and lets Adam update the weight as it goes (FusedAdam.apply; sharedSpmmTAdam).
   */
  fusedLossAndGrads(b: BatchBuffers, mark?: (phase: string) => void): { loss: number; grads: tf.Tensor[] } | null;
  fusedLossAndGrads(
    b: BatchBuffers,
    mark: ((phase: string) => void) | undefined,
    adamInPlace: boolean,
  ): { loss: number; grads: AdamGradient[] } | null;
  fusedLossAndGrads(
    b: BatchBuffers,
    mark?: (phase: string) => void,
    adamInPlace = false,
  ): { loss: number; grads: AdamGradient[] } | null {
    const head = this.head;
    if (!head) return null;
    const n = this.data.nMax;
    const R = b.B * n;
    const w1 = this.params.w1 as tf.Tensor2D;
    const H = w1.shape[1];
    head.consts = lossConstants(b.gamma, this.cfg.eps, head.consts?.z.length === b.B ? head.consts : undefined);
    const out = this.params.layers[0];
    const rowIds = tf.tensor1d(b.rowIds, "int32");
    const promptIds = tf.tensor1d(b.promptIds, "int32");
    const rows = { csr: this.csr, rowIds, prompts: this.pcsr, promptIds, n };
    const A = sharedSpmm(rows, w1);
    mark?.("first layer");
    // Views of the heap: nothing is allocated on the backend until the head is done with them.
    const onHeap = out ? this.headOnHeap(R, H) : null;
    if (!onHeap && head.grads.dA.length !== R * H) head.grads = headGrads(R, H);
    const g = onHeap?.grads ?? head.grads;
    const loss = headLossAndGrads(
      tensorView(A),
      H,
      { b1: tensorView(this.params.b1), out: out && { w: tensorView(out.w), b: tensorView(out.b)[0] as number } },
      { B: b.B, n, weights: b.weights, nWeighted: b.nWeighted },
      head.consts,
      this.cfg.utility,
      this.cfg.eps,
      g,
      onHeap?.kernels,
    );
    mark?.("head and loss");
    const dA = onHeap?.dA ?? tf.tensor2d(g.dA, [R, H]);
    const grads: AdamGradient[] = [
      adamInPlace && canFuseAdam(H) ? (w: AdamInPlace) => sharedSpmmTAdam(rows, dA, w) : sharedSpmmT(rows, dA),
      tf.tensor1d(g.db1),
    ];
    if (out) grads.push(tf.tensor2d(g.dw, [H, 1]), tf.tensor1d(g.db));
    mark?.("first layer gradient");
    return { loss, grads };
  }

  /**
   * On the wasm backend, the kernels of the head's passes and its buffers for R rows of H on the
   * heap (allocated when the batch's shape changes), as HeadGrads of fresh views (a grown heap
   * detaches the old ones); null elsewhere or when H does not suit the kernels.
   */
  private headOnHeap(R: number, H: number): { kernels: SimdKernels; grads: HeadGrads; dA: tf.Tensor2D } | null {
    const memory = wasmMemory();
    const kernels = memory && simdKernels(memory, H);
    if (!memory || !kernels) return null;
    if (this.headHeap?.dA.shape[0] !== R || this.headHeap.dA.shape[1] !== H) {
      this.disposeHeadHeap();
      this.headHeap = {
        dA: tf.keep(tf.zeros([R, H], "float32")) as tf.Tensor2D,
        // One float more than the arrays need, to start them on 8 bytes whatever the allocator gives.
        scratch: tf.keep(tf.zeros([4 * R + 4 * H + 1], "float32")) as tf.Tensor1D,
        out: { db1: new Float32Array(H), dw: new Float32Array(H), db: new Float32Array(1) },
      };
    }
    const { dA, scratch, out } = this.headHeap;
    const at = 8 * Math.ceil(wasmOffset(scratch) / 8);
    const grads: HeadGrads = {
      ...out,
      dA: tensorView(dA),
      rewards: new Float64Array(memory.buffer, at, R),
      dScores: new Float64Array(memory.buffer, at + 8 * R, R),
      sumB1: new Float64Array(memory.buffer, at + 16 * R, H),
      sumW: new Float64Array(memory.buffer, at + 16 * R + 8 * H, H),
    };
    return { kernels, grads, dA };
  }

  private disposeHeadHeap(): void {
    this.headHeap?.dA.dispose();
    this.headHeap?.scratch.dispose();
    this.headHeap = null;
  }

  /** Rewards (sigmoid of scores) of the given rows, in order. */
  rewardsOfRows(rows: Int32Array): Float32Array {
    const out = new Float32Array(rows.length);
    const chunk = 4096;
    for (let s = 0; s < rows.length; s += chunk) {
      const ids = rows.subarray(s, Math.min(rows.length, s + chunk));
      const pids = ids.map((g) => (this.data.fm.rowPrompt as Int32Array)[g] as number);
      const vals = tf.tidy(() =>
        tf
          .sigmoid(
            forwardFast(this.params, this.csr, tf.tensor1d(ids, "int32"), {
              prompts: this.pcsr,
              promptIds: tf.tensor1d(pids, "int32"),
              n: 1,
            }),
          )
          .dataSync(),
      );
      out.set(vals, s);
    }
    return out;
  }

  /** Rewards per prompt (responses in order). */
  promptRewards(promptIdx: readonly number[]): Float32Array[] {
    const rows: number[] = [];
    for (const p of promptIdx)
      for (let r = 0; r < (this.data.count[p] as number); r++) rows.push((this.data.start[p] as number) + r);
    const all = this.rewardsOfRows(Int32Array.from(rows));
    const out: Float32Array[] = [];
    let o = 0;
    for (const p of promptIdx) {
      const c = this.data.count[p] as number;
      out.push(all.subarray(o, o + c));
      o += c;
    }
    return out;
  }

  /** Mean per-prompt pair accuracy over prompts with pairs; null if none. */
  accuracy(promptIdx: readonly number[]): number | null {
    if (promptIdx.length === 0) return null;
    const rewards = this.promptRewards(promptIdx);
    let s = 0;
    let k = 0;
    promptIdx.forEach((p, i) => {
      const a = pairAccuracy(
        rewards[i] as Float32Array,
        this.data.pairW[p] as Float32Array,
        this.data.count[p] as number,
      );
      if (a !== null) {
        s += a;
        k++;
      }
    });
    return k > 0 ? s / k : null;
  }

  readWeights(): Float32Array[] {
    return this.vars.map((v) => (v.dataSync() as Float32Array).slice());
  }

  writeWeights(ws: Float32Array[]): void {
    tf.tidy(() => this.vars.forEach((v, i) => v.assign(tf.tensor(ws[i] as Float32Array, v.shape))));
  }

  dispose(): void {
    this.csr.rowptr.dispose();
    this.csr.idx.dispose();
    this.csr.val.dispose();
    this.pcsr.rowptr.dispose();
    this.pcsr.idx.dispose();
    this.pcsr.val.dispose();
    disposeParams(this.params);
    this.optimizer.dispose();
    this.disposeHeadHeap();
  }
}
