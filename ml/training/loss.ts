/**
 * The pairwise loss: for each prompt, every ordered pair (better, worse) from each annotation's
 * ranking groups (ties give no pair), each annotation weighing the same within its prompt and each
 * prompt weighing the same in the batch; loss = -sum_prompts sum_pairs w * U_o(r_better - r_worse)
 * / (prompts with pairs). Vectorised: pair weights are a [B, n, n] tensor, gamma a [B, 1, 1] tensor.
 */
import * as tf from "@tensorflow/tfjs";
import type { TrainingPrompt } from "../types";
import { type UtilityName, boxcoxCoefficients, utilityGamma, utilityTensor } from "../utility";

/**
 * Pair weights of one prompt, row-major n x n (n = responses.length): w[i * n + j] is the weight of
 * "response i better than response j". Sums to 1, or is all zero when the prompt has no pair.
 * Ids in rankings that are not responses of the prompt are ignored.
 */
export function pairWeights(p: TrainingPrompt): Float32Array {
  const n = p.responses.length;
  const pos = new Map(p.responses.map((r, i) => [r.id, i] as const));
  const w = new Float64Array(n * n);
  const perAnnotation: [number, number][][] = [];
  for (const ranking of p.rankings) {
    const groups = ranking.map((g) => g.map((id) => pos.get(id)).filter((i): i is number => i !== undefined));
    const pairs: [number, number][] = [];
    for (let a = 0; a < groups.length; a++)
      for (let b = a + 1; b < groups.length; b++)
        for (const i of groups[a] as number[]) for (const j of groups[b] as number[]) if (i !== j) pairs.push([i, j]);
    if (pairs.length > 0) perAnnotation.push(pairs);
  }
  for (const pairs of perAnnotation) {
    const each = 1 / (pairs.length * perAnnotation.length);
    for (const [i, j] of pairs) w[i * n + j] = (w[i * n + j] as number) + each;
  }
  return Float32Array.from(w);
}

/** Per-prompt Box-Cox exponent for a utility (0 placeholder for logsigmoid). */
export function promptGamma(name: UtilityName, openness: number, gamma?: number): number {
  return utilityGamma(name, { openness, gamma }) ?? 0;
}

/**
 * The batch loss from rewards [B, n], pair weights [B, n, n] and gamma [B, 1, 1]; `nWeighted` is
 * the number of prompts in the batch that have pairs.
 */
export function pairLoss(
  rewards: tf.Tensor2D,
  weights: tf.Tensor3D,
  gamma: tf.Tensor3D,
  name: UtilityName,
  eps: number,
  nWeighted: number,
): tf.Scalar {
  const [B, n] = rewards.shape;
  const diff = tf.sub(tf.reshape(rewards, [B, n, 1]), tf.reshape(rewards, [B, 1, n]));
  const u = utilityTensor(name, diff, gamma, eps);
  return tf.div(tf.neg(tf.sum(tf.mul(weights, u))), tf.scalar(Math.max(1, nWeighted))) as tf.Scalar;
}

/** Weighted pair accuracy of one prompt's rewards (ties in reward count 1/2); null without pairs. */
export function pairAccuracy(rewards: ArrayLike<number>, w: Float32Array, n: number): number | null {
  let s = 0;
  let t = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const x = w[i * n + j] as number;
      if (x === 0) continue;
      const d = (rewards[i] as number) - (rewards[j] as number);
      s += x * (d > 0 ? 1 : d === 0 ? 0.5 : 0);
      t += x;
    }
  return t > 0 ? s / t : null;
}

/** Per-prompt constants of the fused loss, [B] each (see utility.ts, BoxcoxCoefficients). */
export interface LossConstants {
  z: Float32Array;
  gs: Float32Array;
  coef: Float32Array;
  slope: Float32Array;
  gm1: Float32Array;
}

export function lossConstants(gammas: ArrayLike<number>, eps: number, out?: LossConstants): LossConstants {
  const B = gammas.length;
  const c = out ?? {
    z: new Float32Array(B),
    gs: new Float32Array(B),
    coef: new Float32Array(B),
    slope: new Float32Array(B),
    gm1: new Float32Array(B),
  };
  for (let b = 0; b < B; b++) {
    const k = boxcoxCoefficients(gammas[b] as number, eps);
    c.z[b] = k.z;
    c.gs[b] = k.gs;
    c.coef[b] = k.coef;
    c.slope[b] = k.slope;
    c.gm1[b] = k.gm1;
  }
  return c;
}

export interface LossConstantTensors {
  z: tf.Tensor3D;
  gs: tf.Tensor3D;
  coef: tf.Tensor3D;
  slope: tf.Tensor3D;
  gm1: tf.Tensor3D;
}

export function lossConstantTensors(c: LossConstants): LossConstantTensors {
  const B = c.z.length;
  const t = (a: Float32Array) => tf.tensor3d(a, [B, 1, 1]);
  return { z: t(c.z), gs: t(c.gs), coef: t(c.coef), slope: t(c.slope), gm1: t(c.gm1) };
}

/**
 * The same loss as pairLoss, from scores [B * n] (reward = sigmoid(score)), fused: per-prompt
 * Box-Cox coefficients are precomputed and the gradient is closed-form,
 *   dL/dr_k = -(sum_j W_kj U'(r_k - r_j) - sum_i W_ik U'(r_i - r_k)) / nWeighted,
 * with U'(x) = exp((g - 1) log(x+ + eps)) (logsigmoid: 4 sigmoid(-4x)); ~10 tensor ops instead
 * of autograd's ~50 through the utility.
 */
export function pairLossFused(
  scores: tf.Tensor1D,
  B: number,
  n: number,
  weights: tf.Tensor3D,
  c: LossConstantTensors,
  name: UtilityName,
  eps: number,
  nWeighted: number,
): tf.Scalar {
  const scale = 1 / Math.max(1, nWeighted);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [s, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const r = tf.sigmoid(tf.reshape(s, [B, n]));
    const diff = tf.sub(tf.reshape(r, [B, n, 1]), tf.reshape(r, [B, 1, n]));
    let u: tf.Tensor;
    let keep: tf.Tensor;
    if (name === "logsigmoid") {
      u = tf.neg(tf.softplus(tf.mul(diff, -4)));
      keep = diff;
    } else {
      const xp = tf.relu(diff);
      const xn = tf.sub(diff, xp);
      const L = tf.log(tf.add(xp, eps));
      const lp = tf.sub(L, Math.log(eps));
      u = tf.add(tf.add(tf.mul(c.z, lp), tf.mul(c.coef, tf.expm1(tf.mul(c.gs, lp)))), tf.mul(c.slope, xn));
      keep = L;
    }
    save([r, keep]);
    return {
      value: tf.mul(tf.sum(tf.mul(weights, u)), -scale),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [rs, k] = saved as [tf.Tensor, tf.Tensor];
        const du = name === "logsigmoid" ? tf.mul(tf.sigmoid(tf.mul(k, -4)), 4) : tf.exp(tf.mul(c.gm1, k));
        const G = tf.mul(weights, du);
        const dr = tf.mul(tf.sub(tf.sum(G, 2), tf.sum(G, 1)), tf.mul(dy, -scale));
        return [tf.reshape(tf.mul(dr, tf.mul(rs, tf.sub(1, rs))), [B * n])];
      },
    };
  });
  return f(scores) as tf.Scalar;
}
