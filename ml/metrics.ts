/**
 * Collapse metrics (DESIGN §1): per-prompt profile, target, misfit, shape, flags; dataset-level
 * collapse gap and openness tracking. All thresholds live in COLLAPSE_THRESHOLDS.
 */
import { optimalRewards } from "./theory";

export const COLLAPSE_THRESHOLDS = {
  /** Prompts with openness >= openMin count as open for the gap. */
  openMin: 2 / 3,
  /** Prompts with openness <= closedMax count as closed for the gap. */
  closedMax: 1 / 3,
  /** A profile whose raw spread (max - min reward) is below this is flat (all 0.5). */
  flatSpread: 1e-6,
  /** A prompt whose spread is below this is flagged "near-flat". */
  nearFlatSpread: 0.02,
  /** A prompt whose misfit (W1 to its target) exceeds this is flagged "misfit". */
  misfit: 0.15,
  /** Margin around the n-point shape of openness 1/2 before a shape counts as the wrong side. */
  shapeMargin: 0.1,
  /** Shape (Beta alpha) is clipped to [0, shapeMax]. */
  shapeMax: 5,
  /** The data's openness varies when its standard deviation is at least this. */
  opennessStdMin: 0.1,
  /** A run collapses when the gap is below this ... */
  gapMax: 0.08,
  /** ... and openness tracking is below this. */
  trackingMin: 0.3,
} as const;

/** Rewards sorted descending and min-max normalised to [0, 1]; all 0.5 when the spread is ~0. */
export function profile(rewards: readonly number[]): number[] {
  const s = [...rewards].sort((a, b) => b - a);
  const hi = s[0] ?? 0;
  const lo = s[s.length - 1] ?? 0;
  const spread = hi - lo;
  if (!(spread >= COLLAPSE_THRESHOLDS.flatSpread)) return s.map(() => 0.5);
  return s.map((x) => (x - lo) / spread);
}

export function spread(rewards: readonly number[]): number {
  if (rewards.length === 0) return 0;
  return Math.max(...rewards) - Math.min(...rewards);
}

const targetMemo = new Map<string, number[]>();

/**
 * The exact n-point optimum for the conditioned utility of this openness, eps = 0. A prompt with
 * fewer than 2 responses has no distribution to shape: its target is its (flat) profile, all 0.5.
 */
export function targetProfile(openness: number, n: number): number[] {
  if (n < 2) return new Array<number>(Math.max(0, n)).fill(0.5);
  const key = `${openness.toFixed(6)}:${n}`;
  let t = targetMemo.get(key);
  if (!t) {
    t = optimalRewards({ utility: "conditioned", n, openness, eps: 0 });
    targetMemo.set(key, t);
  }
  return [...t];
}

/** Mean absolute difference between two equally long profiles (W1 between n-point laws). */
export function misfit(prof: readonly number[], target: readonly number[]): number {
  if (prof.length !== target.length) throw new Error("misfit: profile and target lengths differ");
  if (prof.length === 0) return 0;
  let s = 0;
  for (let k = 0; k < prof.length; k++) s += Math.abs((prof[k] as number) - (target[k] as number));
  return s / prof.length;
}

/** Method-of-moments Beta(alpha, alpha) parameter of a profile, clipped to [0, shapeMax]. */
export function shape(prof: readonly number[]): number {
  const n = prof.length;
  if (n === 0) return COLLAPSE_THRESHOLDS.shapeMax;
  const mean = prof.reduce((a, b) => a + b, 0) / n;
  const v = prof.reduce((a, b) => a + (b - mean) * (b - mean), 0) / n;
  if (!(v > 0)) return COLLAPSE_THRESHOLDS.shapeMax;
  const a = (1 / (4 * v) - 1) / 2;
  return Math.min(COLLAPSE_THRESHOLDS.shapeMax, Math.max(0, a));
}

export interface ProfiledPrompt {
  openness: number;
  profile: readonly number[];
}

/** Prompts with fewer than 2 rewards carry no distribution: the dataset-level metrics skip them. */
function ranked(prompts: readonly ProfiledPrompt[]): readonly ProfiledPrompt[] {
  return prompts.every((p) => p.profile.length >= 2) ? prompts : prompts.filter((p) => p.profile.length >= 2);
}

/**
 * Mean over ranks of |mean open profile - mean closed profile| (open: o >= openMin, closed:
 * o <= closedMax); profiles of different lengths are compared on a common quantile grid. NaN when
 * either group is empty. Prompts with fewer than 2 rewards are skipped.
 */
export function collapseGap(prompts: readonly ProfiledPrompt[]): number {
  const usable = ranked(prompts);
  const open = usable.filter((p) => p.openness >= COLLAPSE_THRESHOLDS.openMin);
  const closed = usable.filter((p) => p.openness <= COLLAPSE_THRESHOLDS.closedMax);
  if (open.length === 0 || closed.length === 0) return NaN;
  const n = open[0]?.profile.length ?? 0;
  if ([...open, ...closed].some((p) => p.profile.length !== n)) {
    // Different response counts: compare on a common quantile grid.
    return gapOnGrid(open, closed);
  }
  let gap = 0;
  for (let k = 0; k < n; k++) {
    const mo = open.reduce((a, p) => a + (p.profile[k] as number), 0) / open.length;
    const mc = closed.reduce((a, p) => a + (p.profile[k] as number), 0) / closed.length;
    gap += Math.abs(mo - mc);
  }
  return gap / n;
}

