/**
 * Adam with PyTorch's update rule, fused: on the wasm backend one SIMD pass per variable updates
 * parameters and moments in place on the wasm heap (tfjs's Adam runs ~12 separate element-wise
 * kernels, each allocating a full-size tensor); elsewhere the same formula with tfjs ops.
 *
 * In-place updates are only allowed for variables that no tfjs matMul reads as its weight
 * operand: the wasm backend's XNNPACK matMul caches packed weights per tensor id, so a weight
 * changed in place would be used stale. Those variables take the tfjs-ops path (new tensor
 * each step), which is cheap for the small dense layers.
 */
import * as tf from "@tensorflow/tfjs";
import { simdKernels } from "./simd";

interface WasmBackendLike {
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
}

export class FusedAdam {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly vars: tf.Variable[],
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
    /** Per variable: may it be updated in place (default: all)? */
    private readonly inPlace: boolean[] = vars.map(() => true),
  ) {
    const zeros = (x: tf.Variable) => {
      const z = tf.zerosLike(x);
      const out = tf.variable(z, false);
      z.dispose();
      return out;
    };
    this.m = vars.map(zeros);
    this.v = vars.map(zeros);
  }

  /** Apply one update with gradients in the order of the variables. */
  apply(grads: tf.Tensor[]): void {
    this.t++;
    const bc1 = 1 - Math.pow(this.beta1, this.t);
    const bc2 = 1 - Math.pow(this.beta2, this.t);
    const a = this.lr / bc1;
    const s2 = 1 / Math.sqrt(bc2);
    const backend = tf.backend() as unknown as WasmBackendLike;
    const k = tf.getBackend() === "wasm" ? simdKernels(backend.wasm.asm.memory, 4) : null;
    this.vars.forEach((p, i) => {
      const g = grads[i];
      if (!g) throw new Error("missing gradient");
      const m = this.m[i] as tf.Variable;
      const v = this.v[i] as tf.Variable;
      if (k && this.inPlace[i] !== false) {
        const off = (t: tf.Tensor) => {
          const d = backend.dataIdMap.get(t.dataId as object);
          if (!d) throw new Error("tensor not on the wasm backend");
          return d.memoryOffset;
        };
        const n = p.size;
        const n4 = n - (n % 4);
        const [po, go, mo, vo] = [off(p), off(g), off(m), off(v)];
        if (n4 > 0) k.adam(po, go, mo, vo, 4 * n4, this.beta1, this.beta2, a, s2, this.eps);
        if (n4 < n) {
          const f = new Float32Array(backend.wasm.asm.memory.buffer);
          for (let j = n4; j < n; j++) {
            const gj = f[(go >> 2) + j] as number;
            const mj = this.beta1 * (f[(mo >> 2) + j] as number) + (1 - this.beta1) * gj;
            const vj = this.beta2 * (f[(vo >> 2) + j] as number) + (1 - this.beta2) * gj * gj;
            f[(mo >> 2) + j] = mj;
            f[(vo >> 2) + j] = vj;
            f[(po >> 2) + j] = (f[(po >> 2) + j] as number) - (a * mj) / (Math.sqrt(vj) * s2 + this.eps);
          }
        }
      } else {
        tf.tidy(() => {
          const mn = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
          const vn = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
          m.assign(mn);
          v.assign(vn);
          p.assign(tf.sub(p, tf.div(tf.mul(mn, a), tf.add(tf.mul(tf.sqrt(vn), s2), this.eps))));
        });
      }
    });
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
