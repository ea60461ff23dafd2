/**
 * Data preparation: the seeded split by prompt, features computed once into packed CSR arrays, the
 * dense columns standardised on the training rows, per-prompt pair weights and Box-Cox exponents.
 */
import { type FeatureMatrix, denseRows, featurizePrompts, embeddingDimOf } from "./features";
import { pairWeights, promptGamma } from "./loss";
import type { ModelSpec } from "./model";
import { mulberry32, shuffleInPlace } from "../rng";
import type { TrainingPrompt } from "../types";
import type { TrainConfig } from "./config";

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
