/**
 * The collapse verdict (v2), decided here and only here: the dashboard, the CLI, run summaries and
 * badges render what `collapseReport` returns. docs/design.md explains each rule and why.
 *
 * Evidence, in the order the rules read it:
 *   - the human ranking (when known): held-out pair accuracy with a bootstrap interval over prompts;
 *     a model that learned nothing has reward shapes that say nothing about collapse;
 *   - flat profiles: a spread that is noise next to the run's reward scale is flat, and a flat profile
 *     is never evidence of openness (min-max normalisation would blow noise up into a shape);
 *   - enough open and enough closed prompts with a shape;
 *   - the normalised gap: the open-minus-closed mean profile projected on the ideal one (the same
 *     difference between these prompts' own targets at the run's eps, with their ties), so 1 is what
 *     a perfect model reaches on these prompts, 0 is collapse and negative is inverted; a seeded
 *     bootstrap over prompts gives its 95% interval;
 *   - tracking: each prompt's implied openness regressed on its tagged openness (slope 1 = perfect,
 *     0 = collapse), which cannot saturate on binary openness the way a rank correlation does.
 */
import { impliedOpenness } from "./implied-openness";
import { misfit, profile, quantileGrid, shape, spearman, spread, targetProfile } from "./metrics";
import { mulberry32 } from "../rng";
import { DEFAULT_EPS } from "../utility";

export const VERDICT_KINDS = [
  "collapsed",
  "aware",
  "partial",
  "inverted",
  "not-learned",
  "insufficient",
  "undetermined",
] as const;
export type VerdictKind = (typeof VERDICT_KINDS)[number];

/** Every threshold of the verdict and the per-prompt flags. */
export const COLLAPSE_THRESHOLDS = {
  /** Prompts tagged at or above this openness are open. */
  openMin: 2 / 3,
  /** Prompts tagged at or below this openness are closed. */
  closedMax: 1 / 3,
  /** At least this many open and this many closed prompts with a shape. */
  minOpen: 5,
  minClosed: 5,
  /** A spread below this share of the run's reward scale (90th percentile of spreads) is flat. */
  flatRelative: 0.01,
  /** ... or below this share of the typical reward magnitude (float noise on large rewards). */
  flatMagnitude: 1e-4,
  /** ... or below this absolute floor. */
  flatAbsolute: 1e-9,
  /** A spread below this share of the run's scale is flagged near-flat (still judged). */
  nearFlatRelative: 0.05,
  /** More than this share of flat profiles: the model does not tell responses apart. */
  maxFlatShare: 0.25,
  /** Pair accuracy must have its interval's low end above this to count as learned. */
  accuracyMin: 0.55,
  /** Pair accuracy whose interval stays below this is at chance: not learned. */
  accuracyNearChance: 0.6,
  /**
   * Normalised gap: the whole interval below this (less than half of what these prompts allow) reads
   * collapsed. Not lower: on the length experiment's held-out templates, fixed utilities keep 0.2-0.35
   * of the ideal difference from the response lengths alone (docs/design.md).
   */
  collapsedMax: 0.5,
  /** Normalised gap at or above this (and its interval's low end at or above collapsedMax) reads aware. */
  awareMin: 0.6,
  /** Normalised gap at or below this with its interval below 0 reads inverted. */
  invertedMax: -0.25,
  /** Tracking slope at or above this (with its interval above 0) is needed for aware, and rules out collapsed. */
  trackingAwareMin: 0.3,
  /** Below this the dashboard colours tracking as collapse-like. */
  trackingCollapsedMax: 0.15,
  /** A normalised-gap interval wider than this is too uncertain to judge. */
  maxIntervalWidth: 0.8,
  /** A prompt whose misfit (W1 to its target) exceeds this is flagged. */
  misfit: 0.15,
  /** An open (closed) prompt whose implied openness is this far below (above) its tag is flagged. */
  impliedMargin: 0.4,
  /** Bootstrap resamples and interval level. */
  bootstrap: 1000,
  level: 0.95,
} as const;

export type CollapseThresholds = typeof COLLAPSE_THRESHOLDS;

