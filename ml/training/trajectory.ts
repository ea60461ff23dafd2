/**
 * The collapse trajectory: gap, normalised gap, tracking and pair accuracy of both splits at about
 * 20 checkpoints of a run. Early stopping on held-out accuracy can stop a run where accuracy is
 * fine and collapse has not shown yet (or has): the trajectory shows both against the step.
 */
import { collapseSnapshot, type DiagnosisPrompt } from "../diagnosis/verdict";
import type { TrainingPrompt } from "../types";

export interface TrajectoryPoint {
  step: number;
  split: "train" | "test";
  /** Raw collapse gap (mean |open - closed| of the mean profiles). */
  gap: number | null;
  /** Gap relative to these prompts' ideal (1 perfect, 0 collapsed). */
  normalizedGap: number | null;
  /** Slope of implied on tagged openness. */
  tracking: number | null;
  /** Pair accuracy against the human rankings. */
  accuracy: number | null;
}

/** `count` checkpoint steps spread evenly over the run, the last at totalSteps (none when count is 0). */
export function checkpointSteps(totalSteps: number, count: number): Set<number> {
  const out = new Set<number>();
  for (let i = 1; i <= count; i++) out.add(Math.max(1, Math.round((totalSteps * i) / count)));
  return out;
}

/** Each prompt's rankings as response indices (what the verdict reads). */
export function rankingIndices(p: TrainingPrompt): number[][][] {
  const pos = new Map(p.responses.map((r, i) => [r.id, i] as const));
  return p.rankings.map((groups) =>
    groups.map((g) => g.map((id) => pos.get(id)).filter((i): i is number => i !== undefined)).filter((g) => g.length),
  );
}

/** The trajectory points of one checkpoint from per-prompt rewards of each split's prompts. */
export function trajectoryPoints(
  step: number,
  splits: {
    split: "train" | "test";
    prompts: readonly TrainingPrompt[];
    rankings: readonly number[][][][];
    rewards: readonly ArrayLike<number>[];
  }[],
  eps: number,
): TrajectoryPoint[] {
  const out: TrajectoryPoint[] = [];
  for (const s of splits) {
    if (s.prompts.length === 0) continue;
    const diagnosis: DiagnosisPrompt[] = s.prompts.map((p, i) => ({
      id: p.id,
      openness: p.openness as number,
      rewards: Array.from(s.rewards[i] as ArrayLike<number>),
      rankings: s.rankings[i],
    }));
    out.push({ step, split: s.split, ...collapseSnapshot(diagnosis, { eps }) });
  }
  return out;
}
