/**
 * The trainer: Adam on the pairwise loss, seeded split and shuffling, early stopping on held-out
 * pair accuracy, progress and cancellation. One training step is one tf.tidy; features are
 * computed once into packed CSR arrays that live on the backend for the whole run.
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { initBackend, type BackendName } from "./backend";
import { type FeatureMatrix, denseRows, featurizePrompts, embeddingDimOf, NUMERIC_FEATURES } from "./features";
import {
  type LossConstantTensors,
  lossConstants,
  lossConstantTensors,
  pairAccuracy,
  pairLossFused,
  pairWeights,
  promptGamma,
} from "./loss";
import {
  type ModelParams,
  type ModelSpec,
  disposeParams,
  encodeModel,
  forwardFast,
  initParams,
  paramList,
  snapshot,
} from "./model";
import { mulberry32, shuffleInPlace } from "./rng";
import { FusedAdam } from "./adam";
import type { CsrTensors } from "./sparse";
import type { TrainingPrompt } from "./types";
import { UTILITY_NAMES } from "./utility";

export const trainConfigSchema = z.object({
  utility: z.enum(UTILITY_NAMES).default("conditioned"),
  /** Box-Cox exponent, for utility "boxcox" only. */
  gamma: z.number().min(-5).max(5).default(0),
  hiddenSizes: z.array(z.number().int().min(1).max(4096)).max(6).default([128]),
  learningRate: z.number().positive().max(1).default(0.003),
  steps: z.number().int().min(1).max(1_000_000).default(2000),
  batchPrompts: z.number().int().min(1).max(4096).default(64),
  /** Share of prompts held out (seeded split by prompt); ignored when testIds is given. */
  testShare: z.number().min(0).max(0.9).default(0.1),
  /** Explicit held-out prompt ids (overrides testShare). */
  testIds: z.array(z.string()).optional(),
  seed: z.number().int().default(1),
  featureDim: z
    .number()
    .int()
    .min(16)
    .max(1 << 20)
    .default(4096),
  eps: z.number().positive().max(10).default(0.1),
  opennessInput: z.boolean().default(false),
  /** Stop after this many evaluations without a better held-out accuracy; 0 = never stop early. */
  patience: z.number().int().min(0).default(0),
  evalEvery: z.number().int().min(1).default(100),
  /** Backend preference; the trainer falls back to cpu if wasm fails. */
  backend: z.enum(["wasm", "cpu"]).default("wasm"),
});

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export interface TrainProgress {
  step: number;
  totalSteps: number;
  loss: number;
  trainAccuracy?: number;
  testAccuracy?: number;
}

export interface TrainOptions {
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
}

export interface TrainMetrics {
  testAccuracy: number | null;
  trainAccuracy: number | null;
  steps: number;
  finalLoss: number;
  bestStep: number;
  stoppedEarly: boolean;
  trainPrompts: number;
  testPrompts: number;
  featurizeSeconds: number;
  trainSeconds: number;
  stepsPerSecond: number;
}

export interface TrainResult {
  rewards: { promptId: string; responseId: string; split: "train" | "test"; reward: number }[];
  metrics: TrainMetrics;
  weights: Uint8Array;
  backend: string;
}

/** Everything about the data that the training loop needs, precomputed once. */
export interface PreparedData {
  prompts: readonly TrainingPrompt[];
  fm: FeatureMatrix;
  /** First row of each prompt and its response count. */
  start: Int32Array;
  count: Int32Array;
  nMax: number;
  pairW: Float32Array[];
  gamma: Float32Array;
  hasPairs: Uint8Array;
  /** Standardised dense inputs [nRows, spec.denseDim]. */
  dense: Float32Array;
  /** The model input as one CSR matrix: hashed entries, then dense entries at dim + c. */
  input: { rowptr: Int32Array; idx: Int32Array; val: Float32Array; nRows: number; nCols: number };
  spec: ModelSpec;
  train: number[];
  test: number[];
  featurizeSeconds: number;
}

