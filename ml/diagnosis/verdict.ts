/**
 * The collapse verdict (v3), decided here and only here: the dashboard, the CLI, run summaries and
 * badges render what `collapseReport` returns. docs/design.md ("The verdict (v3)") states each rule
 * and margin; the numbers are in COLLAPSE_THRESHOLDS.
 *
 * The decision rests on a fitted model (ml/diagnosis/collapse-model.ts): each admitted prompt's profile is
 * its exact optimum at θ = θ0 + β·o, so β = 0 is collapse, 1 the ideal, < 0 inverted. Admission is
 * by information (the prompt's own rewards order its human pairs better than chance and are not
 * flat relative to their own magnitude), never by scale or by other prompts, so any positive affine
 * map of a prompt's rewards changes nothing. Chance is tested per openness group; β is decided by
 * equivalence against margins fixed in advance, so more prompts never turn a small effect into a
 * false alarm; a permutation test within strata of n and tie pattern guards small samples.
 */
import {
  bootstrapBeta,
  curveArgmin,
  fitLine,
  logAssignments,
  meanCurve,
  type ModelPrompt,
  percentileInterval,
  permutationBeta,
  signFlipP,
} from "./collapse-model";
import { IDENTIFIABLE_RANGE, impliedOpenness, impliedOpennessCurve, opennessTargetGrid } from "./implied-openness";
import { isFlat, misfit, profile, shape, spearman, spread, targetProfile } from "./metrics";
import { mulberry32 } from "../rng";
import { DEFAULT_EPS } from "../utility";

/** `partial` is the v2 kind, kept so stored v2 summaries still read; v3 returns `weakly-aware` instead. */
export const VERDICT_KINDS = [
  "collapsed",
  "aware",
  "weakly-aware",
  "partial",
  "inverted",
  "not-learned",
  "insufficient",
  "undetermined",
] as const;
export type VerdictKind = (typeof VERDICT_KINDS)[number];

/** Every threshold and margin of the verdict and the per-prompt flags (docs/design.md states the same numbers). */
export const COLLAPSE_THRESHOLDS = {
  /** Prompts tagged at or above this openness are open. */
  openMin: 2 / 3,
  /** Prompts tagged at or below this openness are closed. */
  closedMax: 1 / 3,
  /** One-sided level of the per-group chance test and of the permutation test. */
  testLevel: 0.05,
  /** Sign flips of the chance test when a group has more than 11 prompts (else all 2^k). */
  chanceFlips: 2000,
  /** A group shown better than chance with mean pair accuracy below this gets the weak-learner caveat. */
  weakAccuracy: 0.6,
  /** Without any human ranking, more than this share of flat prompts reads not-learned. */
  maxFlatShare: 0.25,
  /** |β| inside this margin is practically no dependence on openness (half a step of the 5-point scale). */
  collapseMargin: 0.125,
  /** β at or above this (one step of the 5-point scale below the ideal 1) is aware. */
  awareMin: 0.75,
  /** Fewer distinct tag assignments within strata than this: no permutation test could reach testLevel. */
  minAssignments: 20,
  /** Two-sided level of β's bootstrap interval (two one-sided tests at 5%). */
  level: 0.9,
  bootstrap: 1000,
  permutations: 1000,
  /**
   * Above this many prompts, resamples and permutations drop to `largeResamples` (each costs a pass
   * over every prompt) and β's interval is the normal one, β ± z·SE, from the bootstrap's SE.
   */
  largeSample: 1000,
  largeResamples: 50,
  /** A prompt whose openness-0 and openness-1 targets are closer than this (W1) cannot tell openness. */
  identifiableRange: IDENTIFIABLE_RANGE,
  /** A prompt whose misfit (W1 to its target) exceeds this is flagged. */
  misfit: 0.15,
  /** An open (closed) prompt whose implied openness is this far below (above) its tag is flagged. */
  impliedMargin: 0.4,
} as const;

export type CollapseThresholds = typeof COLLAPSE_THRESHOLDS;