/** The rule of each kind, as the card states it (numbers from COLLAPSE_THRESHOLDS). */
export function verdictRule(kind: VerdictKind, T: CollapseThresholds = COLLAPSE_THRESHOLDS): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  switch (kind) {
    case "collapsed":
      return `Collapsed: the normalised gap's ${pct(T.level)} interval lies below ${T.collapsedMax} and openness tracking (slope of implied on tagged openness) is below ${T.trackingAwareMin}: open and closed prompts end with nearly the same reward profile.`;
    case "aware":
      return `Aware: the normalised gap is at least ${T.awareMin} (its interval above ${T.collapsedMax}) and the tracking slope is at least ${T.trackingAwareMin} (its interval above 0): reward profiles follow openness.`;
    case "partial":
      return `Partial: the profiles differ in the right direction, but less than aware requires (normalised gap ${T.awareMin}, tracking slope ${T.trackingAwareMin}) and more than collapsed allows (interval below ${T.collapsedMax}).`;
    case "inverted":
      return `Inverted: the normalised gap is at most ${T.invertedMax} with its interval below 0: open prompts get the more peaked profile, closed ones the more spread.`;
    case "not-learned":
      return `Not learned: pair accuracy against the human ranking stays at chance (its interval below ${T.accuracyNearChance}), or more than ${pct(T.maxFlatShare)} of prompts have a flat profile; reward shapes then say nothing about collapse.`;
    case "insufficient":
      return `Insufficient evidence: fewer than ${T.minOpen} open or ${T.minClosed} closed prompts with a shape, pair accuracy not clearly above chance (interval's low end at most ${T.accuracyMin}), or a normalised-gap interval wider than ${T.maxIntervalWidth}.`;
    case "undetermined":
      return `Undetermined: openness does not vary (no open or no closed prompts), or the normalised gap's interval spans both collapsed (< ${T.collapsedMax}) and aware (>= ${T.awareMin}).`;
  }
}

/** One prompt to diagnose. Rankings use response indices into `rewards`. */
export interface DiagnosisPrompt {
  id: string;
  openness: number;
  rewards: readonly number[];
  /** The human ranking: groups of response indices, best first; a group of several is a tie. */
  ranking?: readonly (readonly number[])[];
  /** Several annotations' rankings (each weighs the same in the accuracy); overrides `ranking`. */
  rankings?: readonly (readonly (readonly number[])[])[];
  split?: "train" | "test";
}

export interface DiagnosisOptions {
  /** The utility's smoothing used in training (targets are solved at it). Default 0.1. */
  eps?: number;
  /** Bootstrap seed (default 1) and resamples (default COLLAPSE_THRESHOLDS.bootstrap; 0 = no intervals). */
  seed?: number;
  bootstrap?: number;
  /** Which prompts to judge: "test" (default when any prompt is held out), "train" or "all". */
  split?: "test" | "train" | "all";
}

export interface PromptReport {
  id: string;
  openness: number;
  split: "train" | "test" | null;
  profile: number[];
  /** Tie-aware target at the run's eps. */
  target: number[];
  misfit: number;
  shape: number;
  spread: number;
  impliedOpenness: number | null;
  accuracy: number | null;
  flat: boolean;
  flags: string[];
}

export type Interval = [number, number];

export interface Tracking {
  /** Slope and intercept of implied openness on tagged openness (least squares). */
  slope: number | null;
  intercept: number | null;
  r2: number | null;
  ci: Interval | null;
  /** Prompts in the regression (identifiable, not flat). */
  prompts: number;
  /** Spearman correlation of implied and tagged openness (secondary). */
  spearman: number | null;
}

export interface CollapseReport {
  kind: VerdictKind;
  /** The sentence that names the numbers and thresholds that decided the kind. */
  verdict: string;
  /** The rule of this kind (what the card shows). */
  rule: string;
  /** Why: each gate and figure that was read, in order. */
  reasons: string[];
  collapsed: boolean;
  eps: number;
  split: "test" | "train" | "all";
  /** Mean over ranks of |mean open profile - mean closed profile| (on a common quantile grid). */
  gap: number | null;
  gapCi: Interval | null;
  /** The same gap between these prompts' targets: what a perfect model reaches here. */
  idealGap: number | null;
  normalizedGap: number | null;
  normalizedGapCi: Interval | null;
  tracking: Tracking;
  accuracy: number | null;
  accuracyCi: Interval | null;
  /** Prompts judged (this split, >= 2 responses), and among them open / closed with a shape. */
  prompts: number;
  nOpen: number;
  nClosed: number;
  flatShare: number;
  /** The spread below which a profile is flat in this run. */
  flatSpread: number;
  thresholds: CollapseThresholds;
  perPrompt: PromptReport[];
}

