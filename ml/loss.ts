/**
 * The pairwise loss: for each prompt, every ordered pair (better, worse) from each annotation's
 * ranking groups (ties give no pair), each annotation weighing the same within its prompt and each
 * prompt weighing the same in the batch; loss = -sum_prompts sum_pairs w * U_o(r_better - r_worse)
 * / (prompts with pairs). Vectorised: pair weights are a [B, n, n] tensor, gamma a [B, 1, 1] tensor.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingPrompt } from './types';
import { type UtilityName, utilityGamma, utilityTensor } from './utility';

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
