/**
 * The model's head fused with the pairwise loss, forward and backward in one pass on host arrays:
 * from the first layer's output A [R, H] (before its bias) to the loss and the gradients of A,
 * the first layer's bias, and the output layer (when the model has one hidden layer; a linear
 * model has H = 1 and no output layer). It computes what forwardFast's dense tail and
 * pairLossFused compute with ~60 tensor ops (and autograd's bookkeeping around them), here in
 * float64 over R x H values and the pairs that carry weight (a pair of weight zero adds zero
 * to the loss and its gradient). The two passes over R x H run as host loops or, given the wasm
 * kernels, as headForward and headBackward (ml/kernels/simd.ts), with the same bits.
 */
import type { SimdKernels } from "../kernels/simd";
import type { UtilityName } from "../utility";
import type { LossConstants } from "./loss";

/** The head's parameters as host arrays. */
export interface HeadParams {
  /** First layer's bias [H]. */
  b1: Float32Array;
  /** Output layer [H] x 1 and its bias; absent for a linear model (H = 1). */
  out?: { w: Float32Array; b: number };
}

/** Gradient buffers (reused between steps), filled by headLossAndGrads. */
export interface HeadGrads {
  dA: Float32Array;
  db1: Float32Array;
  /** Output layer's weight and bias gradients (length H and 1; unused without an output layer). */
  dw: Float32Array;
  db: Float32Array;
  /** Scratch: rewards and dLoss/dScore per row, and float64 sums of db1 and dw. */
  rewards: Float64Array;
  dScores: Float64Array;
  sumB1: Float64Array;
  sumW: Float64Array;
}

export function headGrads(R: number, H: number): HeadGrads {
  return {
    dA: new Float32Array(R * H),
    db1: new Float32Array(H),
    dw: new Float32Array(H),
    db: new Float32Array(1),
    rewards: new Float64Array(R),
    dScores: new Float64Array(R),
    sumB1: new Float64Array(H),
    sumW: new Float64Array(H),
  };
}

/** The batch as the loss sees it: B prompts of n rows, pair weights [B, n, n]. */
export interface HeadBatch {
  B: number;
  n: number;
  weights: Float32Array;
  nWeighted: number;
}

/**
 * The batch loss (as pairLossFused defines it) of first-layer outputs A [B * n, H]; fills g with
 * its gradients and returns the loss. With `kernels`, the passes over A run as the wasm kernels
 * headForward and headBackward (the same bits, several times faster); A, the parameters and g's
 * arrays (but db1, dw and db) must then be views of the kernels' memory. (Small type-stable
 * functions, so V8 optimises each whole instead of one long first call on stack replacement.)
 */
export function headLossAndGrads(
  A: Float32Array,
  H: number,
  p: HeadParams,
  batch: HeadBatch,
  c: LossConstants,
  name: UtilityName,
  eps: number,
  g: HeadGrads,
  kernels?: SimdKernels,
): number {
  const R = batch.B * batch.n;
  if (A.length < R * H) throw new Error(`head: A holds ${A.length} values, not ${R} x ${H}`);
  if (!p.out && H !== 1) throw new Error("head: a model without an output layer has one first-layer output");
  const w = p.out ? p.out.w : null;
  const b = p.out ? p.out.b : 0;
  const simd = kernels && w ? kernels : null;
  if (simd) {
    const heap = A.buffer;
    if ([p.b1, w, g.dA, g.rewards, g.dScores, g.sumB1, g.sumW].some((x) => x?.buffer !== heap))
      throw new Error("head: the kernels' arrays must all be views of one memory");
    simd.headForward(A.byteOffset, p.b1.byteOffset, (w as Float32Array).byteOffset, R, 4 * H, g.rewards.byteOffset);
    rewardsFromTwiceDots(g.rewards, R, b);
  } else rewardsForward(A, R, H, p.b1, w, b, g.rewards);
  const loss = pairLossAndGrad(g.rewards, batch, c, name === "logsigmoid", eps, g.dScores);
  if (simd) {
    simd.headBackward(
      A.byteOffset,
      p.b1.byteOffset,
      (w as Float32Array).byteOffset,
      g.dScores.byteOffset,
      R,
      4 * H,
      g.dA.byteOffset,
      g.sumB1.byteOffset,
      g.sumW.byteOffset,
    );
    outputGrads(R, H, w, g);
  } else headBackward(A, R, H, p.b1, w, g);
  return loss;
}

