/**
 * The collapse dashboard's numbers, aggregated on the server: a run's rewards become a handful of
 * small arrays (at most a few thousand points whatever the dataset size) that chart components draw.
 */
import "server-only";
import type { Store } from "@/lib/db";
import {
  COLLAPSE_THRESHOLDS,
  DEFAULT_EPS,
  collapseReport,
  optimalRewards,
  pairedControl,
  type PairedControl,
  shape,
  targetProfile,
  type DiagnosisPrompt,
  type Interval,
  type VerdictKind,
} from "@/ml";
import { impliedOpennessView, type ImpliedOpennessView } from "@/lib/runs/implied";
import { getRunDetail, type RunListItem } from "@/lib/runs/lifecycle";
import { loadTrainingPrompts } from "@/lib/runs/training-data";
import { runMetricSeries, thin, type MetricPoint } from "@/lib/runs/progress";
import { COLLAPSE_SUMMARY_VERSION, type RunSummary } from "@/lib/runs/schemas";
import {
  groupRewardsByPrompt,
  responsesPerPrompt,
  storedRewards,
  type PromptRewards,
  type Split,
} from "@/lib/runs/rewards";

/** Labels live with the badge (components/runs/status-badge.tsx); the kind comes from ml/'s collapseReport. */
export type { VerdictKind };

export type OpennessGroup = "closed" | "middle" | "open";

export function opennessGroup(openness: number): OpennessGroup {
  if (openness <= COLLAPSE_THRESHOLDS.closedMax) return "closed";
  if (openness >= COLLAPSE_THRESHOLDS.openMin) return "open";
  return "middle";
}

export type SplitDashboard = {
  split: Split;
  prompts: number;
  accuracy: number | null;
  accuracyCi: Interval | null;
  gap: number | null;
  gapCi: Interval | null;
  /** The gap a model that put every prompt on its target (at the run's eps, with its ties) would reach on these prompts. */
  idealGap: number | null;
  /** The open-minus-closed profile difference projected on the ideal one: 1 perfect, 0 collapsed, < 0 inverted. */
  normalizedGap: number | null;
  normalizedGapCi: Interval | null;
  /** The verdict's model (ml/diagnosis/collapse-model.ts): fitted openness θ0 + β·o; β decides the kind. */
  beta: number | null;
  betaCi: Interval | null;
  theta0: number | null;
  theta1: number | null;
  /** Slope of implied on tagged openness (1 perfect, 0 collapsed), with R² and interval (secondary). */
  tracking: number | null;
  trackingR2: number | null;
  trackingCi: Interval | null;
  nOpen: number;
  nClosed: number;
  flatShare: number;
  collapsed: boolean;
  verdictKind: VerdictKind;
  verdict: string;
  /** The rule of the kind shown. */
  verdictRule: string;
  reasons: string[];
  /** Rank 1..n: each openness group's mean profile and the mean of its prompts' targets (the optimum for their openness). */
  paperFigure: Record<string, number | null>[];
  groups: { group: OpennessGroup; prompts: number; meanOpenness: number | null }[];
  /** Rows of dots: one row per prompt (a sample when there are many), ordered by openness. */
  strip: { rows: number; sampled: boolean; points: { reward: number; row: number; openness: number }[] };
  shape: { openness: number; shape: number; flagged: boolean }[];
  /** The shape of the n-point optimum against openness: where a prompt's dot should sit (not α = o, which holds only as n grows). */
  shapeTarget: { openness: number; shape: number }[];
  histogram: { bin: number; open: number; closed: number }[];
  /** Implied against tagged openness (lib/runs/implied.ts): the scatter, its fit and the run's effective utility. */
  implied: ImpliedOpennessView;
  flagged: {
    promptId: number;
    externalId: string;
    text: string;
    openness: number;
    misfit: number;
    shape: number;
    spread: number;
    flags: string[];
  }[];
  flaggedTotal: number;
};

/** One checkpoint of the collapse trajectory, both splits side by side. */
export type TrajectoryRow = {
  step: number;
  testGap: number | null;
  trainGap: number | null;
  testAccuracy: number | null;
  trainAccuracy: number | null;
  testTracking: number | null;
};

export type RunTrajectory = {
  rows: TrajectoryRow[];
  /** The first checkpoint whose held-out accuracy is within PLATEAU_TOLERANCE of the run's best: where it stopped improving. */
  plateau: { step: number; accuracy: number; normalizedGap: number | null } | null;
};

/** Held-out accuracy within this of the best counts as no longer improving. */
export const PLATEAU_TOLERANCE = 0.005;

