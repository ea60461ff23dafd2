/** One batch of prompts as host buffers (reused between steps) and as the tensors a step needs. */
import type * as tf from "@tensorflow/tfjs";
import type { LossConstantTensors } from "./loss";
import type { PreparedData } from "./data";

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