/** Rewards from sum_j (pre + |pre|) w[j] per row (headForward's output, in place). */
function rewardsFromTwiceDots(rewards: Float64Array, R: number, b: number): void {
  for (let r = 0; r < R; r++) rewards[r] = 1 / (1 + Math.exp(-(b + 0.5 * (rewards[r] as number))));
}

/** reward = sigmoid(relu(A + b1) . w + b), or sigmoid(A + b1) without an output layer (H = 1). */
function rewardsForward(
  A: Float32Array,
  R: number,
  H: number,
  b1: Float32Array,
  w: Float32Array | null,
  b: number,
  rewards: Float64Array,
): void {
  for (let r = 0; r < R; r++) {
    const o = r * H;
    let s: number;
    if (w) {
      // relu(pre) = (pre + |pre|) / 2, halved once per row (exact): a branch on the sign of
      // pre would mispredict about half the time.
      let twice = 0;
      for (let j = 0; j < H; j++) {
        const pre = (A[o + j] as number) + (b1[j] as number);
        twice += (pre + Math.abs(pre)) * (w[j] as number);
      }
      s = b + 0.5 * twice;
    } else s = (A[o] as number) + (b1[0] as number);
    rewards[r] = 1 / (1 + Math.exp(-s));
  }
}

/**
 * The loss over the weighted pairs (i better than j within a prompt) and dLoss/dScore per row
 * (through the sigmoid) into dScores.
 */
function pairLossAndGrad(
  rewards: Float64Array,
  batch: HeadBatch,
  c: LossConstants,
  logsigmoid: boolean,
  eps: number,
  dScores: Float64Array,
): number {
  const { B, n, weights } = batch;
  const R = B * n;
  dScores.fill(0, 0, R);
  const scale = 1 / Math.max(1, batch.nWeighted);
  const logEps = Math.log(eps);
  let total = 0;
  for (let b = 0; b < B; b++) {
    const z = c.z[b] as number;
    const gs = c.gs[b] as number;
    const coef = c.coef[b] as number;
    const slope = c.slope[b] as number;
    const gm1 = c.gm1[b] as number;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const wt = weights[(b * n + i) * n + j] as number;
        if (wt === 0) continue;
        const d = (rewards[b * n + i] as number) - (rewards[b * n + j] as number);
        let u: number;
        let du: number;
        if (logsigmoid) {
          const x = -4 * d;
          u = -(x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
          du = 4 / (1 + Math.exp(-x));
        } else {
          const xp = d > 0 ? d : 0;
          const L = Math.log(xp + eps);
          const lp = L - logEps;
          u = z * lp + coef * Math.expm1(gs * lp) + slope * (d - xp);
          du = Math.exp(gm1 * L);
        }
        total += wt * u;
        dScores[b * n + i] = (dScores[b * n + i] as number) + wt * du;
        dScores[b * n + j] = (dScores[b * n + j] as number) - wt * du;
      }
  }
  for (let r = 0; r < R; r++) {
    const rw = rewards[r] as number;
    dScores[r] = (dScores[r] as number) * -scale * rw * (1 - rw);
  }
  return -scale * total;
}

/** From dLoss/dScore to the gradients of A, b1 and the output layer. */
function headBackward(
  A: Float32Array,
  R: number,
  H: number,
  b1: Float32Array,
  w: Float32Array | null,
  g: HeadGrads,
): void {
  const { dA, dScores, sumB1, sumW } = g;
  sumB1.fill(0);
  sumW.fill(0);
  for (let r = 0; r < R; r++) {
    const ds = dScores[r] as number;
    const o = r * H;
    if (!w) {
      dA[o] = ds;
      sumB1[0] = (sumB1[0] as number) + ds;
    } else if (ds === 0) dA.fill(0, o, o + H);
    else
      for (let j = 0; j < H; j++) {
        // Branch-free, as in rewardsForward: sumW holds twice the sums until the end.
        const pre = (A[o + j] as number) + (b1[j] as number);
        const d = Number(pre > 0) * ds * (w[j] as number);
        dA[o + j] = d;
        sumB1[j] = (sumB1[j] as number) + d;
        sumW[j] = (sumW[j] as number) + (pre + Math.abs(pre)) * ds;
      }
  }
  outputGrads(R, H, w, g);
}

/** db1, dw and db from the sums of the backward pass and dScores. */
function outputGrads(R: number, H: number, w: Float32Array | null, g: HeadGrads): void {
  g.db1.set(g.sumB1);
  if (w) {
    let dbSum = 0;
    for (let r = 0; r < R; r++) dbSum += g.dScores[r] as number;
    for (let j = 0; j < H; j++) g.dw[j] = 0.5 * (g.sumW[j] as number);
    g.db[0] = dbSum;
  }
}
