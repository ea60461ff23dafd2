/**
 * The reward model: an MLP from features to a score, reward = sigmoid(score).
 *
 * Layer 1 = X @ W1 + b1 over the concatenated input [hashed features (dim) | dense features
 * (numeric, embedding, optional openness; standardised)], computed by the sparse SIMD kernel of
 * kernels/sparse.ts from one CSR matrix (the dense features are appended to each row as entries
 * dim + c), then ReLU and dense layers. Dense layers use a tf.customGrad with explicit transposes, because wasm matMul with
 * transposeA/transposeB is pathologically slow (docs/ml.md, Performance).
 */
import * as tf from "@tensorflow/tfjs";
import { type CsrTensors, sparseMatMul, sparseMatMulShared } from "../kernels/sparse";
import { mulberry32 } from "../rng";

export interface ModelSpec {
  /** Hashed feature dimension. */
  dim: number;
  /** Dense input columns: numeric features, then embedding, then openness if opennessInput. */
  denseDim: number;
  embeddingDim: number;
  opennessInput: boolean;
  hiddenSizes: number[];
  /** Standardisation of the dense columns (from the training rows). */
  denseMean: number[];
  denseStd: number[];
}

export interface ModelParams {
  /** [dim + denseDim, H1]: hashed rows first, then dense-feature rows. */
  w1: tf.Variable;
  b1: tf.Variable;
  /** Further layers (hidden..., output). */
  layers: { w: tf.Variable; b: tf.Variable }[];
}

export function layerSizes(spec: ModelSpec): number[] {
  return [...spec.hiddenSizes, 1];
}

/** PyTorch nn.Linear's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases. */
export function initParams(spec: ModelSpec, seed: number): ModelParams {
  const rng = mulberry32(seed ^ 0x5eed);
  const uniform = (shape: number[], fanIn: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const bound = 1 / Math.sqrt(fanIn);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (2 * rng() - 1) * bound;
    const t = tf.tensor(a, shape);
    const v = tf.variable(t, true);
    t.dispose(); // the variable holds its own reference to the data
    return v;
  };
  const sizes = layerSizes(spec);
  const h1 = sizes[0] as number;
  const fan1 = spec.dim + spec.denseDim;
  const p: ModelParams = {
    w1: uniform([fan1, h1], fan1),
    b1: uniform([h1], fan1),
    layers: [],
  };
  for (let l = 1; l < sizes.length; l++) {
    const fin = sizes[l - 1] as number;
    p.layers.push({ w: uniform([fin, sizes[l] as number], fin), b: uniform([sizes[l] as number], fin) });
  }
  return p;
}

export function paramList(p: ModelParams): tf.Variable[] {
  return [p.w1, p.b1, ...p.layers.flatMap((l) => [l.w, l.b])];
}

export function disposeParams(p: ModelParams): void {
  for (const v of paramList(p)) v.dispose();
}

/** x @ w + b with explicit-transpose gradients. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, wIn, bIn, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([xIn, wIn]);
    return {
      value: tf.add(tf.matMul(xIn as tf.Tensor2D, wIn as tf.Tensor2D), bIn),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [
          tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)),
          tf.matMul(tf.transpose(xs), dy as tf.Tensor2D),
          columnSums(dy as tf.Tensor2D),
        ];
      },
    };
  });
  return f(x, w, b) as tf.Tensor2D;
}

/**
 * Column sums of dy [R, H] as a [1, R] @ [R, H] matMul: the wasm Sum over axis 0 transposes
 * first and costs several times more.
 */
function columnSums(dy: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]]), dy), [dy.shape[1]]) as tf.Tensor1D;
}

/** x + b with the bias gradient as matMul column sums. */
function addBias(x: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, bIn] = args as [tf.Tensor2D, tf.Tensor1D];
    return { value: tf.add(xIn, bIn), gradFunc: (dy: tf.Tensor) => [dy, columnSums(dy as tf.Tensor2D)] };
  });
  return f(x, b) as tf.Tensor2D;
}

/** Prompt parts of the input rows: prompt CSR rows promptIds, each shared by n consecutive rows. */
export interface SharedPrompts {
  prompts: CsrTensors;
  promptIds: tf.Tensor1D;
  n: number;
}

/**
 * Fast path: scores [R] of rows rowIds of the (hashed + dense) CSR input, plus their prompt part
 * when the features are split (see FeatureMatrix.prompts).
 */
export function forwardFast(p: ModelParams, csr: CsrTensors, rowIds: tf.Tensor1D, shared?: SharedPrompts): tf.Tensor1D {
  const w1 = p.w1 as tf.Tensor2D;
  const first = shared ? sparseMatMulShared({ csr, rowIds, ...shared }, w1) : sparseMatMul(csr, rowIds, w1);
  let h = addBias(first, p.b1 as tf.Tensor1D);
  for (const l of p.layers) h = linear(tf.relu(h), l.w as tf.Tensor2D, l.b as tf.Tensor1D);
  return tf.reshape(h, [-1]) as tf.Tensor1D;
}

