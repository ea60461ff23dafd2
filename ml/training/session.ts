/** A model bound to prepared data: its CSR tensors, parameters, optimizer, batches and evaluation. */
import * as tf from "@tensorflow/tfjs";
import { FusedAdam } from "../kernels/adam";
import type { FeatureMatrix } from "./features";
import { lossConstants, lossConstantTensors, pairAccuracy, pairLossFused } from "./loss";
import { type ModelParams, disposeParams, forwardFast, initParams, paramList } from "./model";
import { mulberry32, shuffleInPlace } from "../rng";
import type { CsrTensors } from "../kernels/sparse";
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

  /** One Adam step on the next batch; returns the loss. */
  step(): number {
    this.buf = fillBatch(this.data, this.nextBatch(), this.buf);
    const b = this.buf;
    const loss = tf.tidy(() => {
      const t = this.batchTensors(b);
      const { value, grads } = tf.variableGrads(() => this.batchLoss(t), this.vars);
      this.optimizer.apply(this.vars.map((v) => grads[v.name] as tf.Tensor));
      return value;
    });
    const v = loss.dataSync()[0] as number;
    loss.dispose();
    return v;
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
  }
}
