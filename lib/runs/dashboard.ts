/**
 * The collapse dashboard's numbers, aggregated on the server: a run's rewards become a handful of
 * small arrays (at most a few thousand points whatever the dataset size) that chart components draw.
 */
import type { Db } from "@/db";
import {
  COLLAPSE_THRESHOLDS,
  collapseGap,
  collapseReport,
  optimalRewards,
  shape,
  targetProfile,
  type VerdictKind,
} from "@/ml";
import { getRunDetail, type RunListItem } from "@/lib/runs/lifecycle";
import { loadTrainingPrompts } from "@/lib/runs/training-data";
import { runMetricSeries, thin, type MetricPoint } from "@/lib/runs/progress";
import { type RunSummary } from "@/lib/runs/schemas";

export type Split = "train" | "test";

/** One prompt's rewards under a run. */
export type PromptRewards = {
  promptId: number;
  externalId: string;
  text: string;
  openness: number;
  split: Split;
  /** Keyed by response id. */
  rewards: Map<number, number>;
  /** Each annotation's ranking groups (response ids, best first). */
  rankings: number[][][];
};

/** Labels live with the badge (components/runs/status-badge.tsx); the kind comes from ml/'s collapseReport. */
export type { VerdictKind };

/** Share of annotated (better, worse) pairs that the rewards order the right way; ties in rewards count half. */
export function pairAccuracy(prompts: readonly Pick<PromptRewards, "rewards" | "rankings">[]): number | null {
  let right = 0;
  let total = 0;
  for (const p of prompts) {
    for (const groups of p.rankings) {
      for (let g = 0; g < groups.length; g++) {
        for (let h = g + 1; h < groups.length; h++) {
          for (const better of groups[g]!) {
            for (const worse of groups[h]!) {
              const rb = p.rewards.get(better);
              const rw = p.rewards.get(worse);
              if (rb === undefined || rw === undefined) continue;
              total++;
              right += rb > rw ? 1 : rb === rw ? 0.5 : 0;
            }
          }
        }
      }
    }
  }
  return total ? right / total : null;
}

const finite = (x: number) => (Number.isFinite(x) ? x : null);

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
  gap: number | null;
  /** The gap a model that put every prompt on its target would reach on these prompts (0.202 for n = 8 with only o = 0 and o = 1). */
  idealGap: number | null;
  tracking: number | null;
  collapsed: boolean;
  verdictKind: VerdictKind;
  verdict: string;
  /** Rank 1..n: each openness group's mean profile and the mean of its prompts' targets (the optimum for their openness). */
  paperFigure: Record<string, number | null>[];
  groups: { group: OpennessGroup; prompts: number; meanOpenness: number | null }[];
  /** Rows of dots: one row per prompt (a sample when there are many), ordered by openness. */
  strip: { rows: number; sampled: boolean; points: { reward: number; row: number; openness: number }[] };
  shape: { openness: number; shape: number; flagged: boolean }[];
  /** The shape of the n-point optimum against openness: where a prompt's dot should sit (not α = o, which holds only as n grows). */
  shapeTarget: { openness: number; shape: number }[];
  histogram: { bin: number; open: number; closed: number }[];
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

export type RunDashboard = {
  run: RunListItem;
  summary: RunSummary | null;
  responsesPerPrompt: number;
  /** The optimum a fixed utility drives every prompt to (null for openness-dependent ones). */
  fixedOptimum: number[] | null;
  thresholds: typeof COLLAPSE_THRESHOLDS;
  splits: Partial<Record<Split, SplitDashboard>>;
  loss: MetricPoint[];
};

export const LIMITS = { stripRows: 120, shapePoints: 800, flagged: 40, histogramBins: 10, lossPoints: 300 } as const;

/** Evenly spaced sample of at most `max` items, keeping the order (and first and last). */
function sample<T>(items: T[], max: number): T[] {
  return thin(items, max);
}