/** Tie groups (sizes, best first) of a prompt from its rankings; null when they do not cover the responses. */
export function tieGroups(n: number, rankings: readonly (readonly (readonly number[])[])[]): number[] | null {
  if (rankings.length === 0) return null;
  // Borda score from every annotation's ordered pairs; equal scores are one group.
  const score = new Array<number>(n).fill(0);
  const seen = new Array<boolean>(n).fill(false);
  for (const groups of rankings) {
    const cleaned = groups.map((g) => g.filter((i) => Number.isInteger(i) && i >= 0 && i < n));
    cleaned.flat().forEach((i) => (seen[i] = true));
    for (let a = 0; a < cleaned.length; a++)
      for (let b = a + 1; b < cleaned.length; b++)
        for (const i of cleaned[a] as number[])
          for (const j of cleaned[b] as number[]) {
            score[i] = (score[i] as number) + 1;
            score[j] = (score[j] as number) - 1;
          }
  }
  if (!seen.every(Boolean)) return null;
  const sorted = [...score].sort((x, y) => y - x);
  const sizes: number[] = [];
  let k = 0;
  while (k < n) {
    let j = k;
    while (j + 1 < n && Math.abs((sorted[j + 1] as number) - (sorted[k] as number)) < 1e-9) j++;
    sizes.push(j - k + 1);
    k = j + 1;
  }
  return sizes;
}

/** Pair accuracy of rewards against rankings (each annotation weighs the same); null without pairs. */
export function rankingAccuracy(
  rewards: readonly number[],
  rankings: readonly (readonly (readonly number[])[])[],
): number | null {
  let sum = 0;
  let count = 0;
  for (const groups of rankings) {
    let right = 0;
    let total = 0;
    for (let a = 0; a < groups.length; a++)
      for (let b = a + 1; b < groups.length; b++)
        for (const i of groups[a] as number[])
          for (const j of groups[b] as number[]) {
            const ri = rewards[i];
            const rj = rewards[j];
            if (ri === undefined || rj === undefined) continue;
            total++;
            right += ri > rj ? 1 : ri === rj ? 0.5 : 0;
          }
    if (total > 0) {
      sum += right / total;
      count++;
    }
  }
  return count > 0 ? sum / count : null;
}

function quantileOf(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const x = q * (sorted.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  return (sorted[i] as number) * (1 - f) + (sorted[Math.min(sorted.length - 1, i + 1)] as number) * f;
}

function interval(samples: number[], level: number): Interval | null {
  const s = samples.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length < 10) return null;
  return [quantileOf(s, (1 - level) / 2), quantileOf(s, 1 - (1 - level) / 2)];
}

interface GroupFigures {
  gap: number;
  idealGap: number;
  normalizedGap: number;
}

/** Gap, ideal gap and normalised gap of open vs closed prompts (profiles and targets on one grid). */
function gapFigures(open: readonly Shaped[], closed: readonly Shaped[]): GroupFigures {
  const m = open[0]?.grid.length ?? 0;
  let gap = 0;
  let ideal = 0;
  let dot = 0;
  let norm = 0;
  for (let k = 0; k < m; k++) {
    let po = 0;
    let pc = 0;
    let to = 0;
    let tc = 0;
    for (const p of open) {
      po += p.grid[k] as number;
      to += p.targetGrid[k] as number;
    }
    for (const p of closed) {
      pc += p.grid[k] as number;
      tc += p.targetGrid[k] as number;
    }
    const dp = po / open.length - pc / closed.length;
    const dt = to / open.length - tc / closed.length;
    gap += Math.abs(dp);
    ideal += Math.abs(dt);
    dot += dp * dt;
    norm += dt * dt;
  }
  return { gap: gap / m, idealGap: ideal / m, normalizedGap: norm > 1e-12 ? dot / norm : NaN };
}

interface Shaped {
  openness: number;
  implied: number | null;
  grid: number[];
  targetGrid: number[];
}

function regression(
  points: readonly { x: number; y: number }[],
): { slope: number; intercept: number; r2: number } | null {
  const n = points.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (const p of points) {
    mx += p.x;
    my += p.y;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
    syy += (p.y - my) ** 2;
  }
  if (sxx < 1e-12) return null;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy > 1e-12 ? (sxy * sxy) / (sxx * syy) : 0 };
}

const GRID = 33;

function fmt(x: number | null | undefined, d = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(d);
}

function fmtCi(ci: Interval | null, d = 3): string {
  return ci ? `[${fmt(ci[0], d)}, ${fmt(ci[1], d)}]` : "[n/a]";
}