function quantile(prof: readonly number[], q: number): number {
  const n = prof.length;
  if (n === 1) return prof[0] as number;
  const x = q * (n - 1);
  const i = Math.floor(x);
  const f = x - i;
  return (prof[i] as number) * (1 - f) + (prof[Math.min(n - 1, i + 1)] as number) * f;
}

function gapOnGrid(open: readonly ProfiledPrompt[], closed: readonly ProfiledPrompt[]): number {
  const m = 33;
  let gap = 0;
  for (let k = 0; k < m; k++) {
    const q = k / (m - 1);
    const mo = open.reduce((a, p) => a + quantile(p.profile, q), 0) / open.length;
    const mc = closed.reduce((a, p) => a + quantile(p.profile, q), 0) / closed.length;
    gap += Math.abs(mo - mc);
  }
  return gap / m;
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

/** Spearman correlation between each prompt's shape and its openness (prompts with >= 2 rewards). */
export function opennessTracking(prompts: readonly ProfiledPrompt[]): number {
  const usable = ranked(prompts);
  return spearman(
    usable.map((p) => shape(p.profile)),
    usable.map((p) => p.openness),
  );
}

export interface PromptReport {
  id: string;
  openness: number;
  profile: number[];
  target: number[];
  misfit: number;
  shape: number;
  spread: number;
  flags: string[];
}

/** The verdict in one word: what a badge shows beside the sentence. */
export type VerdictKind = "collapsed" | "aware" | "partial" | "undetermined";

export interface CollapseReport {
  gap: number;
  tracking: number;
  collapsed: boolean;
  kind: VerdictKind;
  verdict: string;
  perPrompt: PromptReport[];
}

/** Flags of one prompt: "flat", "near-flat", "misfit", "too-peaked" (open), "too-spread" (closed). */
export function promptFlags(
  openness: number,
  prof: readonly number[],
  target: readonly number[],
  sp: number,
): string[] {
  const T = COLLAPSE_THRESHOLDS;
  const flags: string[] = [];
  if (prof.length < 2) return flags; // a single response has no spread or shape to judge
  if (sp < T.flatSpread) flags.push("flat");
  else if (sp < T.nearFlatSpread) flags.push("near-flat");
  if (misfit(prof, target) > T.misfit) flags.push("misfit");
  const boundary = shape(targetProfile(0.5, prof.length));
  const s = shape(prof);
  if (openness >= T.openMin && s < boundary - T.shapeMargin) flags.push("too-peaked");
  if (openness <= T.closedMax && s > boundary + T.shapeMargin) flags.push("too-spread");
  return flags;
}

/** One-call report over prompts' rewards (in any order; profiles are sorted descending). */
export function collapseReport(
  prompts: readonly { id: string; openness: number; rewards: readonly number[] }[],
): CollapseReport {
  const T = COLLAPSE_THRESHOLDS;
  const perPrompt: PromptReport[] = prompts.map((p) => {
    const prof = profile(p.rewards);
    const target = targetProfile(p.openness, prof.length);
    const sp = spread(p.rewards);
    return {
      id: p.id,
      openness: p.openness,
      profile: prof,
      target,
      misfit: misfit(prof, target),
      shape: shape(prof),
      spread: sp,
      flags: promptFlags(p.openness, prof, target, sp),
    };
  });
  const gap = collapseGap(perPrompt);
  const tracking = opennessTracking(perPrompt);
  const os = prompts.map((p) => p.openness);
  const mean = os.reduce((a, b) => a + b, 0) / Math.max(1, os.length);
  const std = Math.sqrt(os.reduce((a, b) => a + (b - mean) * (b - mean), 0) / Math.max(1, os.length));
  const varies = std >= T.opennessStdMin && Number.isFinite(gap);
  const trackingLow = !(tracking >= T.trackingMin);
  const collapsed = varies && gap < T.gapMax && trackingLow;
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
  const kind: VerdictKind = !varies
    ? "undetermined"
    : collapsed
      ? "collapsed"
      : gap >= T.gapMax && !trackingLow
        ? "aware"
        : "partial";
  const verdict = {
    undetermined: `Openness does not vary enough in these prompts to judge collapse (gap ${fmt(gap)}, tracking ${fmt(tracking)}).`,
    collapsed: `Collapsed: open and closed prompts end with nearly the same reward profile (gap ${fmt(gap)} < ${T.gapMax}, tracking ${fmt(tracking)} < ${T.trackingMin}).`,
    aware: `Not collapsed: reward profiles follow openness (gap ${fmt(gap)}, tracking ${fmt(tracking)}).`,
    partial: `Partly collapsed: gap ${fmt(gap)}, tracking ${fmt(tracking)} (thresholds: gap ${T.gapMax}, tracking ${T.trackingMin}).`,
  }[kind];
  return { gap, tracking, collapsed, kind, verdict, perPrompt };
}