export function splitPrompts(
  prompts: readonly TrainingPrompt[],
  cfg: TrainConfig,
): { train: number[]; test: number[] } {
  if (cfg.testIds) {
    const ids = new Set(cfg.testIds);
    const train: number[] = [];
    const test: number[] = [];
    prompts.forEach((p, i) => (ids.has(p.id) ? test : train).push(i));
    return { train, test };
  }
  const order = shuffleInPlace(
    prompts.map((_, i) => i),
    mulberry32(cfg.seed ^ 0x7e57),
  );
  const nTest = Math.min(prompts.length - 1, Math.round(prompts.length * cfg.testShare));
  const test = order.slice(0, Math.max(0, nTest)).sort((a, b) => a - b);
  const train = order.slice(Math.max(0, nTest)).sort((a, b) => a - b);
  return { train, test };
}

export function prepareData(prompts: readonly TrainingPrompt[], cfg: TrainConfig, fm?: FeatureMatrix): PreparedData {
  if (prompts.length === 0) throw new Error("no prompts to train on");
  prompts.forEach((p) => {
    if (p.openness === null || p.openness === undefined || !Number.isFinite(p.openness))
      throw new Error(
        `prompt ${p.id} has no openness: resolve openness (e.g. mean of annotators or a default) before training`,
      );
    if (p.responses.length < 1) throw new Error(`prompt ${p.id} has no responses`);
    for (const r of p.responses)
      if (r.embedding && !r.embedding.every(Number.isFinite))
        throw new Error(`response ${r.id} of prompt ${p.id} has a non-finite embedding value (NaN or Infinity)`);
  });
  const t0 = performance.now();
  const feats = fm ?? featurizePrompts(prompts, cfg.featureDim, embeddingDimOf(prompts), true);
  if (!feats.prompts || !feats.rowPrompt) throw new Error("prepareData needs features featurized with splitPrompt");
  const featurizeSeconds = (performance.now() - t0) / 1000;
  const start = new Int32Array(prompts.length);
  const count = new Int32Array(prompts.length);
  let row = 0;
  prompts.forEach((p, i) => {
    start[i] = row;
    count[i] = p.responses.length;
    row += p.responses.length;
  });
  let nMax = 0; // not Math.max(...count): spreading > ~120k arguments overflows the stack
  for (const c of count) if (c > nMax) nMax = c;
  const pairW = prompts.map(pairWeights);
  const hasPairs = Uint8Array.from(pairW, (w) => (w.some((x) => x > 0) ? 1 : 0));
  const gamma = Float32Array.from(prompts, (p) => promptGamma(cfg.utility, p.openness as number, cfg.gamma));
  const { train, test } = splitPrompts(prompts, cfg);
  if (train.length === 0) throw new Error("no training prompts after the split");
  // Dense inputs: numeric + embedding (+ openness), standardised on training rows.
  const dd = feats.denseDim + (cfg.opennessInput ? 1 : 0);
  const dense = new Float32Array(feats.nRows * dd);
  prompts.forEach((p, i) => {
    for (let r = 0; r < (count[i] as number); r++) {
      const g = (start[i] as number) + r;
      for (let c = 0; c < feats.denseDim; c++) dense[g * dd + c] = feats.dense[g * feats.denseDim + c] as number;
      if (cfg.opennessInput) dense[g * dd + dd - 1] = p.openness as number;
    }
  });
  const mean = new Array<number>(dd).fill(0);
  const std = new Array<number>(dd).fill(0);
  let nTrainRows = 0;
  for (const i of train) {
    for (let r = 0; r < (count[i] as number); r++) {
      const g = (start[i] as number) + r;
      for (let c = 0; c < dd; c++) mean[c] = (mean[c] as number) + (dense[g * dd + c] as number);
      nTrainRows++;
    }
  }
  for (let c = 0; c < dd; c++) mean[c] = (mean[c] as number) / nTrainRows;
  for (const i of train) {
    for (let r = 0; r < (count[i] as number); r++) {
      const g = (start[i] as number) + r;
      for (let c = 0; c < dd; c++)
        std[c] = (std[c] as number) + ((dense[g * dd + c] as number) - (mean[c] as number)) ** 2;
    }
  }
  for (let c = 0; c < dd; c++) {
    const s = Math.sqrt((std[c] as number) / nTrainRows);
    std[c] = s > 1e-6 ? s : 1;
  }
  for (let g = 0; g < feats.nRows; g++)
    for (let c = 0; c < dd; c++)
      dense[g * dd + c] = ((dense[g * dd + c] as number) - (mean[c] as number)) / (std[c] as number);
  const spec: ModelSpec = {
    dim: feats.dim,
    denseDim: dd,
    embeddingDim: feats.embeddingDim,
    opennessInput: cfg.opennessInput,
    hiddenSizes: [...cfg.hiddenSizes],
    denseMean: mean,
    denseStd: std,
  };
  const input = appendDense(feats, dense, dd);
  return {
    prompts,
    fm: feats,
    start,
    count,
    nMax,
    pairW,
    gamma,
    hasPairs,
    dense,
    input,
    spec,
    train,
    test,
    featurizeSeconds,
  };
}

