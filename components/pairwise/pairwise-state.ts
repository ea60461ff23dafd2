import { hashString, seededRandom } from "@/lib/random";

/**
 * Pairwise mode builds an ordinary ranking (groups of response ids, best first, ties grouped) out
 * of "which of these two is better?" answers, by binary insertion: each response is placed among
 * the groups ranked so far by comparing it with one member of the middle group of the range still
 * possible. A tie puts it into that group. So an annotation in pairwise mode is stored, counted
 * towards the prompt's k and exported exactly like a dragged ranking, and n responses take at most
 * Σ ⌈log2(g+1)⌉ comparisons (1 for a pair, at most 17 for 8) instead of n(n−1)/2.
 */

export type Groups = number[][];

export type PairwiseState = {
  /** The ranking of the responses placed so far. */
  groups: Groups;
  /** Responses still to place, in display order. */
  pending: number[];
  /** The range of group indices where pending[0] may still go: [lo, hi]. */
  lo: number;
  hi: number;
  comparisons: number;
};

/** Which of the two is better: the response being placed, the one it is compared with, or neither. */
export type Verdict = "placing" | "tie" | "placed";

export function startPairwise(ids: readonly number[]): PairwiseState {
  const [first, ...rest] = ids;
  const groups = first === undefined ? [] : [[first]];
  return { groups, pending: rest, lo: 0, hi: groups.length, comparisons: 0 };
}

export function isComplete(state: PairwiseState): boolean {
  return state.pending.length === 0;
}

/** The comparison to ask next: the response being placed and a member of the middle group. */
export function nextComparison(state: PairwiseState): { placing: number; against: number; group: number } | null {
  const placing = state.pending[0];
  if (placing === undefined) return null;
  const group = Math.floor((state.lo + state.hi) / 2);
  return { placing, against: state.groups[group]![0]!, group };
}

function place(state: PairwiseState, groups: Groups): PairwiseState {
  const pending = state.pending.slice(1);
  return { groups, pending, lo: 0, hi: groups.length, comparisons: state.comparisons + 1 };
}

export function decide(state: PairwiseState, verdict: Verdict): PairwiseState {
  const next = nextComparison(state);
  if (!next) return state;
  const { placing, group } = next;
  if (verdict === "tie") {
    return place(
      state,
      state.groups.map((g, i) => (i === group ? [...g, placing] : g)),
    );
  }
  // Better than the middle group: it goes somewhere in [lo, group); worse: in (group, hi].
  const lo = verdict === "placing" ? state.lo : group + 1;
  const hi = verdict === "placing" ? group : state.hi;
  if (lo >= hi) {
    const groups = [...state.groups.slice(0, lo), [placing], ...state.groups.slice(lo)];
    return place(state, groups);
  }
  return { ...state, lo, hi, comparisons: state.comparisons + 1 };
}

/** At most how many more comparisons this takes (each placement is a binary search over the groups). */
export function comparisonsLeft(state: PairwiseState): number {
  if (!state.pending.length) return 0;
  const current = Math.ceil(Math.log2(state.hi - state.lo + 1));
  let groups = state.groups.length + 1;
  let rest = 0;
  for (let i = 1; i < state.pending.length; i++) {
    rest += Math.ceil(Math.log2(groups + 1));
    groups++;
  }
  return current + rest;
}

/**
 * Which side the response being placed is shown on: fixed per (prompt, pair) so a reload asks the
 * same question the same way, but mixed across pairs so neither side is always the newcomer.
 */
export function placingOnLeft(promptId: number, placing: number, against: number): boolean {
  return seededRandom(hashString(`${promptId}:${placing}:${against}`))() < 0.5;
}
