/**
 * The sparse first layer: out = X[rowIds] @ W for a CSR feature matrix X held as tensors, with a
 * custom gradient dW = X[rowIds]^T @ dOut. Registered as tfjs kernels for the wasm backend (SIMD,
 * in place on the wasm heap, see simd.ts) and the cpu backend (plain JS loops).
 */
import * as tf from '@tensorflow/tfjs';
import { simdKernels } from './simd';

export const SPMM = 'OctorankSpmm';
export const SPMM_T = 'OctorankSpmmT';

/** A CSR matrix whose arrays live in tensors; row `nRows` exists and is empty (padding). */
export interface CsrTensors {
  rowptr: tf.Tensor1D; // int32 [nRows + 2]
  idx: tf.Tensor1D; // int32 [nnz]
  val: tf.Tensor1D; // float32 [nnz]
  nRows: number;
  nCols: number;
}

interface WasmBackendLike {
  wasm: { asm: { memory: WebAssembly.Memory }; HEAPF32: Float32Array; HEAP32: Int32Array };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface CpuBackendLike {
  data: { get(id: object): { values: ArrayLike<number> } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function offset(b: WasmBackendLike, t: tf.TensorInfo): number {
  const d = b.dataIdMap.get(t.dataId as object);
  if (!d) throw new Error('tensor data not on the wasm backend');
  return d.memoryOffset;
}

function cpuValues(b: CpuBackendLike, t: tf.TensorInfo): ArrayLike<number> {
  const d = b.data.get(t.dataId as object);
  if (!d) throw new Error('tensor data not on the cpu backend');
  return d.values;
}

type Inputs = Record<string, tf.TensorInfo>;

function need(inputs: Inputs, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`missing input ${name}`);
  return t;
}

function spmmShape(inputs: Inputs): { R: number; H: number } {
  const R = need(inputs, 'rowIds').shape[0] ?? 0;
  const H = need(inputs, 'w').shape[1] ?? 0;
  return { R, H };
}

function wasmSpmm({ inputs, backend }: { inputs: Inputs; backend: unknown }): tf.TensorInfo {
  const b = backend as WasmBackendLike;
  const { R, H } = spmmShape(inputs);
  const out = b.makeOutput([R, H], 'float32');
  const k = simdKernels(b.wasm.asm.memory, H);
  const rowIds = offset(b, need(inputs, 'rowIds'));
  const rowptr = offset(b, need(inputs, 'rowptr'));
  const idx = offset(b, need(inputs, 'idx'));
  const val = offset(b, need(inputs, 'val'));
  const w = offset(b, need(inputs, 'w'));
  const o = offset(b, out);
  if (k) {
    k.spmm(rowIds, R, rowptr, idx, val, w, 4 * H, o);
  } else {
    const f = b.wasm.HEAPF32;
    const i = b.wasm.HEAP32;
    jsSpmm(i.subarray(rowIds >> 2), R, i.subarray(rowptr >> 2), i.subarray(idx >> 2), f.subarray(val >> 2), f.subarray(w >> 2), H, f.subarray(o >> 2));
  }
  return out;
}

function wasmSpmmT({ inputs, backend, attrs }: { inputs: Inputs; backend: unknown; attrs?: unknown }): tf.TensorInfo {
  const b = backend as WasmBackendLike;
  const D = (attrs as { D: number }).D;
  const dy = need(inputs, 'dy');
  const R = need(inputs, 'rowIds').shape[0] ?? 0;
  const H = dy.shape[1] ?? 0;
  const out = b.makeOutput([D, H], 'float32');
  const k = simdKernels(b.wasm.asm.memory, H);
  const rowIds = offset(b, need(inputs, 'rowIds'));
  const rowptr = offset(b, need(inputs, 'rowptr'));
  const idx = offset(b, need(inputs, 'idx'));
  const val = offset(b, need(inputs, 'val'));
  const d = offset(b, dy);
  const o = offset(b, out);
  if (k) {
    k.spmmT(rowIds, R, rowptr, idx, val, d, 4 * H, o, 4 * D * H);
  } else {
    const f = b.wasm.HEAPF32;
    const i = b.wasm.HEAP32;
    const G = f.subarray(o >> 2, (o >> 2) + D * H);
    G.fill(0);
    jsSpmmT(i.subarray(rowIds >> 2), R, i.subarray(rowptr >> 2), i.subarray(idx >> 2), f.subarray(val >> 2), f.subarray(d >> 2), H, G);
  }
  return out;
}

function jsSpmm(rowIds: ArrayLike<number>, R: number, rowptr: ArrayLike<number>, idx: ArrayLike<number>, val: ArrayLike<number>, W: ArrayLike<number>, H: number, out: Float32Array): void {
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

function jsSpmmT(rowIds: ArrayLike<number>, R: number, rowptr: ArrayLike<number>, idx: ArrayLike<number>, val: ArrayLike<number>, dy: ArrayLike<number>, H: number, G: Float32Array): void {
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
  jsSpmm(cpuValues(b, need(inputs, 'rowIds')), R, cpuValues(b, need(inputs, 'rowptr')), cpuValues(b, need(inputs, 'idx')), cpuValues(b, need(inputs, 'val')), cpuValues(b, need(inputs, 'w')), H, out);
  return b.makeTensorInfo([R, H], 'float32', out);
}

function cpuSpmmT({ inputs, backend, attrs }: { inputs: Inputs; backend: unknown; attrs?: unknown }): tf.TensorInfo {
  const b = backend as CpuBackendLike;
  const D = (attrs as { D: number }).D;
  const dy = need(inputs, 'dy');
  const R = need(inputs, 'rowIds').shape[0] ?? 0;
  const H = dy.shape[1] ?? 0;
  const G = new Float32Array(D * H);
  jsSpmmT(cpuValues(b, need(inputs, 'rowIds')), R, cpuValues(b, need(inputs, 'rowptr')), cpuValues(b, need(inputs, 'idx')), cpuValues(b, need(inputs, 'val')), cpuValues(b, dy), H, G);
  return b.makeTensorInfo([D, H], 'float32', G);
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
  reg(SPMM, 'wasm', wasmSpmm);
  reg(SPMM_T, 'wasm', wasmSpmmT);
  reg(SPMM, 'cpu', cpuSpmm);
  reg(SPMM_T, 'cpu', cpuSpmmT);
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
        tf.engine().runKernel(SPMM_T, { ...base, dy } as unknown as tf.NamedTensorMap, { D: csr.nCols } as unknown as tf.NamedAttrMap) as tf.Tensor,
      ],
    };
  });
  return f(w) as tf.Tensor2D;
}
