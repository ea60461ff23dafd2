import { describe, expect, it } from "vitest";
import {
  bordaConsensus,
  kendallDistance,
  kendallTauB,
  kendallW,
  krippendorffAlphaInterval,
  meanPairwiseTauB,
  median,
  midranks,
  orderedPairCount,
  rankingDistance,
  rankingTauB,
  rankingsW,
} from "./agreement";
import { seededRandom, shuffled } from "@/lib/random";

describe("Krippendorff's alpha (interval)", () => {
  it("matches Krippendorff's own worked example (4 observers, 12 units, missing values): 0.849", () => {
    // "Computing Krippendorff's Alpha-Reliability" (2011), section C; columns are units,
    // null = the observer did not code that unit. Published: interval alpha = 0.849.
    const observers: (number | null)[][] = [
      [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
      [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
    ];
    const units = observers[0]!.map((_, u) => observers.map((o) => o[u]).filter((v): v is number => v != null));
    expect(krippendorffAlphaInterval(units)).toBeCloseTo(0.849, 3);
  });

  it("is 1 for perfect agreement, about 0 for unrelated tags, and null without pairable units", () => {
    expect(
      krippendorffAlphaInterval([
        [0, 0],
        [1, 1],
        [0.5, 0.5],
      ]),
    ).toBe(1);
    // Within-unit spread equals the overall spread: alpha = 1 - 1 * (n-1)/n... hand-computed:
    // units {0,1},{0,1}: D_o = (1/4)(2·1/1 + 2·1/1) = 1; D_e = (2·4·2 − 2·4)/(4·3) = 8/12; alpha = 1 − 1.5 = −0.5.
    expect(
      krippendorffAlphaInterval([
        [0, 1],
        [0, 1],
      ]),
    ).toBeCloseTo(-0.5, 10);
    expect(krippendorffAlphaInterval([[1], [0.5]])).toBeNull();
  });
});

describe("Kendall's tau-b", () => {
  it("matches the scipy.stats.kendalltau documentation example with ties: -0.4714", () => {
    expect(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.47140452079103173, 12);
  });

  it("handles a tie in one ranking (hand-computed: 5 / sqrt(5·6))", () => {
    expect(rankingTauB([["a"], ["b", "c"], ["d"]], [["a"], ["b"], ["c"], ["d"]])).toBeCloseTo(5 / Math.sqrt(30), 12);
  });

  it("is 1 / -1 for equal / reversed rankings, null when one side is all tied", () => {
    expect(rankingTauB([[1], [2], [3]], [[1], [2], [3]])).toBe(1);
    expect(rankingTauB([[1], [2], [3]], [[3], [2], [1]])).toBe(-1);
    expect(rankingTauB([[1, 2, 3]], [[3], [2], [1]])).toBeNull();
  });
});

describe("Kendall's W", () => {
  it("applies the tie correction (hand-computed: 3 raters, 4 items, one rater ties twice: 20/21)", () => {
    // Rank sums 3.5, 5.5, 9.5, 11.5 → S = 40; m²(n³−n) = 540; Σ T = 2·(2³−2) = 12, m·ΣT = 36.
    // W = 12·40 / (540 − 36) = 480/504 = 20/21 (without the correction it would be 480/540).
    const w = kendallW([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
      [1.5, 1.5, 3.5, 3.5],
    ]);
    expect(w).toBeCloseTo(20 / 21, 12);
    expect(
      rankingsW([
        [["a"], ["b"], ["c"], ["d"]],
        [["a"], ["b"], ["c"], ["d"]],
        [
          ["a", "b"],
          ["c", "d"],
        ],
      ]),
    ).toBeCloseTo(20 / 21, 12);
  });

  it("equals (1 + Spearman's rho) / 2 for two raters without ties", () => {
    // rho = 1 − 6·4 / (5·24) = 0.8 for these two rankings.
    expect(
      kendallW([
        [1, 2, 3, 4, 5],
        [2, 1, 4, 3, 5],
      ]),
    ).toBeCloseTo(0.9, 12);
  });

  it("is 1 for identical rankings, 0 for two reversed ones, null when undefined", () => {
    expect(
      kendallW([
        [1, 2, 3],
        [1, 2, 3],
        [1, 2, 3],
      ]),
    ).toBe(1);
    expect(
      kendallW([
        [1, 2, 3],
        [3, 2, 1],
      ]),
    ).toBe(0);
    expect(kendallW([[1, 2, 3]])).toBeNull();
    expect(
      kendallW([
        [2, 2, 2],
        [2, 2, 2],
      ]),
    ).toBeNull();
  });
});

describe("rankings helpers", () => {
  it("gives midranks to ties", () => {
    expect([...midranks([["a"], ["b", "c", "d"], ["e"]])]).toEqual([
      ["a", 1],
      ["b", 3],
      ["c", 3],
      ["d", 3],
      ["e", 5],
    ]);
  });

  it("builds a Borda consensus with ties where mean ranks are equal", () => {
    const { groups } = bordaConsensus([
      [["a"], ["b"], ["c"]],
      [["b"], ["a"], ["c"]],
    ]);
    expect(groups).toEqual([["a", "b"], ["c"]]);
    expect(
      meanPairwiseTauB([
        [["a"], ["b"], ["c"]],
        [["b"], ["a"], ["c"]],
      ]),
    ).toBeCloseTo(1 / 3, 12);
  });

  it("counts ordered pairs between different groups only", () => {
    expect(orderedPairCount([[1], [2], [3], [4], [5], [6], [7], [8]])).toBe(28);
    expect(orderedPairCount([["a"], ["b", "c"], ["d"]])).toBe(5);
    expect(orderedPairCount([])).toBe(0);
  });

  it("takes the median of even and odd lists", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
  });
});

describe("Kendall distance with ties (how far a final order moved from a suggestion)", () => {
  const strict = [[1], [2], [3], [4], [5], [6], [7], [8]];
  it("is 0 for the same order, 1 for its reverse, and 0 for the same ties", () => {
    expect(rankingDistance(strict, strict)).toBe(0);
    expect(rankingDistance(strict, strict.slice().reverse())).toBe(1);
    expect(rankingDistance([[1, 2], [3]], [[2, 1], [3]])).toBe(0);
  });

  it("counts a pair tied on one side only as half: all ties against a strict order is 1/2, in either direction", () => {
    const allTied = [[1, 2, 3, 4, 5, 6, 7, 8]];
    expect(rankingDistance(allTied, strict)).toBe(0.5);
    expect(rankingDistance(strict, allTied)).toBe(0.5);
    expect(rankingDistance(allTied, allTied)).toBe(0);
    // tau-b is undefined there; the distance is not.
    expect(rankingTauB(allTied, strict)).toBeNull();
  });

  it("is null with one response (nothing to move) and with no shared items", () => {
    expect(rankingDistance([[1]], [[1]])).toBeNull();
    expect(rankingDistance([[1], [2]], [[3], [4]])).toBeNull();
  });

  it("is (1 − tau-b) / 2 without ties, and one swap of neighbours moves 1 pair of 28", () => {
    const swapped = [[2], [1], [3], [4], [5], [6], [7], [8]];
    expect(rankingDistance(strict, swapped)).toBeCloseTo(1 / 28, 12);
    expect(rankingDistance(strict, swapped)).toBeCloseTo((1 - rankingTauB(strict, swapped)!) / 2, 12);
    // Hand count with a tie: x = 1,2,2 vs y = 1,2,3 → pairs (0,1) agree, (0,2) agree, (1,2) tied in x only: 0.5 / 3.
    expect(kendallDistance([1, 2, 2], [1, 2, 3])).toBeCloseTo(1 / 6, 12);
  });

  it("is symmetric and a random order sits near 1/2 on average", () => {
    let total = 0;
    const random = seededRandom(7);
    for (let k = 0; k < 400; k++) {
      const order = shuffled(strict, random);
      const d = rankingDistance(strict, order)!;
      expect(rankingDistance(order, strict)).toBeCloseTo(d, 12);
      total += d;
    }
    expect(total / 400).toBeGreaterThan(0.4);
    expect(total / 400).toBeLessThan(0.6);
  });
});