/** The stored trajectory as chart rows and the point where held-out accuracy stopped improving. */
export function runTrajectory(points: NonNullable<RunSummary["trajectory"]>): RunTrajectory {
  const bySteps = new Map<number, TrajectoryRow>();
  for (const p of points) {
    const row = bySteps.get(p.step) ?? {
      step: p.step,
      testGap: null,
      trainGap: null,
      testAccuracy: null,
      trainAccuracy: null,
      testTracking: null,
    };
    if (p.split === "test") {
      row.testGap = p.normalizedGap;
      row.testAccuracy = p.accuracy;
      row.testTracking = p.tracking;
    } else {
      row.trainGap = p.normalizedGap;
      row.trainAccuracy = p.accuracy;
    }
    bySteps.set(p.step, row);
  }
  const rows = [...bySteps.values()].sort((a, b) => a.step - b.step);
  const held = rows.filter((r) => r.testAccuracy !== null);
  const series = held.length ? held : rows.filter((r) => r.trainAccuracy !== null);
  const acc = (r: TrajectoryRow) => (held.length ? r.testAccuracy : r.trainAccuracy) as number;
  let plateau: RunTrajectory["plateau"] = null;
  if (series.length) {
    const best = Math.max(...series.map(acc));
    const at = series.find((r) => acc(r) >= best - PLATEAU_TOLERANCE)!;
    plateau = { step: at.step, accuracy: acc(at), normalizedGap: held.length ? at.testGap : at.trainGap };
  }
  return { rows, plateau };
}

export type RunDashboard = {
  run: RunListItem;
  summary: RunSummary | null;
  responsesPerPrompt: number;
  /** The optimum a fixed utility drives every prompt to (null for openness-dependent ones). */
  fixedOptimum: number[] | null;
  thresholds: typeof COLLAPSE_THRESHOLDS;
  splits: Partial<Record<Split, SplitDashboard>>;
  loss: MetricPoint[];
  /** Collapse over training (runs trained before the trajectory have none). */
  trajectory: RunTrajectory | null;
};

export const LIMITS = { stripRows: 120, shapePoints: 800, flagged: 40, histogramBins: 10, lossPoints: 300 } as const;

/** Evenly spaced sample of at most `max` items, keeping the order (and first and last). */
function sample<T>(items: T[], max: number): T[] {
  return thin(items, max);
}

/** A prompt's rewards in response order, with its rankings as indices into them (the verdict's input). */
export function diagnosisPrompt(p: PromptRewards): DiagnosisPrompt {
  const ids = [...p.rewards.keys()];
  const index = new Map(ids.map((id, i) => [id, i] as const));
  return {
    id: String(p.promptId),
    openness: p.openness,
    rewards: [...p.rewards.values()],
    rankings: p.rankings.map((groups) =>
      groups
        .map((g) => g.map((id) => index.get(id)).filter((i): i is number => i !== undefined))
        .filter((g) => g.length),
    ),
    split: p.split,
  };
}

