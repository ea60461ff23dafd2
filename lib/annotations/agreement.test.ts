import { describe, expect, it } from "vitest";
import {
  bordaConsensus,
  kendallTauB,
  kendallW,
  krippendorffAlphaInterval,
  meanPairwiseTauB,
  median,
  midranks,
  orderedPairCount,
  rankingTauB,
  rankingsW,
} from "./agreement";

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
