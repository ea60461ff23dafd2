/**
 * The sparse first layer: out = X[rowIds] @ W for a CSR feature matrix X held as tensors, with a
 * custom gradient dW = X[rowIds]^T @ dOut. Registered as tfjs kernels for the wasm backend (SIMD,
 * in place on the wasm heap, see simd.ts) and the cpu backend (plain JS loops).
 */
import * as tf from "@tensorflow/tfjs";
import { type GroupedRowSet, simdKernels } from "./simd";

export const SPMM = "OctorankSpmm";
export const SPMM_T = "OctorankSpmmT";

/** A CSR matrix whose arrays live in tensors; row `nRows` exists and is empty (padding). */
export interface CsrTensors {
  rowptr: tf.Tensor1D; // int32 [nRows + 2]
  idx: tf.Tensor1D; // int32 [nnz]
  val: tf.Tensor1D; // float32 [nnz]
  nRows: number;
  nCols: number;
}

interface WasmBackendLike {
  wasm: {
    asm: { memory: WebAssembly.Memory };
    HEAPF32: Float32Array;
    HEAP32: Int32Array;
    _malloc(n: number): number;
    _free(p: number): void;
  };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface CpuBackendLike {
  data: { get(id: object): { values: ArrayLike<number> } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function offset(b: WasmBackendLike, t: tf.TensorInfo): number {
  const d = b.dataIdMap.get(t.dataId as object);
  if (!d) throw new Error("tensor data not on the wasm backend");
  return d.memoryOffset;
}

function cpuValues(b: CpuBackendLike, t: tf.TensorInfo): ArrayLike<number> {
  const d = b.data.get(t.dataId as object);
  if (!d) throw new Error("tensor data not on the cpu backend");
  return d.values;
}

type Inputs = Record<string, tf.TensorInfo>;

function need(inputs: Inputs, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`missing input ${name}`);
  return t;
}

function spmmShape(inputs: Inputs): { R: number; H: number } {
  const R = need(inputs, "rowIds").shape[0] ?? 0;
  const H = need(inputs, "w").shape[1] ?? 0;
  return { R, H };
}

function wasmSpmm({ inputs, backend }: { inputs: Inputs; backend: unknown }): tf.TensorInfo {
  const b = backend as WasmBackendLike;
  const { R, H } = spmmShape(inputs);
  const out = b.makeOutput([R, H], "float32");
  const k = simdKernels(b.wasm.asm.memory, H);
  const rowIds = offset(b, need(inputs, "rowIds"));
  const rowptr = offset(b, need(inputs, "rowptr"));
  const idx = offset(b, need(inputs, "idx"));
  const val = offset(b, need(inputs, "val"));
  const w = offset(b, need(inputs, "w"));
  const o = offset(b, out);
  if (k) {
    k.spmm(rowIds, R, rowptr, idx, val, w, 4 * H, o);
  } else {
    const f = b.wasm.HEAPF32;
    const i = b.wasm.HEAP32;
    jsSpmm(
      i.subarray(rowIds >> 2),
      R,
      i.subarray(rowptr >> 2),
      i.subarray(idx >> 2),
      f.subarray(val >> 2),
      f.subarray(w >> 2),
      H,
      f.subarray(o >> 2),
    );
  }
  return out;
}

function wasmSpmmT({ inputs, backend, attrs }: { inputs: Inputs; backend: unknown; attrs?: unknown }): tf.TensorInfo {
  const b = backend as WasmBackendLike;
  const D = (attrs as { D: number }).D;
  const dy = need(inputs, "dy");
  const R = need(inputs, "rowIds").shape[0] ?? 0;
  const H = dy.shape[1] ?? 0;
  const out = b.makeOutput([D, H], "float32");
  const k = simdKernels(b.wasm.asm.memory, H);
  const rowIds = offset(b, need(inputs, "rowIds"));
  const rowptr = offset(b, need(inputs, "rowptr"));
  const idx = offset(b, need(inputs, "idx"));
  const val = offset(b, need(inputs, "val"));
  const d = offset(b, dy);
  const o = offset(b, out);
  if (k) {
    k.spmmT(rowIds, R, rowptr, idx, val, d, 4 * H, o, 4 * D * H);
  } else {
    const f = b.wasm.HEAPF32;
    const i = b.wasm.HEAP32;
    const G = f.subarray(o >> 2, (o >> 2) + D * H);
    G.fill(0);
    jsSpmmT(
      i.subarray(rowIds >> 2),
      R,
      i.subarray(rowptr >> 2),
      i.subarray(idx >> 2),
      f.subarray(val >> 2),
      f.subarray(d >> 2),
      H,
      G,
    );
  }
  return out;
}

function jsSpmm(
  rowIds: ArrayLike<number>,
  R: number,
  rowptr: ArrayLike<number>,
  idx: ArrayLike<number>,
  val: ArrayLike<number>,
  W: ArrayLike<number>,
  H: number,
  out: Float32Array,
): void {
  for (let r = 0; r < R; r++) {
    const g = rowIds[r] as number;
    const o = r * H;
    out.fill(0, o, o + H);
    const end = rowptr[g + 1] as number;
    for (let k = rowptr[g] as number; k < end; k++) {
      const v = val[k] as number;
      const w = (idx[k] as number) * H;
      for (let j = 0; j < H; j++) out[o + j] = (out[o + j] as number) + v * (W[w + j] as number);
    }
  }
}

function jsSpmmT(
  rowIds: ArrayLike<number>,
  R: number,
  rowptr: ArrayLike<number>,
  idx: ArrayLike<number>,
  val: ArrayLike<number>,
  dy: ArrayLike<number>,
  H: number,
  G: Float32Array,
): void {
  for (let r = 0; r < R; r++) {
    const g = rowIds[r] as number;
    const o = r * H;
    const end = rowptr[g + 1] as number;
    for (let k = rowptr[g] as number; k < end; k++) {
      const v = val[k] as number;
      const w = (idx[k] as number) * H;
      for (let j = 0; j < H; j++) G[w + j] = (G[w + j] as number) + v * (dy[o + j] as number);
    }
  }
}

function cpuSpmm({ inputs, backend }: { inputs: Inputs; backend: unknown }): tf.TensorInfo {
  const b = backend as CpuBackendLike;
  const { R, H } = spmmShape(inputs);
  const out = new Float32Array(R * H);
  jsSpmm(
    cpuValues(b, need(inputs, "rowIds")),
    R,
    cpuValues(b, need(inputs, "rowptr")),
    cpuValues(b, need(inputs, "idx")),
    cpuValues(b, need(inputs, "val")),
    cpuValues(b, need(inputs, "w")),
    H,
    out,
  );
  return b.makeTensorInfo([R, H], "float32", out);
}

function cpuSpmmT({ inputs, backend, attrs }: { inputs: Inputs; backend: unknown; attrs?: unknown }): tf.TensorInfo {
  const b = backend as CpuBackendLike;
  const D = (attrs as { D: number }).D;
  const dy = need(inputs, "dy");
  const R = need(inputs, "rowIds").shape[0] ?? 0;
  const H = dy.shape[1] ?? 0;
  const G = new Float32Array(D * H);
  jsSpmmT(
    cpuValues(b, need(inputs, "rowIds")),
    R,
    cpuValues(b, need(inputs, "rowptr")),
    cpuValues(b, need(inputs, "idx")),
    cpuValues(b, need(inputs, "val")),
    cpuValues(b, dy),
    H,
    G,
  );
  return b.makeTensorInfo([D, H], "float32", G);
}

let registered = false;

/** Register the kernels for the wasm and cpu backends (idempotent). */
export function registerSparseKernels(): void {
  if (registered) return;
  registered = true;
  const reg = (kernelName: string, backendName: string, kernelFunc: unknown) => {
    if (!tf.getKernel(kernelName, backendName)) {
      tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
    }
  };
  reg(SPMM, "wasm", wasmSpmm);
  reg(SPMM_T, "wasm", wasmSpmmT);
  reg(SPMM, "cpu", cpuSpmm);
  reg(SPMM_T, "cpu", cpuSpmmT);
}

/**
 * out[r, :] = sum over the non-zeros of CSR row rowIds[r] of val * w[idx, :]; differentiable in w
 * (gradient via the transposed kernel, never materialising X). Not differentiable in the CSR.
 */
export function sparseMatMul(csr: CsrTensors, rowIds: tf.Tensor1D, w: tf.Tensor2D): tf.Tensor2D {
  registerSparseKernels();
  const base = { rowIds, rowptr: csr.rowptr, idx: csr.idx, val: csr.val };
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const wIn = args[0] as tf.Tensor;
    const value = tf.engine().runKernel(SPMM, { ...base, w: wIn } as unknown as tf.NamedTensorMap) as tf.Tensor2D;
    return {
      value,
      gradFunc: (dy: tf.Tensor) => [
        tf
          .engine()
          .runKernel(
            SPMM_T,
            { ...base, dy } as unknown as tf.NamedTensorMap,
            { D: csr.nCols } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor,
      ],
    };
  });
  return f(w) as tf.Tensor2D;
}

// ---- two-part rows: prompt part shared by the n responses of a prompt --------------------------

export const SPMM2 = "OctorankSpmmShared";
export const SPMM2_T = "OctorankSpmmSharedT";

/**
 * The bytes of W (or G) one group of the grouped walk touches: a group's rows stay in the core's
 * L2 cache (and mostly L1) while every batch row's non-zeros in it are walked.
 */
const GROUP_BYTES = 128 * 1024;

/** The rows of W (or G) in one group of the grouped walk, for H columns. */
const groupRows = (H: number) => Math.max(1, Math.floor(GROUP_BYTES / (4 * H)));

/**
 * Row r of the input is response row rowIds[r] of `csr` plus prompt row promptIds[floor(r / n)] of
 * `prompts`: out[r, :] = X[rowIds[r]] @ w + P[promptIds[r / n]] @ w. The prompt part is computed
 * once per prompt instead of once per response (and its gradient once per prompt too).
 */
function spmm2Inputs(inputs: Inputs) {
  const rowIds = need(inputs, "rowIds");
  const promptIds = need(inputs, "promptIds");
  return {
    rowIds,
    promptIds,
    R: rowIds.shape[0] ?? 0,
    B: promptIds.shape[0] ?? 0,
    resp: ["rowptr", "idx", "val"].map((k) => need(inputs, k)) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo],
    prom: ["prowptr", "pidx", "pval"].map((k) => need(inputs, k)) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo],
  };
}