/** The rule of each kind, as the card states it (numbers from COLLAPSE_THRESHOLDS). */
export function verdictRule(kind: VerdictKind, T: CollapseThresholds = COLLAPSE_THRESHOLDS): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const ci = `${pct(T.level)} interval of β`;
  const d = T.collapseMargin;
  switch (kind) {
    case "collapsed":
      return `Collapsed: the ${ci} (the slope of fitted openness θ = θ0 + β·o on tagged openness, against each prompt's exact optimum) lies inside (−${d}, ${d}): the reward profiles do not depend on openness.`;
    case "aware":
      return `Aware: the ${ci} lies at or above ${T.awareMin} (1 is ideal) and a permutation test of the tags confirms β > 0 (p < ${T.testLevel}): reward profiles follow openness.`;
    case "weakly-aware":
      return `Weakly aware: the ${ci} lies inside (${d}, ${T.awareMin}) and a permutation test confirms β > 0: the profiles depend on openness, less than the ideal β = 1.`;
    case "partial":
      return "Partly collapsed (verdict v2): the profiles followed openness in the right direction, less than aware required.";
    case "inverted":
      return `Inverted: the ${ci} lies below −${d} and a permutation test confirms β < 0: open prompts get the more peaked profile, closed ones the more spread.`;
    case "not-learned":
      return `Not learned: on open or on closed prompts the rewards are not shown to order the human pairs better than chance (one-sided sign-flip test, p >= ${T.testLevel}), or without rankings more than ${pct(T.maxFlatShare)} of profiles are flat; reward shapes then say nothing about collapse.`;
    case "insufficient":
      return `Insufficient evidence: no open or no closed prompt with a shape, a group too small for the chance test to reach ${T.testLevel}, or fewer than ${T.minAssignments} distinct assignments of the tags within strata of n and ties.`;
    case "undetermined":
      return `Undetermined: openness does not vary, or the ${ci} straddles a margin (±${d}, ${T.awareMin}) or the permutation test does not confirm its direction.`;
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
  /** The prompt's template or cluster: the bootstrap resamples clusters when given. */
  cluster?: string;
}

export interface DiagnosisOptions {
  /** The utility's smoothing used in training (targets are solved at it). Default 0.1. */
  eps?: number;
  /** Seed of the bootstrap, permutations and sign flips (default 1). */
  seed?: number;
  /** Bootstrap resamples (default COLLAPSE_THRESHOLDS.bootstrap; 0 = no intervals and no tests). */
  bootstrap?: number;
  /** Permutations (default COLLAPSE_THRESHOLDS.permutations, 0 when bootstrap is 0). */
  permutations?: number;
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
  /** Whether the prompt's shape enters the model fit (docs/design.md, "Admissibility by information"). */
  admitted: boolean;
  flags: string[];
}

export type Interval = [number, number];

export interface Tracking {
  /** Slope and intercept of implied openness on tagged openness (least squares). */
  slope: number | null;
  intercept: number | null;
  r2: number | null;
  ci: Interval | null;
  /** Prompts in the regression (admitted, identifiable). */
  prompts: number;
  /** Spearman correlation of implied and tagged openness (secondary). */
  spearman: number | null;
}

/** The chance test of one openness group. */
export interface GroupChance {
  /** Prompts with human pairs in the group. */
  prompts: number;
  accuracy: number | null;
  /** One-sided sign-flip p of mean accuracy > 0.5 (null without prompts). */
  p: number | null;
  /** Whether the group is shown better than chance. */
  learned: boolean;
  /** The smallest p the test could give with this many prompts. */
  minP: number;
}

/** The fitted model of collapse. */
export interface CollapseModel {
  /** Fitted openness at o = 0 and o = 1, and the slope β = θ1 − θ0. */
  theta0: number | null;
  theta1: number | null;
  beta: number | null;
  betaCi: Interval | null;
  /** One-sided permutation p-values of β > 0 and β < 0. */
  permutationP: { up: number; down: number } | null;
  /** ln of the number of distinct tag assignments within strata. */
  logAssignments: number;
  /** The β = 0 fit: one openness for every prompt, and its Box-Cox exponent γ = 1 − 2θ. */
  collapsedTheta: number | null;
  collapsedGamma: number | null;
  /** Admitted prompts in the fit: open, middle and closed. */
  prompts: { open: number; middle: number; closed: number };
}

