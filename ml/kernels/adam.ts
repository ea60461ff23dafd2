/**
 * Adam with PyTorch's update rule, fused: on the wasm backend one SIMD pass per variable updates
 * parameters and moments in place on the wasm heap (tfjs's Adam runs ~12 separate element-wise
 * kernels, each allocating a full-size tensor); elsewhere the same formula with tfjs ops.
 *
 * In-place updates are only allowed for variables that no tfjs matMul reads as its weight
 * operand: the wasm backend's XNNPACK matMul caches packed weights per tensor id, so a weight
 * changed in place would be used stale. Those variables get a new tensor each step (computed in
 * JS: they are the small dense layers); their moments are updated in place.
 *
 * The SIMD pass stores a subnormal moment as zero, which moves no weight (simd.ts says why: x86
 * is many times slower on subnormal floats); the JS tail computes in float64, where they cost
 * nothing, and keeps them.
 */
import * as tf from "@tensorflow/tfjs";
import { wasmOffset } from "./host-view";
import { simdKernels } from "./simd";
import type { AdamInPlace } from "./sparse";

/** A gradient, or the function that computes it and updates its variable in place (see apply). */
export type AdamGradient = tf.Tensor | ((w: AdamInPlace) => void);

interface WasmBackendLike {
  wasm?: { asm: { memory: WebAssembly.Memory } };
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

  /**
   * Apply one update with gradients in the order of the variables. A gradient may instead be a
   * function that computes it and updates the variable in place itself (on the wasm backend, for a
   * variable updated in place): it is given the variable, its moments and this step's coefficients.
   */
  apply(grads: AdamGradient[]): void {
    this.t++;
    const bc1 = 1 - Math.pow(this.beta1, this.t);
    const bc2 = 1 - Math.pow(this.beta2, this.t);
    const a = this.lr / bc1;
    const s2 = 1 / Math.sqrt(bc2);
    const memory = (tf.backend() as unknown as WasmBackendLike).wasm?.asm.memory;
    const k = tf.getBackend() === "wasm" && memory ? simdKernels(memory, 4) : null;
    this.vars.forEach((p, i) => {
      const g = grads[i];
      if (!g) throw new Error("missing gradient");
      const m = this.m[i] as tf.Variable;
      const v = this.v[i] as tf.Variable;
      if (typeof g === "function") {
        if (!k || this.inPlace[i] === false) throw new Error("an in-place update needs the wasm backend");
        const [po, mo, vo] = [p, m, v].map(wasmOffset) as [number, number, number];
        g({ p: po, m: mo, v: vo, b1: this.beta1, b2: this.beta2, a, s2, eps: this.eps });
        return;
      }
      if (!k || !memory) {
        tf.tidy(() => {
          const mn = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
          const vn = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
          m.assign(mn);
          v.assign(vn);
          p.assign(tf.sub(p, tf.div(tf.mul(mn, a), tf.add(tf.mul(tf.sqrt(vn), s2), this.eps))));
        });
        return;
      }
      const n = p.size;
      const inPlace = this.inPlace[i] !== false;
      // In place: SIMD over whole vectors, the tail in JS. Otherwise the new parameters go to a
      // new tensor (moments still in place), computed in JS: such variables are small.
      const n4 = inPlace ? n - (n % 4) : 0;
      const [po, go, mo, vo] = [p, g, m, v].map(wasmOffset) as [number, number, number, number];
      if (n4 > 0) k.adam(po, go, mo, vo, 4 * n4, this.beta1, this.beta2, a, s2, this.eps);
      if (n4 === n) return;
      const f = new Float32Array(memory.buffer);
      const next = inPlace ? f.subarray(po >> 2, (po >> 2) + n) : new Float32Array(n);
      for (let j = n4; j < n; j++) {
        const gj = f[(go >> 2) + j] as number;
        const mj = this.beta1 * (f[(mo >> 2) + j] as number) + (1 - this.beta1) * gj;
        const vj = this.beta2 * (f[(vo >> 2) + j] as number) + (1 - this.beta2) * gj * gj;
        f[(mo >> 2) + j] = mj;
        f[(vo >> 2) + j] = vj;
        next[j] = (f[(po >> 2) + j] as number) - (a * mj) / (Math.sqrt(vj) * s2 + this.eps);
      }
      if (!inPlace) {
        const t = tf.tensor(next, p.shape);
        p.assign(t);
        t.dispose();
      }
    });
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}