function jsGroupRows(
  expand: boolean,
  member: Float32Array,
  group: Float32Array,
  B: number,
  n: number,
  H: number,
): void {
  if (!expand) group.fill(0, 0, B * H);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < n; i++) {
      const m = (b * n + i) * H;
      const g = b * H;
      for (let j = 0; j < H; j++) {
        if (expand) member[m + j] = (member[m + j] as number) + (group[g + j] as number);
        else group[g + j] = (group[g + j] as number) + (member[m + j] as number);
      }
    }
}

function spmm2Kernel(fwd: boolean) {
  return ({ inputs, backend, attrs }: { inputs: Inputs; backend: unknown; attrs?: unknown }): tf.TensorInfo => {
    const { n, D } = attrs as { n: number; D: number };
    const x = spmm2Inputs(inputs);
    if (x.R !== x.B * n) throw new Error(`${SPMM2}: rows (${x.R}) must be prompts (${x.B}) x n (${n})`);
    const src = need(inputs, fwd ? "w" : "dy");
    const H = src.shape[1] ?? 0;
    const shape = fwd ? [x.R, H] : [D, H];
    const maybeWasm = backend as Partial<WasmBackendLike>;
    if (maybeWasm.dataIdMap && maybeWasm.wasm) {
      const b = backend as WasmBackendLike;
      const out = b.makeOutput(shape, "float32");
      const k = simdKernels(b.wasm.asm.memory, H);
      // The prompt rows' products, then (grouped walk) a cursor per response and prompt row.
      const scratch = b.wasm._malloc(Math.max(16, 4 * x.B * H + 4 * (x.R + x.B)));
      try {
        const o = offset(b, out);
        const s = offset(b, src);
        const [rp, ri, rv] = x.resp.map((t) => offset(b, t)) as [number, number, number];
        const [pp, pi, pv] = x.prom.map((t) => offset(b, t)) as [number, number, number];
        const rowIds = offset(b, x.rowIds);
        const promptIds = offset(b, x.promptIds);
        const cursors = scratch + 4 * x.B * H;
        const group = groupRows(H);
        const sets = (responseRows: number): GroupedRowSet =>
          [
            ...[rowIds, x.R, rp, ri, rv, responseRows, cursors],
            ...[promptIds, x.B, pp, pi, pv, scratch, cursors + 4 * x.R],
          ] as GroupedRowSet;
        if (k?.spmmGrouped && k.spmmTGrouped) {
          if (fwd) {
            k.spmmGrouped(D, group, s, 4 * H, ...sets(o));
            k.broadcastAdd(o, scratch, x.B, n, 4 * H);
          } else {
            k.groupSum(s, scratch, x.B, n, 4 * H);
            k.spmmTGrouped(D, group, o, 4 * H, ...sets(s));
          }
        } else if (k) {
          if (fwd) {
            k.spmm(promptIds, x.B, pp, pi, pv, s, 4 * H, scratch);
            k.spmm(rowIds, x.R, rp, ri, rv, s, 4 * H, o);
            k.broadcastAdd(o, scratch, x.B, n, 4 * H);
          } else {
            k.spmmT(rowIds, x.R, rp, ri, rv, s, 4 * H, o, 4 * D * H);
            k.groupSum(s, scratch, x.B, n, 4 * H);
            k.spmmT(promptIds, x.B, pp, pi, pv, scratch, 4 * H, o, 0); // accumulate, no zeroing
          }
        } else {
          const f = new Float32Array(b.wasm.asm.memory.buffer);
          const i = new Int32Array(b.wasm.asm.memory.buffer);
          const sc = f.subarray(scratch >> 2, (scratch >> 2) + x.B * H);
          if (fwd) {
            const outF = f.subarray(o >> 2, (o >> 2) + x.R * H);
            jsSpmm(
              i.subarray(promptIds >> 2),
              x.B,
              i.subarray(pp >> 2),
              i.subarray(pi >> 2),
              f.subarray(pv >> 2),
              f.subarray(s >> 2),
              H,
              sc,
            );
            jsSpmm(
              i.subarray(rowIds >> 2),
              x.R,
              i.subarray(rp >> 2),
              i.subarray(ri >> 2),
              f.subarray(rv >> 2),
              f.subarray(s >> 2),
              H,
              outF,
            );
            jsGroupRows(true, outF, sc, x.B, n, H);
          } else {
            const G = f.subarray(o >> 2, (o >> 2) + D * H);
            G.fill(0);
            const dy = f.subarray(s >> 2, (s >> 2) + x.R * H);
            jsSpmmT(
              i.subarray(rowIds >> 2),
              x.R,
              i.subarray(rp >> 2),
              i.subarray(ri >> 2),
              f.subarray(rv >> 2),
              dy,
              H,
              G,
            );
            jsGroupRows(false, dy, sc, x.B, n, H);
            jsSpmmT(
              i.subarray(promptIds >> 2),
              x.B,
              i.subarray(pp >> 2),
              i.subarray(pi >> 2),
              f.subarray(pv >> 2),
              sc,
              H,
              G,
            );
          }
        }
      } finally {
        b.wasm._free(scratch);
      }
      return out;
    }
    const b = backend as CpuBackendLike;
    const v = (t: tf.TensorInfo) => cpuValues(b, t);
    const [rp, ri, rv] = x.resp.map(v) as [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];
    const [pp, pi, pv] = x.prom.map(v) as [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];
    const sc = new Float32Array(x.B * H);
    const dst = new Float32Array((shape[0] as number) * H);
    if (fwd) {
      jsSpmm(v(x.promptIds), x.B, pp, pi, pv, v(src), H, sc);
      jsSpmm(v(x.rowIds), x.R, rp, ri, rv, v(src), H, dst);
      jsGroupRows(true, dst, sc, x.B, n, H);
    } else {
      const dy = Float32Array.from(v(src));
      jsSpmmT(v(x.rowIds), x.R, rp, ri, rv, dy, H, dst);
      jsGroupRows(false, dy, sc, x.B, n, H);
      jsSpmmT(v(x.promptIds), x.B, pp, pi, pv, sc, H, dst);
    }
    return b.makeTensorInfo(shape, "float32", dst);
  };
}