export interface CollapseReport {
  kind: VerdictKind;
  /** The sentence that names the numbers and margins that decided the kind. */
  verdict: string;
  /** The rule of this kind (what the card shows). */
  rule: string;
  /** Why: each test and figure that was read, in order. */
  reasons: string[];
  collapsed: boolean;
  eps: number;
  split: "test" | "train" | "all";
  model: CollapseModel;
  chance: { open: GroupChance; closed: GroupChance; middle: GroupChance } | null;
  /** Mean over ranks of |mean open profile − mean closed profile|, within strata of equal n and ties. */
  gap: number | null;
  gapCi: Interval | null;
  /** The same gap between these prompts' targets: what a perfect model reaches here. */
  idealGap: number | null;
  normalizedGap: number | null;
  normalizedGapCi: Interval | null;
  tracking: Tracking;
  accuracy: number | null;
  accuracyCi: Interval | null;
  /** Prompts judged (this split, >= 2 responses), and among them admitted open / closed. */
  prompts: number;
  nOpen: number;
  nClosed: number;
  /** Prompts excluded because their humans tied every response. */
  allTied: number;
  flatShare: number;
  thresholds: CollapseThresholds;
  perPrompt: PromptReport[];
  /** The admitted prompts as the model reads them (for the paired control of two runs). */
  fitted: { model: ModelPrompt; shaped: Shaped & { group: Group } }[];
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

interface Shaped {
  openness: number;
  stratum: string;
  profile: number[];
  target: number[];
}

interface GapFigures {
  gap: number;
  idealGap: number;
  normalizedGap: number;
}

/**
 * Gap, ideal gap and normalised gap of open vs closed prompts, within strata of equal n and tie
 * pattern (pooled: sums of <d, d*> and <d*, d*>); null when no stratum has both kinds.
 */
function stratifiedGap(open: readonly Shaped[], closed: readonly Shaped[]): GapFigures | null {
  // One pass: per stratum, the sums of open and closed profiles and targets.
  type Sums = { n: [number, number]; profile: [Float64Array, Float64Array]; target: [Float64Array, Float64Array] };
  const strata = new Map<string, Sums>();
  const add = (p: Shaped, side: 0 | 1) => {
    let s = strata.get(p.stratum);
    if (!s) {
      const m = p.profile.length;
      s = {
        n: [0, 0],
        profile: [new Float64Array(m), new Float64Array(m)],
        target: [new Float64Array(m), new Float64Array(m)],
      };
      strata.set(p.stratum, s);
    }
    s.n[side]++;
    const prof = s.profile[side];
    const targ = s.target[side];
    for (let k = 0; k < prof.length; k++) {
      prof[k]! += p.profile[k] as number;
      targ[k]! += p.target[k] as number;
    }
  };
  for (const p of open) add(p, 0);
  for (const p of closed) add(p, 1);
  let dot = 0;
  let norm = 0;
  let gap = 0;
  let ideal = 0;
  let weight = 0;
  for (const s of strata.values()) {
    const [no, nc] = s.n;
    if (!no || !nc) continue;
    const m = s.profile[0].length;
    let g = 0;
    let gi = 0;
    for (let k = 0; k < m; k++) {
      const dp = (s.profile[0][k] as number) / no - (s.profile[1][k] as number) / nc;
      const dt = (s.target[0][k] as number) / no - (s.target[1][k] as number) / nc;
      dot += dp * dt;
      norm += dt * dt;
      g += Math.abs(dp);
      gi += Math.abs(dt);
    }
    gap += ((no + nc) * g) / m;
    ideal += ((no + nc) * gi) / m;
    weight += no + nc;
  }
  if (weight === 0) return null;
  return { gap: gap / weight, idealGap: ideal / weight, normalizedGap: norm > 1e-12 ? dot / norm : NaN };
}

function fmt(x: number | null | undefined, d = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(d);
}

function fmtCi(ci: Interval | null, d = 3): string {
  return ci ? `[${fmt(ci[0], d)}, ${fmt(ci[1], d)}]` : "[n/a]";
}

function fmtP(p: number | null): string {
  return p === null ? "n/a" : p < 0.001 ? "< 0.001" : p.toFixed(3);
}

type Group = "open" | "middle" | "closed";

function groupOf(openness: number, T: CollapseThresholds): Group {
  return openness >= T.openMin ? "open" : openness <= T.closedMax ? "closed" : "middle";
}

function chanceOf(accuracies: readonly number[], T: CollapseThresholds, seed: number, tests: boolean): GroupChance {
  const k = accuracies.length;
  const accuracy = k ? accuracies.reduce((a, b) => a + b, 0) / k : null;
  const minP = k <= 11 ? 1 / 2 ** k : 1 / (1 + T.chanceFlips);
  const p =
    k && tests
      ? signFlipP(
          accuracies.map((a) => a - 0.5),
          T.chanceFlips,
          seed,
        )
      : null;
  return { prompts: k, accuracy, p, learned: p !== null && p < T.testLevel, minP };
}

/** The verdict and its evidence over prompts' rewards (any order within a prompt). */
export function collapseReport(prompts: readonly DiagnosisPrompt[], options: DiagnosisOptions = {}): CollapseReport {
  const T = COLLAPSE_THRESHOLDS;
  const eps = options.eps ?? DEFAULT_EPS;
  const seed = options.seed ?? 1;
  const split = options.split ?? (prompts.some((p) => p.split === "test") ? "test" : "all");
  const chosen = prompts.filter((p) => split === "all" || (p.split ?? "train") === split);
  const large = chosen.length > T.largeSample;
  const B = options.bootstrap ?? (large ? T.largeResamples : T.bootstrap);
  const tests = B > 0;
  const permutations = options.permutations ?? (tests ? (large ? T.largeResamples : T.permutations) : 0);

  const judged = chosen.filter((p) => p.rewards.length >= 2);
  const anyRanking = judged.some((p) => (p.rankings ?? (p.ranking ? [p.ranking] : [])).length > 0);
  const perPrompt: PromptReport[] = [];
  const modelPrompts: ModelPrompt[] = [];
  const shaped: (Shaped & { group: Group })[] = [];
  const tracked: { x: number; y: number }[] = [];
  const accuracyByGroup: Record<Group, number[]> = { open: [], middle: [], closed: [] };
  const accuracies: number[] = [];
  let allTied = 0;
  let flatCount = 0;
  for (const p of chosen) {
    const n = p.rewards.length;
    const rankings = p.rankings ?? (p.ranking ? [p.ranking] : []);
    const groups = n >= 2 && rankings.length ? tieGroups(n, rankings) : null;
    const tiedAll = groups !== null && groups.length < 2;
    const opts = { eps, groups: groups && groups.length >= 2 ? groups : undefined };
    const prof = profile(p.rewards);
    const target = targetProfile(p.openness, n, opts);
    const flat = n >= 2 && isFlat(p.rewards);
    const acc = n >= 2 ? rankingAccuracy(p.rewards, rankings) : null;
    const group = groupOf(p.openness, T);
    if (acc !== null) {
      accuracies.push(acc);
      accuracyByGroup[group].push(acc);
    }
    if (n >= 2 && tiedAll) allTied++;
    if (flat) flatCount++;
    const informative = acc === null ? !flat : acc > 0.5;
    const canTell = n >= 2 && !tiedAll && opennessTargetGrid(n, opts).range >= T.identifiableRange;
    const admitted = n >= 2 && !tiedAll && !flat && informative && canTell;
    const fit = admitted ? impliedOpenness(p.rewards, opts) : null;
    const implied = fit?.openness ?? null;
    const flags: string[] = [];
    const mis = misfit(prof, target);
    if (n >= 2) {
      if (tiedAll) flags.push("all-tied");
      else if (flat) flags.push("flat");
      else if (acc !== null && acc <= 0.5) flags.push("below-chance");
      if (!flat && !tiedAll && mis > T.misfit) flags.push("misfit");
      if (implied !== null && group === "open" && implied < p.openness - T.impliedMargin) flags.push("too-peaked");
      if (implied !== null && group === "closed" && implied > p.openness + T.impliedMargin) flags.push("too-spread");
    }
    perPrompt.push({
      id: p.id,
      openness: p.openness,
      split: p.split ?? null,
      profile: prof,
      target,
      misfit: mis,
      shape: shape(prof),
      spread: spread(p.rewards),
      impliedOpenness: implied,
      accuracy: acc,
      flat,
      admitted,
      flags,
    });
    if (!admitted) continue;
    const stratum = `${n}:${(opts.groups ?? []).join(",")}`;
    modelPrompts.push({
      id: p.id,
      openness: p.openness,
      curve: impliedOpennessCurve(p.rewards, opts).map((x) => x.loss),
      stratum,
      cluster: p.cluster ?? `prompt:${p.id}`,
      group,
    });
    shaped.push({ openness: p.openness, stratum, profile: prof, target, group });
    if (implied !== null) tracked.push({ x: p.openness, y: implied });
  }

  const taggedOpen = judged.filter((p) => groupOf(p.openness, T) === "open").length;
  const taggedClosed = judged.filter((p) => groupOf(p.openness, T) === "closed").length;
  const flatShare = judged.length ? flatCount / judged.length : 0;
  const count = (g: Group) => modelPrompts.filter((p) => p.group === g).length;
  const nOpen = count("open");
  const nClosed = count("closed");

  // The model: θ = θ0 + β·o over admitted prompts; its interval; the permutation test.
  const varies = nOpen > 0 && nClosed > 0;
  const line = varies ? fitLine(modelPrompts) : null;
  const betaDraws = line && B > 0 ? bootstrapBeta(modelPrompts, B, seed) : [];
  const betaCi =
    !line || !betaDraws.length
      ? null
      : large
        ? normalInterval(line.beta, betaDraws, T.level)
        : percentileInterval(betaDraws, T.level);
  const lnAssign = modelPrompts.length ? logAssignments(modelPrompts) : 0;
  const permutationP =
    line && permutations > 0 ? permutationBeta(modelPrompts, line.beta, permutations, seed + 1) : null;
  const collapsedFit = modelPrompts.length ? curveArgmin(meanCurve(modelPrompts.map((p) => p.curve))) : null;
  const model: CollapseModel = {
    theta0: line ? line.theta0 : null,
    theta1: line ? line.theta1 : null,
    beta: line ? line.beta : null,
    betaCi,
    permutationP,
    logAssignments: lnAssign,
    collapsedTheta: collapsedFit ? collapsedFit.theta : null,
    collapsedGamma: collapsedFit ? 1 - 2 * collapsedFit.theta : null,
    prompts: { open: nOpen, middle: count("middle"), closed: nClosed },
  };

  // Secondary figures: the stratified normalised gap, tracking, pooled accuracy (with intervals).
  const open = shaped.filter((p) => p.group === "open");
  const closed = shaped.filter((p) => p.group === "closed");
  const figures = stratifiedGap(open, closed);
  const reg = regression(tracked);
  const accuracy = accuracies.length ? accuracies.reduce((a, b) => a + b, 0) / accuracies.length : null;
  const rng = mulberry32(seed + 2);
  const draw = <X>(xs: readonly X[]): X[] => xs.map(() => xs[Math.floor(rng() * xs.length)] as X);
  const gapS: number[] = [];
  const normS: number[] = [];
  const slopeS: number[] = [];
  const accS: number[] = [];
  for (let b = 0; b < B; b++) {
    if (figures) {
      const f = stratifiedGap(draw(open), draw(closed));
      gapS.push(f?.gap ?? NaN);
      normS.push(f?.normalizedGap ?? NaN);
    }
    if (reg) slopeS.push(regression(draw(tracked))?.slope ?? NaN);
    if (accuracies.length) accS.push(draw(accuracies).reduce((a, x) => a + x, 0) / accuracies.length);
  }
  const gapCi = percentileInterval(gapS, T.level);
  const normalizedGapCi = percentileInterval(normS, T.level);
  const accuracyCi = percentileInterval(accS, T.level);
  const tracking: Tracking = {
    slope: reg?.slope ?? null,
    intercept: reg?.intercept ?? null,
    r2: reg?.r2 ?? null,
    ci: percentileInterval(slopeS, T.level),
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
  const chance = anyRanking
    ? {
        open: chanceOf(accuracyByGroup.open, T, seed + 3, tests),
        closed: chanceOf(accuracyByGroup.closed, T, seed + 4, tests),
        middle: chanceOf(accuracyByGroup.middle, T, seed + 5, tests),
      }
    : null;

  const reasons: string[] = [];
  const where = split === "all" ? "" : split === "test" ? "held-out " : "training ";
  reasons.push(
    `${judged.length} ${where}prompts judged at eps ${eps}: ${taggedOpen} tagged open (>= ${fmt(T.openMin, 2)}), ${taggedClosed} closed (<= ${fmt(T.closedMax, 2)})`,
  );
  const chanceText = (name: string, c: GroupChance) =>
    c.prompts === 0
      ? `${name}: no human pairs`
      : `${name}: pair accuracy ${fmt(c.accuracy)} over ${c.prompts} prompts, sign-flip p ${fmtP(c.p)}${c.learned && (c.accuracy ?? 0) < T.weakAccuracy ? ` (weak learner: below ${T.weakAccuracy}; shapes are read from the prompts it orders better than chance)` : ""}`;
  if (chance)
    reasons.push(
      `chance per group — ${chanceText("open", chance.open)}; ${chanceText("closed", chance.closed)}${chance.middle.prompts ? `; ${chanceText("middle", chance.middle)}` : ""}`,
    );
  else reasons.push("no human ranking: chance cannot be tested, and every prompt that is not flat counts");
  const excluded = judged.length - modelPrompts.length;
  reasons.push(
    `${modelPrompts.length} prompts admitted (${nOpen} open, ${model.prompts.middle} middle, ${nClosed} closed); ${excluded} excluded: ${allTied} all tied by the humans, ${flatCount} flat (spread <= ${1e-9} of their own magnitude), ${perPrompt.filter((p) => p.flags.includes("below-chance")).length} ordered no better than chance, the rest without an openness-dependent target`,
  );
  if (line)
    reasons.push(
      `model θ = ${fmt(line.theta0, 2)} + ${fmt(line.beta, 2)}·o (θ at o = 1: ${fmt(line.theta1, 2)}); β ${fmt(line.beta, 2)}, ${Math.round(T.level * 100)}% interval ${fmtCi(betaCi, 2)}; permutation p (β > 0) ${fmtP(permutationP?.up ?? null)}, (β < 0) ${fmtP(permutationP?.down ?? null)} over ${Math.round(Math.exp(Math.min(lnAssign, 60))) >= 1e12 ? "> 1e12" : Math.round(Math.exp(lnAssign))} distinct tag assignments`,
    );
  if (collapsedFit)
    reasons.push(
      `one openness for all (β = 0): θ ${fmt(collapsedFit.theta, 2)}, the Box-Cox γ ${fmt(1 - 2 * collapsedFit.theta, 2)} at eps ${eps}`,
    );
  reasons.push(
    figures
      ? `normalised gap (within strata of n and ties) ${fmt(figures.normalizedGap, 2)} ${fmtCi(normalizedGapCi, 2)}: gap ${fmt(figures.gap)} of an ideal ${fmt(figures.idealGap)}`
      : "normalised gap n/a: no stratum of equal n and ties holds both open and closed admitted prompts",
  );
  reasons.push(
    tracking.slope === null
      ? "tracking n/a"
      : `tracking: implied openness = ${fmt(tracking.slope, 2)} x tagged + ${fmt(tracking.intercept, 2)} (R² ${fmt(tracking.r2, 2)}, ${tracking.prompts} prompts)`,
  );

  const d = T.collapseMargin;
  const b = line?.beta ?? NaN;
  const [lo, hi] = betaCi ?? [b, b];
  const betaText = `β ${fmt(b, 2)} ${fmtCi(betaCi, 2)}`;
  let kind: VerdictKind;
  let verdict: string;
  const failing = chance
    ? (["open", "closed"] as const).filter((g) => chance[g].prompts > 0 && !chance[g].learned)
    : [];
  const tooSmall = failing.filter((g) => chance && chance[g].minP >= T.testLevel);
  if (judged.length === 0) {
    kind = "insufficient";
    verdict = "Insufficient evidence: no prompt with two or more responses to judge.";
  } else if (taggedOpen === 0 || taggedClosed === 0) {
    kind = "undetermined";
    verdict = `Undetermined: openness does not vary in these prompts (${taggedOpen} open, ${taggedClosed} closed); collapse is judged by comparing open with closed prompts.`;
  } else if (chance && tests && tooSmall.length) {
    kind = "insufficient";
    verdict = `Insufficient evidence: ${tooSmall.map((g) => `${chance[g].prompts} ${g} prompt${chance[g].prompts === 1 ? "" : "s"}`).join(" and ")} with human pairs: too few for the chance test to reach ${T.testLevel} (at least ${Math.ceil(Math.log2(1 / T.testLevel))} needed).`;
  } else if (chance && tests && failing.length) {
    kind = "not-learned";
    verdict = `Not learned: on ${failing.join(" and ")} prompts the rewards are not shown to order the human pairs better than chance (${failing.map((g) => `accuracy ${fmt(chance[g].accuracy)}, p ${fmtP(chance[g].p)}`).join("; ")} >= ${T.testLevel}); their shapes say nothing about collapse.`;
  } else if (!chance && flatShare > T.maxFlatShare) {
    kind = "not-learned";
    verdict = `Not learned: ${flatCount} of ${judged.length} prompts (${Math.round(flatShare * 100)}% > ${Math.round(T.maxFlatShare * 100)}%) have a flat profile: the model gives their responses one reward.`;
  } else if (!line) {
    kind = "insufficient";
    verdict = `Insufficient evidence: ${nOpen} open and ${nClosed} closed prompts have a shape the model can read (at least one of each needed).`;
  } else if (tests && lnAssign < Math.log(T.minAssignments)) {
    kind = "insufficient";
    verdict = `Insufficient evidence: ${nOpen} open and ${nClosed} closed prompts allow ${Math.round(Math.exp(lnAssign))} distinct assignment${Math.round(Math.exp(lnAssign)) === 1 ? "" : "s"} of the tags within strata of n and ties, fewer than ${T.minAssignments}: no permutation test could reach ${T.testLevel}.`;
  } else if (hi < -d && (!permutationP || permutationP.down < T.testLevel)) {
    kind = "inverted";
    verdict = `Inverted: ${betaText} lies below −${d} (permutation p ${fmtP(permutationP?.down ?? null)}): open prompts get the more peaked profile.`;
  } else if (lo > -d && hi < d) {
    kind = "collapsed";
    verdict = `Collapsed: ${betaText} lies inside (−${d}, ${d}): open and closed prompts end at the same fitted openness (θ ${fmt(line.theta0, 2)} at o = 0, ${fmt(line.theta1, 2)} at o = 1; one utility for all, γ ${fmt(model.collapsedGamma, 2)}).`;
  } else if (lo >= T.awareMin && (!permutationP || permutationP.up < T.testLevel)) {
    kind = "aware";
    verdict = `Aware: ${betaText} lies at or above ${T.awareMin} (permutation p ${fmtP(permutationP?.up ?? null)}): θ ${fmt(line.theta0, 2)} at o = 0, ${fmt(line.theta1, 2)} at o = 1; reward profiles follow openness.`;
  } else if (lo > d && hi < T.awareMin && (!permutationP || permutationP.up < T.testLevel)) {
    kind = "weakly-aware";
    verdict = `Weakly aware (less than the ideal): ${betaText} lies inside (${d}, ${T.awareMin}) (permutation p ${fmtP(permutationP?.up ?? null)}): θ ${fmt(line.theta0, 2)} at o = 0, ${fmt(line.theta1, 2)} at o = 1; the profiles depend on openness, less than β = 1.`;
  } else {
    kind = "undetermined";
    const spans =
      hi >= T.awareMin && lo < T.awareMin
        ? lo > d
          ? "weakly aware and aware"
          : "collapsed or weakly aware, and aware"
        : lo <= d && hi >= d
          ? "collapsed and weakly aware"
          : lo <= -d && hi >= -d
            ? "inverted and collapsed"
            : null;
    verdict = spans
      ? `Undetermined: ${betaText} spans ${spans} (margins ±${d} and ${T.awareMin}).`
      : `Undetermined: ${betaText}, but the permutation test does not confirm its direction (p ${fmtP(b >= 0 ? (permutationP?.up ?? null) : (permutationP?.down ?? null))} >= ${T.testLevel}).`;
  }
  return {
    kind,
    verdict,
    rule: verdictRule(kind),
    reasons,
    collapsed: kind === "collapsed",
    eps,
    split,
    model,
    chance,
    gap: figures ? figures.gap : null,
    gapCi,
    idealGap: figures ? figures.idealGap : null,
    normalizedGap: figures && Number.isFinite(figures.normalizedGap) ? figures.normalizedGap : null,
    normalizedGapCi,
    tracking,
    accuracy,
    accuracyCi,
    prompts: judged.length,
    nOpen,
    nClosed,
    allTied,
    flatShare,
    thresholds: T,
    perPrompt,
    fitted: modelPrompts.map((model, i) => ({ model, shaped: shaped[i] as Shaped & { group: Group } })),
  };
}

export interface PairedControl {
  /** Prompts admitted in both runs (the comparison's prompts). */
  prompts: number;
  /** β and the normalised gap of run b minus run a on those prompts, with paired 90% intervals. */
  deltaBeta: number | null;
  deltaBetaCi: Interval | null;
  deltaGap: number | null;
  deltaGapCi: Interval | null;
  /** One sentence naming the numbers. */
  summary: string;
}

/**
 * The control for confounds (docs/design.md): run b relative to run a on the same prompts (a
 * repro's conditioned run against its fixed-utility run), resampling the shared prompts together so
 * what the data alone gives both runs cancels.
 */
export function pairedControl(
  a: CollapseReport,
  b: CollapseReport,
  { seed = 1, bootstrap = COLLAPSE_THRESHOLDS.bootstrap }: { seed?: number; bootstrap?: number } = {},
): PairedControl {
  const T = COLLAPSE_THRESHOLDS;
  const inB = new Map(b.fitted.map((f) => [f.model.id, f] as const));
  const pairs = a.fitted.flatMap((f) => {
    const other = inB.get(f.model.id);
    return other ? [{ a: f, b: other }] : [];
  });
  const groups = new Map<string, number[]>();
  pairs.forEach((p, i) => groups.set(p.a.model.group, [...(groups.get(p.a.model.group) ?? []), i]));
  const figures = (rows: readonly number[]) => {
    const side = (k: "a" | "b") => {
      const picked = rows.map((r) => (pairs[r] as (typeof pairs)[number])[k]);
      const beta = fitLine(picked.map((x) => x.model)).beta;
      const shaped = picked.map((x) => x.shaped);
      const gap = stratifiedGap(
        shaped.filter((x) => x.group === "open"),
        shaped.filter((x) => x.group === "closed"),
      );
      return { beta, gap: gap?.normalizedGap ?? NaN };
    };
    const [fa, fb] = [side("a"), side("b")];
    return { beta: fb.beta - fa.beta, gap: fb.gap - fa.gap };
  };
  const hasBoth = (groups.get("open")?.length ?? 0) > 0 && (groups.get("closed")?.length ?? 0) > 0;
  if (!hasBoth)
    return {
      prompts: pairs.length,
      deltaBeta: null,
      deltaBetaCi: null,
      deltaGap: null,
      deltaGapCi: null,
      summary: `No paired comparison: the two runs share ${pairs.length} admitted prompts, not both open and closed ones.`,
    };
  const point = figures(pairs.map((_, i) => i));
  const rng = mulberry32(seed);
  const betas: number[] = [];
  const gaps: number[] = [];
  for (let k = 0; k < bootstrap; k++) {
    const rows: number[] = [];
    for (const idx of groups.values())
      for (let j = 0; j < idx.length; j++) rows.push(idx[Math.floor(rng() * idx.length)] as number);
    const f = figures(rows);
    betas.push(f.beta);
    gaps.push(f.gap);
  }
  const deltaBetaCi = percentileInterval(betas, T.level);
  const deltaGapCi = percentileInterval(gaps, T.level);
  const deltaGap = Number.isFinite(point.gap) ? point.gap : null;
  return {
    prompts: pairs.length,
    deltaBeta: point.beta,
    deltaBetaCi,
    deltaGap,
    deltaGapCi,
    summary: `On ${pairs.length} shared prompts: Δβ ${fmt(point.beta, 2)} ${fmtCi(deltaBetaCi, 2)}, Δ normalised gap ${fmt(deltaGap, 2)} ${fmtCi(deltaGapCi, 2)} (${Math.round(T.level * 100)}% paired intervals).`,
  };
}

/** β̂ ± z·SE with the bootstrap's standard error (large samples, where β̂ is close to normal). */
function normalInterval(estimate: number, draws: readonly number[], level: number): Interval | null {
  const xs = draws.filter(Number.isFinite);
  if (xs.length < 10) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const se = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
  // z of the two-sided level (1.645 at 90%, 1.960 at 95%)
  const z = level >= 0.95 ? 1.959964 : level >= 0.9 ? 1.644854 : 1.281552;
  return [estimate - z * se, estimate + z * se];
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The figures a training checkpoint records (no intervals, no verdict): cheap enough for ~20 per run. */
export function collapseSnapshot(
  prompts: readonly DiagnosisPrompt[],
  options: Pick<DiagnosisOptions, "eps"> = {},
): {
  gap: number | null;
  normalizedGap: number | null;
  tracking: number | null;
  beta: number | null;
  accuracy: number | null;
} {
  const r = collapseReport(prompts, { eps: options.eps, bootstrap: 0, split: "all" });
  return {
    gap: r.gap,
    normalizedGap: r.normalizedGap,
    tracking: r.tracking.slope,
    beta: r.model.beta,
    accuracy: r.accuracy,
  };
}
