/**
 * A run's rewards, grouped by prompt one way for everything that reads them: the summary the worker
 * stores, the dashboard and the rewards API. Pair accuracy has one definition too, the per-prompt
 * mean (each prompt's share of annotated pairs ordered right, averaged over prompts): ml/diagnosis/verdict.ts
 * for the summary and dashboard, the trainer for the training curve.
 */
import "server-only";
import type { Store } from "@/lib/db";
import type { StoredReward as StoredRewardRow } from "@/db/store/runs";

export type Split = "train" | "test";

/** One prompt's rewards under a run. */
export type PromptRewards = {
  promptId: number;
  externalId: string;
  text: string;
  openness: number;
  split: Split;
  /** Keyed by response id, in the responses' order. */
  rewards: Map<number, number>;
  /** Each annotation's ranking groups (response ids, best first). */
  rankings: number[][][];
};

/** One response's reward, as the trainer returns it and run_rewards stores it. */
export type ResponseReward = {
  promptId: number;
  responseId: number;
  split: Split;
  reward: number;
  /** The openness the run trained the prompt with (null in runs recorded before it was stored). */
  openness: number | null;
};

export type PromptFacts = { externalId: string; text: string; openness: number | null; rankings: number[][][] };

/** Openness of a prompt whose tags were removed since an old run: neutral, rather than vanishing. */
const UNKNOWN_OPENNESS = 0.5;

/** Rewards grouped by prompt in the order they come; `facts` names each prompt and gives its rankings. */
export function groupRewardsByPrompt(
  rewards: Iterable<ResponseReward>,
  facts: (promptId: number) => PromptFacts | undefined,
): PromptRewards[] {
  const byPrompt = new Map<number, PromptRewards>();
  for (const r of rewards) {
    let entry = byPrompt.get(r.promptId);
    if (!entry) {
      const known = facts(r.promptId);
      entry = {
        promptId: r.promptId,
        externalId: known?.externalId ?? String(r.promptId),
        text: known?.text ?? "",
        openness: r.openness ?? known?.openness ?? UNKNOWN_OPENNESS,
        split: r.split,
        rewards: new Map(),
        rankings: known?.rankings ?? [],
      };
      byPrompt.set(r.promptId, entry);
    }
    entry.rewards.set(r.responseId, r.reward);
  }
  return [...byPrompt.values()];
}

/** Responses per prompt of a run: the most common count (a dataset may hold a few odd prompts). */
export function responsesPerPrompt(prompts: readonly PromptRewards[], fallback = 8): number {
  const counts = new Map<number, number>();
  for (const p of prompts) counts.set(p.rewards.size, (counts.get(p.rewards.size) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallback;
}

export type StoredReward = StoredRewardRow;

/** A run's stored rewards, by prompt and then response position. */
export async function storedRewards(store: Store, runId: number): Promise<StoredReward[]> {
  return store.runs.storedRewards(runId);
}