let spmm2Registered = false;

function registerSpmm2(): void {
  if (spmm2Registered) return;
  spmm2Registered = true;
  for (const backendName of ["wasm", "cpu"])
    for (const [kernelName, fwd] of [
      [SPMM2, true],
      [SPMM2_T, false],
    ] as const)
      if (!tf.getKernel(kernelName, backendName))
        tf.registerKernel({ kernelName, backendName, kernelFunc: spmm2Kernel(fwd) as unknown as tf.KernelFunc });
}

/** The rows of a two-part product: rows rowIds of csr, n consecutive ones sharing prompt row promptIds[r / n]. */
export interface SharedRows {
  csr: CsrTensors;
  rowIds: tf.Tensor1D;
  prompts: CsrTensors;
  promptIds: tf.Tensor1D;
  n: number;
}

function runSpmm2(
  kernel: string,
  { csr, rowIds, prompts, promptIds, n }: SharedRows,
  operand: Record<string, tf.Tensor>,
) {
  registerSpmm2();
  const inputs = {
    rowIds,
    promptIds,
    rowptr: csr.rowptr,
    idx: csr.idx,
    val: csr.val,
    prowptr: prompts.rowptr,
    pidx: prompts.idx,
    pval: prompts.val,
    ...operand,
  };
  const attrs = { n, D: csr.nCols } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(kernel, inputs as unknown as tf.NamedTensorMap, attrs) as tf.Tensor2D;
}