/** The dashboard numbers of one split, from its prompts' rewards, judged at the run's eps. */
export function splitDashboard(
  prompts: PromptRewards[],
  split: Split,
  n: number,
  eps: number = DEFAULT_EPS,
): SplitDashboard {
  const report = collapseReport(prompts.map(diagnosisPrompt), { eps, split });
  const byId = new Map(prompts.map((p) => [String(p.promptId), p]));

  const groups = (["closed", "middle", "open"] as const).map((group) => {
    const members = report.perPrompt.filter((r) => opennessGroup(r.openness) === group && r.profile.length === n);
    const meanOpenness = members.length ? members.reduce((s, r) => s + r.openness, 0) / members.length : null;
    const mean = (pick: (r: (typeof members)[number]) => readonly number[]) =>
      Array.from({ length: n }, (_, k) =>
        members.length ? members.reduce((s, r) => s + pick(r)[k]!, 0) / members.length : null,
      );
    const meanProfile = mean((r) => r.profile);
    // The mean of the members' targets, not the target of their mean openness: it is what the mean
    // profile would be if every prompt reached its own optimum (the optimum is not linear in openness).
    const optimum = mean((r) => r.target);
    return { group, prompts: members.length, meanOpenness, meanProfile, optimum };
  });
  const paperFigure = Array.from({ length: n }, (_, k) => {
    const row: Record<string, number | null> = { rank: k + 1 };
    for (const g of groups) {
      row[g.group] = g.meanProfile[k] ?? null;
      row[`${g.group}Optimum`] = g.optimum[k] ?? null;
    }
    return row;
  });

  const ordered = [...report.perPrompt].sort((a, b) => a.openness - b.openness || Number(a.id) - Number(b.id));
  const stripRows = sample(ordered, LIMITS.stripRows);
  const stripPoints = stripRows.flatMap((r, row) =>
    [...(byId.get(r.id)?.rewards.values() ?? [])].map((reward) => ({
      reward: round(reward),
      row: row + 1,
      openness: round(r.openness),
    })),
  );

  const shapePoints = sample(ordered, LIMITS.shapePoints).map((r) => ({
    openness: round(r.openness),
    shape: round(r.shape),
    flagged: r.flags.length > 0,
  }));

  const bins = LIMITS.histogramBins;
  const counts = { open: new Array<number>(bins).fill(0), closed: new Array<number>(bins).fill(0) };
  for (const r of report.perPrompt) {
    const g = opennessGroup(r.openness);
    if (g === "middle") continue;
    for (const v of r.profile) counts[g][Math.min(bins - 1, Math.floor(v * bins))]!++;
  }
  const totalOpen = counts.open.reduce((a, b) => a + b, 0) || 1;
  const totalClosed = counts.closed.reduce((a, b) => a + b, 0) || 1;
  const histogram = Array.from({ length: bins }, (_, i) => ({
    bin: round((i + 0.5) / bins),
    open: round(counts.open[i]! / totalOpen),
    closed: round(counts.closed[i]! / totalClosed),
  }));

  const flaggedAll = report.perPrompt.filter((r) => r.flags.length > 0).sort((a, b) => b.misfit - a.misfit);
  const flagged = flaggedAll.slice(0, LIMITS.flagged).map((r) => {
    const p = byId.get(r.id)!;
    return {
      promptId: p.promptId,
      externalId: p.externalId,
      text: p.text.length > 140 ? `${p.text.slice(0, 139)}…` : p.text,
      openness: round(r.openness),
      misfit: round(r.misfit),
      shape: round(r.shape),
      spread: round(r.spread),
      flags: r.flags,
    };
  });

  return {
    split,
    prompts: prompts.length,
    accuracy: report.accuracy,
    accuracyCi: report.accuracyCi,
    gap: report.gap,
    gapCi: report.gapCi,
    idealGap: report.idealGap,
    normalizedGap: report.normalizedGap,
    normalizedGapCi: report.normalizedGapCi,
    beta: report.model.beta,
    betaCi: report.model.betaCi,
    theta0: report.model.theta0,
    theta1: report.model.theta1,
    tracking: report.tracking.slope,
    trackingR2: report.tracking.r2,
    trackingCi: report.tracking.ci,
    nOpen: report.nOpen,
    nClosed: report.nClosed,
    flatShare: report.flatShare,
    collapsed: report.collapsed,
    verdictKind: report.kind,
    verdict: report.verdict,
    verdictRule: report.rule,
    reasons: report.reasons,
    paperFigure,
    groups: groups.map((g) => ({ group: g.group, prompts: g.prompts, meanOpenness: g.meanOpenness })),
    strip: { rows: stripRows.length, sampled: stripRows.length < ordered.length, points: stripPoints },
    shape: shapePoints,
    shapeTarget:
      n < 2
        ? []
        : Array.from({ length: 21 }, (_, i) => ({
            openness: i / 20,
            shape: round(shape(targetProfile(i / 20, n, { eps }))),
          })),
    histogram,
    implied: impliedOpennessView(report, prompts.map(diagnosisPrompt), eps, LIMITS.shapePoints),
    flagged,
    flaggedTotal: flaggedAll.length,
  };
}

/** A run summary's per-split verdicts and pair accuracies, as stored with the run (trained here or uploaded). */
export function summarizeCollapse(
  prompts: PromptRewards[],
  eps: number,
): { collapse: RunSummary["collapse"]; accuracy: Partial<Record<Split, number | null>> } {
  const n = responsesPerPrompt(prompts);
  const collapse: RunSummary["collapse"] = {};
  const accuracy: Partial<Record<Split, number | null>> = {};
  for (const split of ["train", "test"] as const) {
    const members = prompts.filter((p) => p.split === split);
    if (!members.length) continue;
    const d = splitDashboard(members, split, n, eps);
    collapse[split] = {
      version: COLLAPSE_SUMMARY_VERSION,
      gap: d.gap,
      beta: d.beta,
      betaCi: d.betaCi,
      normalizedGap: d.normalizedGap,
      normalizedGapCi: d.normalizedGapCi,
      tracking: d.tracking,
      accuracyCi: d.accuracyCi,
      collapsed: d.collapsed,
      verdict: d.verdict,
      verdictKind: d.verdictKind,
    };
    accuracy[split] = d.accuracy;
  }
  return { collapse, accuracy };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * A run's rewards grouped by prompt, with the openness the run trained with (stored beside each
 * reward; for runs recorded before that, resolved again from the data by the one rule) and the
 * dataset's current rankings, which accuracy is measured on.
 */
