/**
 * Host access to a float32 tensor's data without a copy: a view of the wasm heap, or the cpu
 * backend's own array (any other backend: a copy). A wasm view is valid until the backend next
 * allocates (a grown heap detaches it), so use it at once and allocate nothing meanwhile.
 */
import * as tf from "@tensorflow/tfjs";

interface WasmBackendLike {
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
}

interface CpuBackendLike {
  data: { get(id: object): { values?: unknown } | undefined };
}

/** The byte offset of a tensor's data in the wasm heap (the wasm backend must be active). */
export function wasmOffset(t: tf.Tensor): number {
  const d = (tf.backend() as unknown as WasmBackendLike).dataIdMap.get(t.dataId as object);
  if (!d) throw new Error("tensor data not on the wasm backend");
  return d.memoryOffset;
}

/** The wasm backend's heap, or null when another backend is active. */
export function wasmMemory(): WebAssembly.Memory | null {
  return tf.getBackend() === "wasm" ? (tf.backend() as unknown as WasmBackendLike).wasm.asm.memory : null;
}

export function tensorView(t: tf.Tensor): Float32Array {
  if (t.dtype !== "float32") throw new Error(`tensorView: ${t.dtype} tensor, not float32`);
  const name = tf.getBackend();
  const memory = wasmMemory();
  if (memory) return new Float32Array(memory.buffer, wasmOffset(t), t.size);
  if (name === "cpu") {
    const values = (tf.backend() as unknown as CpuBackendLike).data.get(t.dataId as object)?.values;
    if (values instanceof Float32Array && values.length === t.size) return values;
  }
  return t.dataSync() as Float32Array;
}
