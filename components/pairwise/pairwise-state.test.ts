import { describe, expect, it } from "vitest";
import { seededRandom, shuffled } from "@/lib/random";
import {
  comparisonsLeft,
  decide,
  isComplete,
  nextComparison,
  placingOnLeft,
  startPairwise,
  type PairwiseState,
} from "./pairwise-state";

/** Answers every comparison from a hidden score (equal scores tie) and returns the final state. */
function runWith(ids: number[], score: (id: number) => number) {
  let state: PairwiseState = startPairwise(ids);
  const asked: [number, number][] = [];
  for (let guard = 0; !isComplete(state); guard++) {
    if (guard > 1000) throw new Error("did not finish");
    const q = nextComparison(state)!;
    asked.push([q.placing, q.against]);
    const before = comparisonsLeft(state);
    const d = score(q.placing) - score(q.against);
    state = decide(state, d > 0 ? "placing" : d < 0 ? "placed" : "tie");
    expect(comparisonsLeft(state)).toBeLessThan(before);
  }
  return { state, asked };
}

describe("pairwise insertion", () => {
  it("needs one question for a pair, and none for a single response", () => {
    expect(runWith([7, 9], (id) => id).state).toMatchObject({ groups: [[9], [7]], comparisons: 1 });
    expect(runWith([7, 9], () => 0).state.groups).toEqual([[7, 9]]);
    expect(runWith([7], (id) => id).state).toMatchObject({ groups: [[7]], comparisons: 0 });
    expect(startPairwise([])).toMatchObject({ groups: [], pending: [] });
  });

  it("recovers any hidden order with ties, within the promised number of comparisons", () => {
    const random = seededRandom(3);
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + Math.floor(random() * 7);
      const ids = shuffled(
        Array.from({ length: n }, (_, i) => 100 + i),
        random,
      );
      const scores = new Map(ids.map((id) => [id, Math.floor(random() * 4)]));
      const bound = comparisonsLeft(startPairwise(ids));
      const { state, asked } = runWith(ids, (id) => scores.get(id)!);
      const expected = [...new Set([...scores.values()])]
        .sort((a, b) => b - a)
        .map((s) => ids.filter((id) => scores.get(id) === s).sort());
      expect(state.groups.map((g) => [...g].sort())).toEqual(expected);
      expect(asked.length).toBeLessThanOrEqual(bound);
      expect(asked.length).toBeLessThan((n * (n - 1)) / 2 + 1);
      // Never asks a response against itself.
      expect(asked.every(([a, b]) => a !== b)).toBe(true);
    }
  });

  it("puts the newcomer on either side, the same way every time", () => {
    const sides = Array.from({ length: 40 }, (_, i) => placingOnLeft(5, i, i + 1));
    expect(sides.some(Boolean) && sides.some((s) => !s)).toBe(true);
    expect(placingOnLeft(5, 3, 4)).toBe(placingOnLeft(5, 3, 4));
  });
});