/** Plain tfjs autograd reference on dense inputs x [R, dim + denseDim] (tests only: slow on wasm). */
export function forwardPlain(p: ModelParams, x: tf.Tensor2D): tf.Tensor1D {
  let h = tf.add(tf.matMul(x, p.w1 as tf.Tensor2D), p.b1) as tf.Tensor2D;
  for (const l of p.layers) h = tf.add(tf.matMul(tf.relu(h), l.w as tf.Tensor2D), l.b) as tf.Tensor2D;
  return tf.reshape(h, [-1]) as tf.Tensor1D;
}

// ---- serialisation -------------------------------------------------------------------------

const MAGIC = "OCTORM01";

export interface SavedModel {
  spec: ModelSpec;
  /** Float arrays in paramList order. */
  arrays: { shape: number[]; data: Float32Array }[];
  meta?: Record<string, unknown>;
}

export function encodeModel(m: SavedModel): Uint8Array {
  const header = JSON.stringify({ format: 1, spec: m.spec, shapes: m.arrays.map((a) => a.shape), meta: m.meta ?? {} });
  const hb = new TextEncoder().encode(header);
  const headerPadded = Math.ceil(hb.length / 4) * 4;
  const floats = m.arrays.reduce((a, x) => a + x.data.length, 0);
  const out = new Uint8Array(8 + 4 + headerPadded + 4 * floats);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, hb.length, true);
  out.set(hb, 12);
  let off = 12 + headerPadded;
  for (const a of m.arrays) {
    const bytes = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
    out.set(bytes, off);
    off += bytes.length;
  }
  return out;
}

export function decodeModel(bytes: Uint8Array): SavedModel {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC)
    throw new Error("not an Octorank reward model (bad magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hl = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hl))) as {
    format: number;
    spec: ModelSpec;
    shapes: number[][];
    meta: Record<string, unknown>;
  };
  if (header.format !== 1) throw new Error(`unsupported model format ${header.format}`);
  let off = 12 + Math.ceil(hl / 4) * 4;
  const arrays = header.shapes.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    if (off + 4 * n > bytes.length) throw new Error("model bytes truncated");
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(bytes.subarray(off, off + 4 * n));
    off += 4 * n;
    return { shape, data };
  });
  return { spec: header.spec, arrays, meta: header.meta };
}

/** Read variables into a SavedModel. */
export function snapshot(spec: ModelSpec, p: ModelParams, meta?: Record<string, unknown>): SavedModel {
  return { spec, arrays: paramList(p).map((v) => ({ shape: v.shape, data: v.dataSync() as Float32Array })), meta };
}

/** Pure-JS inference of a saved model (no tfjs needed): scores of CSR rows. */
export function scoreRowsJs(
  m: SavedModel,
  rows: { idx: ArrayLike<number>; val: ArrayLike<number>; dense: ArrayLike<number> }[],
): number[] {
  const sizes = layerSizes(m.spec);
  const [w1, b1, ...rest] = m.arrays;
  if (!w1 || !b1) throw new Error("model has no first layer");
  const h1 = sizes[0] as number;
  return rows.map((row) => {
    let h = new Float64Array(h1);
    for (let j = 0; j < h1; j++) h[j] = b1.data[j] as number;
    for (let k = 0; k < row.idx.length; k++) {
      const v = row.val[k] as number;
      const o = (row.idx[k] as number) * h1;
      for (let j = 0; j < h1; j++) h[j] = (h[j] as number) + v * (w1.data[o + j] as number);
    }
    for (let d = 0; d < m.spec.denseDim; d++) {
      const v = row.dense[d] as number;
      const o = (m.spec.dim + d) * h1;
      for (let j = 0; j < h1; j++) h[j] = (h[j] as number) + v * (w1.data[o + j] as number);
    }
    for (let l = 1; l < sizes.length; l++) {
      const w = rest[2 * (l - 1)];
      const b = rest[2 * (l - 1) + 1];
      if (!w || !b) throw new Error("model layers truncated");
      const nin = sizes[l - 1] as number;
      const nout = sizes[l] as number;
      const next = new Float64Array(nout);
      for (let j = 0; j < nout; j++) next[j] = b.data[j] as number;
      for (let i = 0; i < nin; i++) {
        const x = Math.max(0, h[i] as number);
        if (x === 0) continue;
        for (let j = 0; j < nout; j++) next[j] = (next[j] as number) + x * (w.data[i * nout + j] as number);
      }
      h = next;
    }
    return h[0] as number;
  });
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