/** Append dense columns (as entries dim + c, zeros skipped) to each CSR row; keeps the padding row. */
function appendDense(fm: FeatureMatrix, dense: Float32Array, dd: number): PreparedData["input"] {
  let extra = 0;
  for (let i = 0; i < fm.nRows * dd; i++) if (dense[i] !== 0) extra++;
  const nnz = fm.idx.length + extra;
  const rowptr = new Int32Array(fm.nRows + 2);
  const idx = new Int32Array(nnz);
  const val = new Float32Array(nnz);
  let o = 0;
  for (let g = 0; g < fm.nRows; g++) {
    const a = fm.rowptr[g] as number;
    const b = fm.rowptr[g + 1] as number;
    idx.set(fm.idx.subarray(a, b), o);
    val.set(fm.val.subarray(a, b), o);
    o += b - a;
    for (let c = 0; c < dd; c++) {
      const v = dense[g * dd + c] as number;
      if (v !== 0) {
        idx[o] = fm.dim + c;
        val[o] = v;
        o++;
      }
    }
    rowptr[g + 1] = o;
  }
  rowptr[fm.nRows + 1] = o;
  return { rowptr, idx, val, nRows: fm.nRows, nCols: fm.dim + dd };
}

/**
 * The full model input of rows (response part + dense entries + prompt part) as a dense
 * [rows, nCols] array, for the plain-autograd reference. promptOfRow: prompt index per row.
 */
export function denseInputRows(d: PreparedData, rows: readonly number[], promptOfRow: readonly number[]): Float32Array {
  const nCols = d.input.nCols;
  const out = denseRows({ ...d.input, dim: nCols }, rows);
  const pr = d.fm.prompts as NonNullable<FeatureMatrix["prompts"]>;
  return denseRows({ ...pr, dim: nCols }, promptOfRow, out);
}

/** Host-side buffers of one batch (reused between steps). */
export interface BatchBuffers {
  rowIds: Int32Array;
  promptIds: Int32Array;
  weights: Float32Array;
  gamma: Float32Array;
  nWeighted: number;
  B: number;
}

export function fillBatch(d: PreparedData, promptIdx: readonly number[], buf?: BatchBuffers): BatchBuffers {
  const B = promptIdx.length;
  const n = d.nMax;
  const b: BatchBuffers =
    buf && buf.B === B
      ? buf
      : {
          rowIds: new Int32Array(B * n),
          promptIds: new Int32Array(B),
          weights: new Float32Array(B * n * n),
          gamma: new Float32Array(B),
          nWeighted: 0,
          B,
        };
  b.weights.fill(0);
  b.rowIds.fill(d.fm.nRows); // the empty padding row
  let nWeighted = 0;
  promptIdx.forEach((p, bi) => {
    const c = d.count[p] as number;
    const s = d.start[p] as number;
    for (let r = 0; r < c; r++) b.rowIds[bi * n + r] = s + r;
    b.promptIds[bi] = p;
    const w = d.pairW[p] as Float32Array;
    for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) b.weights[bi * n * n + i * n + j] = w[i * c + j] as number;
    b.gamma[bi] = d.gamma[p] as number;
    nWeighted += d.hasPairs[p] as number;
  });
  b.nWeighted = nWeighted;
  return b;
}