/** The dashboard numbers of one split, from its prompts' rewards. */
export function splitDashboard(prompts: PromptRewards[], split: Split, n: number): SplitDashboard {
  const report = collapseReport(
    prompts.map((p) => ({ id: String(p.promptId), openness: p.openness, rewards: [...p.rewards.values()] })),
  );
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

  const kind = report.kind;
  return {
    split,
    prompts: prompts.length,
    accuracy: pairAccuracy(prompts),
    gap: finite(report.gap),
    idealGap: finite(collapseGap(report.perPrompt.map((r) => ({ openness: r.openness, profile: r.target })))),
    tracking: finite(report.tracking),
    collapsed: report.collapsed,
    verdictKind: kind,
    verdict: report.verdict,
    paperFigure,
    groups: groups.map((g) => ({ group: g.group, prompts: g.prompts, meanOpenness: g.meanOpenness })),
    strip: { rows: stripRows.length, sampled: stripRows.length < ordered.length, points: stripPoints },
    shape: shapePoints,
    shapeTarget:
      n < 2
        ? []
        : Array.from({ length: 21 }, (_, i) => ({ openness: i / 20, shape: round(shape(targetProfile(i / 20, n))) })),
    histogram,
    flagged,
    flaggedTotal: flaggedAll.length,
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * A run's rewards grouped by prompt, with the openness the run trained with (stored beside each
 * reward; for runs recorded before that, resolved again from the data: imported value, else the
 * mean of the annotators' tags, else the run's stated assumption).
 */
export function loadRunRewards(db: Db, run: RunListItem): PromptRewards[] {
  const { prompts } = loadTrainingPrompts(db, run.datasetId, run.config.missingOpenness ?? { policy: "exclude" }, {
    acceptedOnly: run.config.acceptedOnly ?? false,
  });
  const byPrompt = new Map(prompts.map((p) => [Number(p.id), p]));
  const rows = db.$client
    .prepare(
      `select rr.response_id as responseId, rr.split, rr.reward, rr.openness, r.prompt_id as promptId, p.external_id as externalId, p.text
         from run_rewards rr join responses r on r.id = rr.response_id join prompts p on p.id = r.prompt_id
        where rr.run_id = ? order by r.prompt_id, r.position`,
    )
    .all(run.id) as {
    responseId: number;
    split: Split;
    reward: number;
    openness: number | null;
    promptId: number;
    externalId: string;
    text: string;
  }[];
  const out = new Map<number, PromptRewards>();
  for (const row of rows) {
    const training = byPrompt.get(row.promptId);
    let entry = out.get(row.promptId);
    if (!entry) {
      entry = {
        promptId: row.promptId,
        externalId: row.externalId,
        text: row.text,
        // A prompt whose tags were removed since an old run keeps a neutral openness rather than vanishing.
        openness: row.openness ?? training?.openness ?? 0.5,
        split: row.split,
        rewards: new Map(),
        rankings: training?.rankings.map((groups) => groups.map((g) => g.map(Number))) ?? [],
      };
      out.set(row.promptId, entry);
    }
    entry.rewards.set(row.responseId, row.reward);
  }
  return [...out.values()];
}

const FIXED_UTILITIES = new Set(["log", "logsigmoid", "linear", "inverse"]);

/**
 * A finished run's dashboard changes only when its dataset's rankings do (accuracy is measured on
 * the current rankings); on 10,000 prompts it costs about half a second to build, and the compare
 * page asks for it every few seconds while the other run trains. So it is kept until then.
 */
const dashboardCache = new Map<number, { version: string; dashboard: RunDashboard }>();
const DASHBOARD_CACHE_SIZE = 16;

function rankingsVersion(db: Db, datasetId: number): string {
  const row = db.$client
    .prepare(
      `select count(*) as n, max(a.updated_at) as latest from annotations a join prompts p on p.id = a.prompt_id
        where p.dataset_id = ?`,
    )
    .get(datasetId) as { n: number; latest: number | null };
  return `${row.n}:${row.latest ?? 0}`;
}

export function runDashboard(db: Db, runId: number): RunDashboard | null {
  const run = getRunDetail(db, runId);
  if (!run) return null;
  if (run.status !== "succeeded") return buildRunDashboard(db, run);
  const version = `${run.finishedAt?.getTime() ?? 0}:${rankingsVersion(db, run.datasetId)}`;
  const cached = dashboardCache.get(runId);
  if (cached?.version === version) return cached.dashboard;
  const dashboard = buildRunDashboard(db, run);
  dashboardCache.delete(runId);
  dashboardCache.set(runId, { version, dashboard });
  if (dashboardCache.size > DASHBOARD_CACHE_SIZE) dashboardCache.delete(dashboardCache.keys().next().value!);
  return dashboard;
}

function buildRunDashboard(db: Db, run: NonNullable<ReturnType<typeof getRunDetail>>): RunDashboard {
  const runId = run.id;
  const prompts = run.status === "succeeded" ? loadRunRewards(db, run) : [];
  const counts = new Map<number, number>();
  for (const p of prompts) counts.set(p.rewards.size, (counts.get(p.rewards.size) ?? 0) + 1);
  const n = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 8;
  const splits: RunDashboard["splits"] = {};
  for (const split of ["test", "train"] as const) {
    const members = prompts.filter((p) => p.split === split);
    if (members.length) splits[split] = splitDashboard(members, split, n);
  }
  const utility = run.config.utility;
  return {
    run,
    summary: (run.summary as RunSummary | null) ?? null,
    responsesPerPrompt: n,
    fixedOptimum: FIXED_UTILITIES.has(utility) && n >= 2 ? optimalRewards({ utility, n, eps: 0 }).map(round) : null,
    thresholds: COLLAPSE_THRESHOLDS,
    splits,
    loss: runMetricSeries(db, runId, LIMITS.lossPoints),
  };
}
