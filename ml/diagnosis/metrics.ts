/**
 * Per-prompt collapse measures (docs/design.md): the profile (rewards sorted descending, min-max
 * normalised), the target (the exact optimum of the conditioned utility for the prompt's openness
 * at the run's eps, with its ties), misfit (W1 between the two), shape (method-of-moments Beta
 * parameter) and Spearman's correlation. The verdict built on them lives in verdict.ts.
 */
import { optimalRewards } from "./theory";
import { DEFAULT_EPS } from "../utility";

/**
 * A spread at or below this share of the prompt's own largest |reward| is flat: float rounding of
 * rewards that should be equal stays far below it, and any two distinct float32 rewards differ by
 * more. Relative to the prompt itself, so no offset, scale or other prompt changes it.
 */
export const FLAT_RELATIVE = 1e-9;

/** Whether rewards carry no shape (docs/design.md, "Admissibility by information"). */
export function isFlat(rewards: readonly number[]): boolean {
  let hi = -Infinity;
  let lo = Infinity;
  let magnitude = 0;
  for (const r of rewards) {
    if (r > hi) hi = r;
    if (r < lo) lo = r;
    magnitude = Math.max(magnitude, Math.abs(r));
  }
  const spread = hi - lo;
  return !(spread > 0) || spread <= FLAT_RELATIVE * magnitude;
}

/** The bounded reward the theory reads: `logit` scores (a Bradley–Terry model's) through the sigmoid. */
export type RewardLink = "identity" | "logit";
export const REWARD_LINKS = ["identity", "logit"] as const;

export function linkRewards(rewards: readonly number[], link: RewardLink): number[] {
  if (link === "identity") return [...rewards];
  return rewards.map((s) => (s >= 0 ? 1 / (1 + Math.exp(-s)) : Math.exp(s) / (1 + Math.exp(s))));
}
/** Shape (Beta alpha) is clipped to [0, SHAPE_MAX]. */
export const SHAPE_MAX = 5;

/** Rewards sorted descending and min-max normalised to [0, 1]; all 0.5 when the spread is ~0. */
export function profile(rewards: readonly number[]): number[] {
  const s = [...rewards].sort((a, b) => b - a);
  const hi = s[0] ?? 0;
  const lo = s[s.length - 1] ?? 0;
  if (isFlat(s)) return s.map(() => 0.5);
  return s.map((x) => (x - lo) / (hi - lo));
}

export function spread(rewards: readonly number[]): number {
  if (rewards.length === 0) return 0;
  let hi = -Infinity;
  let lo = Infinity;
  for (const r of rewards) {
    if (r > hi) hi = r;
    if (r < lo) lo = r;
  }
  return hi - lo;
}

export interface TargetOptions {
  /** The utility's smoothing used in training (default 0.1, the trainer's default). */
  eps?: number;
  /** Tie-group sizes, best first (tied responses share one reward). */
  groups?: readonly number[];
}

/**
 * The exact n-point optimum of the conditioned utility for this openness, at the run's eps and with
 * the prompt's ties. A prompt with fewer than 2 responses (or one tie group) has no distribution to
 * shape: its target is all 0.5.
 */
export function targetProfile(openness: number, n: number, opts: TargetOptions = {}): number[] {
  if (n < 2) return new Array<number>(Math.max(0, n)).fill(0.5);
  const eps = opts.eps ?? DEFAULT_EPS;
  const key = JSON.stringify([openness, n, eps, opts.groups ?? null]);
  const hit = targetMemo.get(key);
  if (hit) return [...hit];
  const target = optimalRewards({ utility: "conditioned", n, openness, eps, groups: opts.groups });
  if (targetMemo.size > 4000) targetMemo.clear();
  targetMemo.set(key, target);
  return [...target];
}

/** Prompts share a handful of (openness, n, eps, ties) keys; each target is an exact solve. */
const targetMemo = new Map<string, number[]>();

/** Mean absolute difference between two equally long profiles (W1 between n-point laws). */
export function misfit(prof: readonly number[], target: readonly number[]): number {
  if (prof.length !== target.length) throw new Error("misfit: profile and target lengths differ");
  if (prof.length === 0) return 0;
  let s = 0;
  for (let k = 0; k < prof.length; k++) s += Math.abs((prof[k] as number) - (target[k] as number));
  return s / prof.length;
}

/** Method-of-moments Beta(alpha, alpha) parameter of a profile, clipped to [0, SHAPE_MAX]. */
export function shape(prof: readonly number[]): number {
  const n = prof.length;
  if (n === 0) return SHAPE_MAX;
  const mean = prof.reduce((a, b) => a + b, 0) / n;
  const v = prof.reduce((a, b) => a + (b - mean) * (b - mean), 0) / n;
  if (!(v > 0)) return SHAPE_MAX;
  const a = (1 / (4 * v) - 1) / 2;
  return Math.min(SHAPE_MAX, Math.max(0, a));
}

/** A profile (best first) read at m evenly spaced quantiles, so profiles of any length compare. */
export function quantileGrid(prof: readonly number[], m: number): number[] {
  const n = prof.length;
  return Array.from({ length: m }, (_, k) => {
    if (n === 1) return prof[0] as number;
    const x = (k / (m - 1)) * (n - 1);
    const i = Math.floor(x);
    const f = x - i;
    return (prof[i] as number) * (1 - f) + (prof[Math.min(n - 1, i + 1)] as number) * f;
  });
}

function ranks(xs: readonly number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length).fill(0);
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (
      j + 1 < idx.length &&
      (idx[j + 1] as readonly [number, number])[0] === (idx[i] as readonly [number, number])[0]
    )
      j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[(idx[k] as readonly [number, number])[1]] = avg;
    i = j + 1;
  }
  return r;
}

/** Spearman rank correlation (average ranks for ties); NaN if either side is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length < 2) return NaN;
  const ra = ranks(a);
  const rb = ranks(b);
  const n = a.length;
  const ma = ra.reduce((x, y) => x + y, 0) / n;
  const mb = rb.reduce((x, y) => x + y, 0) / n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (ra[i] as number) - ma;
    const db = (rb[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  return sab / Math.sqrt(saa * sbb);
}