function median(xs: readonly number[]): number {
  return quantileOf(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/** The verdict and its evidence over prompts' rewards (any order within a prompt). */
export function collapseReport(prompts: readonly DiagnosisPrompt[], options: DiagnosisOptions = {}): CollapseReport {
  const T = COLLAPSE_THRESHOLDS;
  const eps = options.eps ?? DEFAULT_EPS;
  const B = options.bootstrap ?? T.bootstrap;
  const split = options.split ?? (prompts.some((p) => p.split === "test") ? "test" : "all");
  const chosen = prompts.filter((p) => split === "all" || (p.split ?? "train") === split);

  // Per prompt: profile, tie-aware target, implied openness, accuracy.
  const judged = chosen.filter((p) => p.rewards.length >= 2);
  const spreads = judged.map((p) => spread(p.rewards));
  const scale = quantileOf(
    [...spreads].sort((a, b) => a - b),
    0.9,
  );
  const magnitude = median(judged.flatMap((p) => p.rewards.map(Math.abs)));
  const flatSpread = Math.max(
    T.flatAbsolute,
    Number.isFinite(scale) ? T.flatRelative * scale : 0,
    Number.isFinite(magnitude) ? T.flatMagnitude * magnitude : 0,
  );
  const perPrompt: PromptReport[] = [];
  const shaped: Shaped[] = [];
  const accuracies: number[] = [];
  for (const p of chosen) {
    const n = p.rewards.length;
    const rankings = p.rankings ?? (p.ranking ? [p.ranking] : []);
    const groups = n >= 2 ? tieGroups(n, rankings) : null;
    const prof = profile(p.rewards);
    const target = targetProfile(p.openness, n, { eps, groups: groups ?? undefined });
    const sp = spread(p.rewards);
    const flat = n >= 2 && sp < flatSpread;
    const acc = n >= 2 ? rankingAccuracy(p.rewards, rankings) : null;
    if (acc !== null) accuracies.push(acc);
    const fit = n >= 2 && !flat ? impliedOpenness(prof, { eps, groups: groups ?? undefined }) : null;
    const implied = fit?.openness ?? null;
    const flags: string[] = [];
    const side = p.openness >= T.openMin ? "open" : p.openness <= T.closedMax ? "closed" : "middle";
    const mis = misfit(prof, target);
    if (n >= 2) {
      if (flat) flags.push("flat");
      else if (Number.isFinite(scale) && sp < T.nearFlatRelative * scale) flags.push("near-flat");
      if (!flat && mis > T.misfit) flags.push("misfit");
      if (implied !== null && side === "open" && implied < p.openness - T.impliedMargin) flags.push("too-peaked");
      if (implied !== null && side === "closed" && implied > p.openness + T.impliedMargin) flags.push("too-spread");
    }
    perPrompt.push({
      id: p.id,
      openness: p.openness,
      split: p.split ?? null,
      profile: prof,
      target,
      misfit: mis,
      shape: shape(prof),
      spread: sp,
      impliedOpenness: implied,
      accuracy: acc,
      flat,
      flags,
    });
    if (n >= 2 && !flat && (groups?.length ?? n) >= 2)
      shaped.push({ openness: p.openness, implied, grid: prof, targetGrid: target });
  }
  // Profiles of different lengths are compared on a common quantile grid; equal lengths rank by rank.
  if (shaped.some((p) => p.grid.length !== shaped[0]?.grid.length))
    for (const p of shaped) {
      p.grid = quantileGrid(p.grid, GRID);
      p.targetGrid = quantileGrid(p.targetGrid, GRID);
    }
  const open = shaped.filter((p) => p.openness >= T.openMin);
  const closed = shaped.filter((p) => p.openness <= T.closedMax);
  const taggedOpen = judged.filter((p) => p.openness >= T.openMin).length;
  const taggedClosed = judged.filter((p) => p.openness <= T.closedMax).length;
  const flatCount = perPrompt.filter((p) => p.flat).length;
  const flatShare = judged.length > 0 ? flatCount / judged.length : 0;

  const figures = open.length > 0 && closed.length > 0 ? gapFigures(open, closed) : null;
  const tracked = shaped.filter((p) => p.implied !== null).map((p) => ({ x: p.openness, y: p.implied as number }));
  const reg = regression(tracked);
  const accuracy = accuracies.length > 0 ? accuracies.reduce((a, b) => a + b, 0) / accuracies.length : null;

  // Seeded bootstrap over prompts: open and closed resampled separately (their counts fixed).
  const rng = mulberry32(options.seed ?? 1);
  const draw = <X>(xs: readonly X[]): X[] => xs.map(() => xs[Math.floor(rng() * xs.length)] as X);
  const gapS: number[] = [];
  const normS: number[] = [];
  const slopeS: number[] = [];
  const accS: number[] = [];
  for (let b = 0; b < B; b++) {
    if (figures) {
      const f = gapFigures(draw(open), draw(closed));
      gapS.push(f.gap);
      normS.push(f.normalizedGap);
    }
    if (reg) slopeS.push(regression(draw(tracked))?.slope ?? NaN);
    if (accuracies.length > 0) accS.push(draw(accuracies).reduce((a, x) => a + x, 0) / accuracies.length);
  }
  const gapCi = interval(gapS, T.level);
  const normalizedGapCi = interval(normS, T.level);
  const accuracyCi = interval(accS, T.level);
  const tracking: Tracking = {
    slope: reg?.slope ?? null,
    intercept: reg?.intercept ?? null,
    r2: reg?.r2 ?? null,
    ci: interval(slopeS, T.level),
    prompts: tracked.length,
    spearman:
      tracked.length >= 2
        ? finiteOrNull(
            spearman(
              tracked.map((p) => p.y),
              tracked.map((p) => p.x),
            ),
          )
        : null,
  };

  const G = figures && Number.isFinite(figures.normalizedGap) ? figures.normalizedGap : null;
  const [Gl, Gh] = normalizedGapCi ?? [G ?? NaN, G ?? NaN];
  const S = tracking.slope;
  const reasons: string[] = [];
  const accText =
    accuracy === null
      ? "pair accuracy unknown (no human ranking given)"
      : `pair accuracy ${fmt(accuracy)} ${fmtCi(accuracyCi)} over ${accuracies.length} prompts`;
  reasons.push(
    `${judged.length} ${split === "all" ? "" : split === "test" ? "held-out " : "training "}prompts judged at eps ${eps}: ${taggedOpen} tagged open (>= ${fmt(T.openMin, 2)}), ${taggedClosed} closed (<= ${fmt(T.closedMax, 2)})`.replace(
      "  ",
      " ",
    ),
    accText,
    `${flatCount} flat profiles (${Math.round(flatShare * 100)}%, spread < ${flatSpread.toPrecision(2)}); ${open.length} open and ${closed.length} closed prompts with a shape`,
  );
  if (figures)
    reasons.push(
      `gap ${fmt(figures.gap)} ${fmtCi(gapCi)} against ${fmt(figures.idealGap)} between these prompts' targets: normalised gap ${fmt(G, 2)} ${fmtCi(normalizedGapCi, 2)}`,
    );
  reasons.push(
    S === null
      ? "tracking n/a (no prompt with an identifiable implied openness, or openness does not vary among them)"
      : `tracking: implied openness = ${fmt(S, 2)} x tagged + ${fmt(tracking.intercept, 2)} (R² ${fmt(tracking.r2, 2)}, slope ${fmtCi(tracking.ci, 2)}, ${tracking.prompts} prompts)`,
  );

  let kind: VerdictKind;
  let verdict: string;
  const accLow = accuracyCi?.[0] ?? accuracy ?? NaN;
  const accHigh = accuracyCi?.[1] ?? accuracy ?? NaN;
  if (judged.length === 0) {
    kind = "insufficient";
    verdict = "Insufficient evidence: no prompt with two or more responses to judge.";
  } else if (taggedOpen === 0 || taggedClosed === 0) {
    kind = "undetermined";
    verdict = `Undetermined: openness does not vary in these prompts (${taggedOpen} open, ${taggedClosed} closed); collapse is judged by comparing open with closed prompts.`;
  } else if (accuracy !== null && accHigh < T.accuracyNearChance) {
    kind = "not-learned";
    verdict = `Not learned: pair accuracy ${fmt(accuracy)} ${fmtCi(accuracyCi)} stays below ${T.accuracyNearChance}, at chance; the reward shapes say nothing about collapse.`;
  } else if (accuracy !== null && !(accLow > T.accuracyMin)) {
    kind = "insufficient";
    verdict = `Insufficient evidence: pair accuracy ${fmt(accuracy)} ${fmtCi(accuracyCi)} over ${accuracies.length} prompts is not clearly above chance (the interval's low end must exceed ${T.accuracyMin}).`;
  } else if (flatShare > T.maxFlatShare) {
    kind = "not-learned";
    verdict = `Not learned: ${flatCount} of ${judged.length} prompts (${Math.round(flatShare * 100)}% > ${Math.round(T.maxFlatShare * 100)}%) have a flat profile (spread < ${flatSpread.toPrecision(2)}): the model gives their responses the same reward.`;
  } else if (open.length < T.minOpen || closed.length < T.minClosed) {
    kind = "insufficient";
    verdict = `Insufficient evidence: ${open.length} open and ${closed.length} closed prompts with a shape (at least ${T.minOpen} and ${T.minClosed} needed).`;
  } else if (G === null) {
    kind = "undetermined";
    verdict =
      "Undetermined: these prompts' targets do not differ between open and closed (their ties leave no shape to compare).";
  } else if (normalizedGapCi && Gh - Gl > T.maxIntervalWidth) {
    kind = "insufficient";
    verdict = `Insufficient evidence: the normalised gap ${fmt(G, 2)} has the interval ${fmtCi(normalizedGapCi, 2)}, wider than ${T.maxIntervalWidth}.`;
  } else if (G <= T.invertedMax && Gh < 0) {
    kind = "inverted";
    verdict = `Inverted: normalised gap ${fmt(G, 2)} ${fmtCi(normalizedGapCi, 2)} (<= ${T.invertedMax}, interval below 0), tracking slope ${fmt(S, 2)}: open prompts get the more peaked profile.`;
  } else if (Gh < T.collapsedMax && !(S !== null && S >= T.trackingAwareMin)) {
    kind = "collapsed";
    verdict = `Collapsed: normalised gap ${fmt(G, 2)} ${fmtCi(normalizedGapCi, 2)} (interval below ${T.collapsedMax}; gap ${fmt(figures?.gap)} of an ideal ${fmt(figures?.idealGap)}), tracking slope ${fmt(S, 2)} (< ${T.trackingAwareMin}): open and closed prompts end with nearly the same profile.`;
  } else if (
    G >= T.awareMin &&
    Gl >= T.collapsedMax &&
    S !== null &&
    S >= T.trackingAwareMin &&
    !(tracking.ci && tracking.ci[0] <= 0)
  ) {
    kind = "aware";
    verdict = `Aware: normalised gap ${fmt(G, 2)} ${fmtCi(normalizedGapCi, 2)} (>= ${T.awareMin}; gap ${fmt(figures?.gap)} of an ideal ${fmt(figures?.idealGap)}), tracking slope ${fmt(S, 2)} (>= ${T.trackingAwareMin}, R² ${fmt(tracking.r2, 2)}): reward profiles follow openness.`;
  } else if (Gl < T.collapsedMax && Gh >= T.awareMin) {
    kind = "undetermined";
    verdict = `Undetermined: the normalised gap ${fmt(G, 2)} has the interval ${fmtCi(normalizedGapCi, 2)}, which spans both collapsed (< ${T.collapsedMax}) and aware (>= ${T.awareMin}).`;
  } else {
    kind = "partial";
    verdict = `Partial: normalised gap ${fmt(G, 2)} ${fmtCi(normalizedGapCi, 2)} and tracking slope ${fmt(S, 2)}: the profiles follow openness less than aware requires (${T.awareMin} and ${T.trackingAwareMin}) but more than collapse allows (interval below ${T.collapsedMax}).`;
  }
  return {
    kind,
    verdict,
    rule: verdictRule(kind),
    reasons,
    collapsed: kind === "collapsed",
    eps,
    split,
    gap: figures ? figures.gap : null,
    gapCi,
    idealGap: figures ? figures.idealGap : null,
    normalizedGap: G,
    normalizedGapCi,
    tracking,
    accuracy,
    accuracyCi,
    prompts: judged.length,
    nOpen: open.length,
    nClosed: closed.length,
    flatShare,
    flatSpread,
    thresholds: T,
    perPrompt,
  };
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The figures a training checkpoint records (no intervals, no verdict): cheap enough for ~20 per run. */
export function collapseSnapshot(
  prompts: readonly DiagnosisPrompt[],
  options: Pick<DiagnosisOptions, "eps"> = {},
): { gap: number | null; normalizedGap: number | null; tracking: number | null; accuracy: number | null } {
  const r = collapseReport(prompts, { eps: options.eps, bootstrap: 0, split: "all" });
  return { gap: r.gap, normalizedGap: r.normalizedGap, tracking: r.tracking.slope, accuracy: r.accuracy };
}