export interface BatchTensors {
  rowIds: tf.Tensor1D;
  promptIds: tf.Tensor1D;
  weights: tf.Tensor3D;
  gamma: tf.Tensor3D;
  consts: LossConstantTensors;
  B: number;
  nWeighted: number;
}

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

function abortError(): Error {
  const e = new Error("Training canceled");
  e.name = "AbortError";
  return e;
}

/** Train a reward model. Prompts must have openness resolved (not null). */
export async function trainRewardModel(
  prompts: readonly TrainingPrompt[],
  config: TrainConfigInput = {},
  options: TrainOptions = {},
): Promise<TrainResult> {
  const cfg = trainConfigSchema.parse(config);
  const backend: BackendName = await initBackend(cfg.backend);
  if (options.signal?.aborted) throw abortError();
  const data = prepareData(prompts, cfg);
  const session = new TrainingSession(data, cfg);
  const trainSample =
    data.train.length > 1024 ? data.train.filter((_, i) => i % Math.ceil(data.train.length / 1024) === 0) : data.train;
  try {
    let best = -1;
    let bestStep = 0;
    let bestWeights: Float32Array[] | null = null;
    let sinceBest = 0;
    let stoppedEarly = false;
    let loss = NaN;
    let step = 0;
    let lastYield = performance.now();
    const t0 = performance.now();
    while (step < cfg.steps) {
      if (options.signal?.aborted) throw abortError();
      loss = session.step();
      step++;
      if (!Number.isFinite(loss))
        throw new Error(`training diverged at step ${step} (loss ${loss}); lower the learning rate`);
      const isEval = step % cfg.evalEvery === 0 || step === cfg.steps;
      if (isEval) {
        const testAccuracy = session.accuracy(data.test);
        const trainAccuracy = session.accuracy(step === cfg.steps ? data.train : trainSample);
        options.onProgress?.({
          step,
          totalSteps: cfg.steps,
          loss,
          trainAccuracy: trainAccuracy ?? undefined,
          testAccuracy: testAccuracy ?? undefined,
        });
        if (cfg.patience > 0 && testAccuracy !== null) {
          if (testAccuracy > best + 1e-9) {
            best = testAccuracy;
            bestStep = step;
            bestWeights = session.readWeights();
            sinceBest = 0;
          } else if (++sinceBest >= cfg.patience) {
            stoppedEarly = true;
            break;
          }
        }
      }
      if (performance.now() - lastYield > 50) {
        // Let timers, I/O and abort events run.
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    // With early stopping on, the run keeps its best held-out weights whether or not it stopped early.
    const keptStep = bestWeights ? bestStep : step;
    if (bestWeights && bestStep !== step) session.writeWeights(bestWeights);
    const all = data.prompts.map((_, i) => i);
    const rewards = session.promptRewards(all);
    const testSet = new Set(data.test);
    const out: TrainResult["rewards"] = [];
    data.prompts.forEach((p, i) => {
      const r = rewards[i] as Float32Array;
      p.responses.forEach((resp, k) =>
        out.push({
          promptId: p.id,
          responseId: resp.id,
          split: testSet.has(i) ? "test" : "train",
          reward: r[k] as number,
        }),
      );
    });
    const testAccuracy = session.accuracy(data.test);
    const trainAccuracy = session.accuracy(data.train);
    const metrics: TrainMetrics = {
      testAccuracy,
      trainAccuracy,
      steps: step,
      finalLoss: loss,
      bestStep: keptStep,
      stoppedEarly,
      trainPrompts: data.train.length,
      testPrompts: data.test.length,
      featurizeSeconds: data.featurizeSeconds,
      trainSeconds,
      stepsPerSecond: step / Math.max(trainSeconds, 1e-9),
    };
    const weights = encodeModel(
      snapshot(data.spec, session.params, {
        utility: cfg.utility,
        steps: step,
        numericFeatures: [...NUMERIC_FEATURES],
      }),
    );
    return { rewards: out, metrics, weights, backend };
  } finally {
    session.dispose();
  }
}