export async function loadRunRewards(store: Store, run: RunListItem): Promise<PromptRewards[]> {
  const { prompts } = await loadTrainingPrompts(store, run.datasetId, run.config.missingOpenness, {
    acceptedOnly: run.config.acceptedOnly,
  });
  const training = new Map(prompts.map((p) => [Number(p.id), p]));
  const stored = await storedRewards(store, run.id);
  const names = new Map(stored.map((r) => [r.promptId, r]));
  return groupRewardsByPrompt(stored, (promptId) => {
    const p = training.get(promptId);
    const name = names.get(promptId)!;
    return {
      externalId: name.promptExternalId,
      text: name.promptText,
      openness: p?.openness ?? null,
      rankings: p?.rankings.map((groups) => groups.map((g) => g.map(Number))) ?? [],
    };
  });
}

/** The eps the run trained with (its settings, else the trainer's default). */
export function runEps(train: Record<string, unknown>): number {
  const eps = train.eps;
  return typeof eps === "number" && eps > 0 ? eps : DEFAULT_EPS;
}

const FIXED_UTILITIES = new Set(["log", "logsigmoid", "linear", "inverse"]);

/**
 * A finished run's dashboard changes only when its dataset's rankings do (accuracy is measured on
 * the current rankings); on 10,000 prompts it costs about half a second to build, and the compare
 * page asks for it every few seconds while the other run trains. So it is kept until then.
 */
const dashboardCache = new Map<number, { version: string; dashboard: RunDashboard }>();
const DASHBOARD_CACHE_SIZE = 16;

async function rankingsVersion(store: Store, datasetId: number): Promise<string> {
  const row = await store.runs.rankingsVersion(datasetId);
  return `${row.n}:${row.latest ?? 0}`;
}

export async function runDashboard(store: Store, runId: number): Promise<RunDashboard | null> {
  const run = await getRunDetail(store, runId);
  if (!run) return null;
  if (run.status !== "succeeded") return buildRunDashboard(store, run);
  const version = `${run.finishedAt?.getTime() ?? 0}:${await rankingsVersion(store, run.datasetId)}`;
  const cached = dashboardCache.get(runId);
  if (cached?.version === version) return cached.dashboard;
  const dashboard = await buildRunDashboard(store, run);
  dashboardCache.delete(runId);
  dashboardCache.set(runId, { version, dashboard });
  if (dashboardCache.size > DASHBOARD_CACHE_SIZE) dashboardCache.delete(dashboardCache.keys().next().value!);
  return dashboard;
}

async function buildRunDashboard(store: Store, run: RunListItem): Promise<RunDashboard> {
  const runId = run.id;
  const prompts = run.status === "succeeded" ? await loadRunRewards(store, run) : [];
  const n = responsesPerPrompt(prompts);
  const splits: RunDashboard["splits"] = {};
  for (const split of ["test", "train"] as const) {
    const members = prompts.filter((p) => p.split === split);
    if (members.length) splits[split] = splitDashboard(members, split, n, runEps(run.config.train));
  }
  const utility = run.config.utility;
  return {
    run,
    summary: run.summary ?? null,
    responsesPerPrompt: n,
    fixedOptimum: FIXED_UTILITIES.has(utility) && n >= 2 ? optimalRewards({ utility, n, eps: 0 }).map(round) : null,
    thresholds: COLLAPSE_THRESHOLDS,
    splits,
    loss: await runMetricSeries(store, runId, LIMITS.lossPoints),
    trajectory: run.summary?.trajectory?.length ? runTrajectory(run.summary.trajectory) : null,
  };
}

/**
 * The control for confounds on the compare page (docs/design.md): run b against run a on the
 * held-out prompts both hold (e.g. a repro's conditioned run against its log run), Δβ and Δ
 * normalised gap with paired intervals; null unless both succeeded on the same dataset.
 */
export async function comparedRuns(store: Store, a: RunDashboard, b: RunDashboard): Promise<PairedControl | null> {
  if (a.run.status !== "succeeded" || b.run.status !== "succeeded" || a.run.datasetId !== b.run.datasetId) return null;
  const report = async (d: RunDashboard) => {
    const prompts = (await loadRunRewards(store, d.run)).filter((p) => p.split === "test");
    return collapseReport(prompts.map(diagnosisPrompt), { eps: runEps(d.run.config.train), split: "test" });
  };
  return pairedControl(await report(a), await report(b));
}
