/**
 * Model in the loop: the orders a labeling queue can hand prompts out in. The same ranking serves
 * the app's queue (lib/) and the active-queue bench, so what the bench measures is what the app
 * does.
 *
 * - `least-annotated`: the prompts with the fewest annotations first (spreads the budget evenly).
 * - `uncertain-openness`: the widest openness error bar first (the estimate combined with the
 *   prompt's tags; an untagged prompt unlike anything tagged goes first).
 * - `uncertain-rewards`: the latest run's least certain prompts first: the smallest reward margin
 *   between adjacent responses, relative to the prompt's spread (or flagged by its diagnosis).
 *
 * Ties in the chosen signal fall back to fewer annotations, then to the given order.
 */

export const ACTIVE_QUEUE_ORDERS = ["least-annotated", "uncertain-openness", "uncertain-rewards"] as const;
export type ActiveQueueOrder = (typeof ACTIVE_QUEUE_ORDERS)[number];

export const ACTIVE_QUEUE_ORDER_LABELS: Record<ActiveQueueOrder, string> = {
  "least-annotated": "Least annotated first",
  "uncertain-openness": "Most uncertain openness estimate first",
  "uncertain-rewards": "Latest run's least certain prompts first",
};

export function isActiveQueueOrder(x: unknown): x is ActiveQueueOrder {
  return typeof x === "string" && (ACTIVE_QUEUE_ORDERS as readonly string[]).includes(x);
}

export interface QueueCandidate {
  id: string;
  annotations: number;
  /** Standard error of the prompt's openness estimate (uncertain-openness). */
  opennessSd?: number | null;
  /** Relative smallest adjacent reward margin of the latest run (uncertain-rewards); lower is less certain. */
  rewardMargin?: number | null;
}

/**
 * The smallest gap between adjacent rewards of a prompt, as a share of its spread: 0 when two
 * responses got the same reward, 1 / (n - 1) for evenly spaced rewards; 0 for a flat prompt.
 */
export function rewardMargin(rewards: readonly number[]): number {
  if (rewards.length < 2) return 1;
  const s = [...rewards].sort((a, b) => b - a);
  const spread = (s[0] as number) - (s[s.length - 1] as number);
  if (!(spread > 1e-9)) return 0;
  let m = Infinity;
  for (let k = 0; k + 1 < s.length; k++) m = Math.min(m, (s[k] as number) - (s[k + 1] as number));
  return m / spread;
}

/** The candidates in queue order (a new array; the input order breaks the last ties). */
export function orderQueue<T extends QueueCandidate>(candidates: readonly T[], order: ActiveQueueOrder): T[] {
  const key = (c: QueueCandidate): number => {
    if (order === "uncertain-openness") return -(c.opennessSd ?? Infinity);
    // Prompts the run has not scored come after those it has: the run says nothing about them.
    if (order === "uncertain-rewards") return c.rewardMargin ?? Infinity;
    return 0;
  };
  return candidates
    .map((c, i) => ({ c, i, k: key(c) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) || a.c.annotations - b.c.annotations || a.i - b.i)
    .map((x) => x.c);
}