/** The rows times w [D, H]: [rows, H]. Not differentiable (see sparseMatMulShared). */
export function sharedSpmm(rows: SharedRows, w: tf.Tensor2D): tf.Tensor2D {
  return runSpmm2(SPMM2, rows, { w });
}

/** The weight gradient of sharedSpmm: X^T @ dy [D, H] for the same rows. */
export function sharedSpmmT(rows: SharedRows, dy: tf.Tensor): tf.Tensor2D {
  return runSpmm2(SPMM2_T, rows, { dy });
}

/** A weight and its Adam moments on the wasm heap, with this step's coefficients (see FusedAdam). */
export interface AdamInPlace {
  p: number;
  m: number;
  v: number;
  b1: number;
  b2: number;
  a: number;
  s2: number;
  eps: number;
}

/** The grouped weight gradient with Adam fused (spmmTGroupedAdam) for H columns, when the backend has it. */
function groupedAdamKernel(H: number) {
  if (tf.getBackend() !== "wasm") return null;
  const b = tf.backend() as unknown as WasmBackendLike;
  const k = simdKernels(b.wasm.asm.memory, H);
  return k?.spmmTGroupedAdam ? { b, run: k.spmmTGroupedAdam, groupSum: k.groupSum } : null;
}

/** Can sharedSpmmTAdam update a weight of H columns (the wasm backend, H % 32 == 0)? */
export function canFuseAdam(H: number): boolean {
  return groupedAdamKernel(H) !== null;
}

/**
 * The weight gradient of sharedSpmm for dy, applied by Adam to the weight in place as it is made,
 * F rows at a time (the gradient never exists whole); the same bits as sharedSpmmT then Adam.
 */
export function sharedSpmmTAdam(
  { csr, rowIds, prompts, promptIds, n }: SharedRows,
  dy: tf.Tensor,
  w: AdamInPlace,
): void {
  const H = dy.shape[1] ?? 0;
  const kernel = groupedAdamKernel(H);
  if (!kernel) throw new Error("sharedSpmmTAdam needs the wasm backend's grouped kernels (see canFuseAdam)");
  const { b } = kernel;
  const R = rowIds.shape[0] ?? 0;
  const B = promptIds.shape[0] ?? 0;
  const group = groupRows(H);
  // The prompt rows' gradient sums, a cursor per response and prompt row, one group of gradient rows.
  const scratch = b.wasm._malloc(4 * B * H + 4 * (R + B) + 4 * group * H);
  try {
    const at = (t: tf.Tensor) => offset(b, t);
    const cursors = scratch + 4 * B * H;
    kernel.groupSum(at(dy), scratch, B, n, 4 * H);
    kernel.run(
      csr.nCols,
      group,
      cursors + 4 * (R + B),
      4 * H,
      ...[at(rowIds), R, at(csr.rowptr), at(csr.idx), at(csr.val), at(dy), cursors],
      ...[at(promptIds), B, at(prompts.rowptr), at(prompts.idx), at(prompts.val), scratch, cursors + 4 * R],
      ...[w.p, w.m, w.v, w.b1, w.b2, w.a, w.s2, w.eps],
    );
  } finally {
    b.wasm._free(scratch);
  }
}

/** sharedSpmm, differentiable in w only. */
export function sparseMatMulShared(rows: SharedRows, w: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: sharedSpmm(rows, args[0] as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor) => [sharedSpmmT(rows, dy)],
  }));
  return f(w) as tf.Tensor2D;
}
