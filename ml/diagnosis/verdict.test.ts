/**
 * The verdict v3 against every failure class it must survive, each built by a generator here (not
 * copied from an issue): random, tiny, flat, offset, rescaled by per-prompt affine maps, mixed,
 * inverted, a weak learner at 57%, chance on open + perfect on closed, differing n between open and
 * closed, huge rewards on some prompts, all-tied open prompts, a true-quality scorer, and a small
 * true effect at growing sample sizes. The margins these tests read (COLLAPSE_THRESHOLDS) were
 * written into docs/design.md before any of them ran.
 */
import { describe, expect, it } from "vitest";
import { targetProfile } from "./metrics";
import { mulberry32 } from "../rng";
import { CLOSED_LENGTHS, OPEN_LENGTHS } from "../simulation/synthetic";
import { optimalRewards } from "./theory";
import {
  COLLAPSE_THRESHOLDS,
  type DiagnosisPrompt,
  collapseReport,
  pairedControl,
  tieGroups,
  verdictRule,
  VERDICT_KINDS,
} from "./verdict";

/** Fewer resamples than the product's 1,000 keep the suite fast; the decisions read the same margins. */
const FAST = { bootstrap: 300, permutations: 300 } as const;

type Gen = { rng: () => number };
const gen = (seed: number): Gen => ({ rng: mulberry32(seed) });

function gaussian(g: Gen): number {
  const u = Math.max(1e-12, g.rng());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * g.rng());
}

/**
 * A prompt whose rewards, best first, are `shape` plus noise, given to responses in a random order;
 * the human ranking orders them by the shape (so pair accuracy is 1 unless noise reorders them).
 */
function shaped(g: Gen, id: string, openness: number, shape: readonly number[], noise = 0.01): DiagnosisPrompt {
  const n = shape.length;
  const slots = Array.from({ length: n }, (_, i) => i).sort(() => g.rng() - 0.5);
  const rewards = new Array<number>(n);
  slots.forEach((slot, k) => (rewards[slot] = (shape[k] as number) + noise * gaussian(g)));
  return { id, openness, rewards, ranking: slots.map((s) => [s]) };
}

/** A run whose prompts sit at fitted openness θ(o) = theta0 + beta·o (targets at eps 0.1), open/closed alternating. */
function line(seed: number, count: number, theta0: number, beta: number, opts: { n?: number; noise?: number } = {}) {
  const g = gen(seed);
  return Array.from({ length: count }, (_, i) => {
    const o = i % 2;
    return shaped(g, `p${i}`, o, targetProfile(theta0 + beta * o, opts.n ?? 8), opts.noise);
  });
}

const aware = (seed = 1, count = 60) => line(seed, count, 0, 1);
const collapsed = (seed = 1, count = 60) => line(seed, count, 0.5, 0);

describe("verdict v3: the model's fit", () => {
  it("reads the ideal as aware (β ≈ 1), one utility for all as collapsed (β ≈ 0) with its γ", () => {
    const a = collapseReport(aware(), FAST);
    expect(a.kind, a.verdict).toBe("aware");
    expect(a.model.beta!).toBeGreaterThan(0.9);
    expect(a.model.betaCi![0]).toBeGreaterThanOrEqual(COLLAPSE_THRESHOLDS.awareMin);
    const c = collapseReport(collapsed(), FAST);
    expect(c.kind, c.verdict).toBe("collapsed");
    expect(Math.abs(c.model.beta!)).toBeLessThan(0.05);
    // θ 0.5 is the log utility: γ = 1 − 2θ ≈ 0
    expect(Math.abs(c.model.collapsedGamma!)).toBeLessThan(0.1);
    expect(c.verdict).toMatch(/inside \(−0\.125, 0\.125\)/);
  });

  it("mixed: profiles half-way to the ideal read weakly-aware, never collapsed", () => {
    const r = collapseReport(line(3, 80, 0.25, 0.5), FAST);
    expect(r.kind, r.verdict).toBe("weakly-aware");
    expect(r.model.beta!).toBeGreaterThan(0.4);
    expect(r.model.beta!).toBeLessThan(0.6);
    expect(r.verdict).toMatch(/^Weakly aware \(less than the ideal\)/);
  });

  it("the opposite of right (open two-point, closed spread) reads inverted", () => {
    const r = collapseReport(line(4, 60, 1, -1), FAST);
    expect(r.kind, r.verdict).toBe("inverted");
    expect(r.model.beta!).toBeLessThan(-0.9);
  });

  it("more prompts never turn a small effect into a false alarm: β = 0.05 reads collapsed at 400 and 2,000 prompts", () => {
    for (const count of [400, 2000]) {
      const r = collapseReport(line(5, count, 0.45, 0.05), FAST);
      expect(r.kind, `${count}: ${r.verdict}`).toBe("collapsed");
    }
    // and a real effect of 0.3 never reads collapsed, however many prompts
    for (const count of [40, 400]) {
      const r = collapseReport(line(6, count, 0.3, 0.3), FAST);
      expect(["weakly-aware", "undetermined"], `${count}: ${r.verdict}`).toContain(r.kind);
      if (count === 400) expect(r.kind).toBe("weakly-aware");
    }
  });

  it("straddling a margin is undetermined and names the two kinds", () => {
    // few, noisy prompts at β 0.125: the interval crosses the collapse margin
    const r = collapseReport(line(7, 24, 0.4, 0.125, { noise: 0.06 }), FAST);
    expect(r.kind, r.verdict).toBe("undetermined");
    expect(r.verdict).toMatch(/spans .*collapsed.*weakly aware/);
  });
});

describe("verdict v3: admission by information, not scale", () => {
  /** Applies r -> a_p · r + b_p with a positive a_p per prompt. */
  const affine = (prompts: DiagnosisPrompt[], seed: number, pick: (g: Gen, i: number) => [number, number]) => {
    const g = gen(seed);
    return prompts.map((p, i) => {
      const [a, b] = pick(g, i);
      return { ...p, rewards: p.rewards.map((r) => a * r + b) };
    });
  };
  const same = (x: DiagnosisPrompt[], y: DiagnosisPrompt[]) => {
    const a = collapseReport(x, FAST);
    const b = collapseReport(y, FAST);
    expect(b.kind, b.verdict).toBe(a.kind);
    expect(b.model.beta!).toBeCloseTo(a.model.beta!, 6);
    // equal up to float rounding of the maps themselves
    expect(b.model.betaCi![0]).toBeCloseTo(a.model.betaCi![0], 6);
    expect(b.model.betaCi![1]).toBeCloseTo(a.model.betaCi![1], 6);
    expect(b.chance?.open.accuracy).toBe(a.chance?.open.accuracy);
    return b;
  };

  it("offset: a perfect model at 1000 + a spread of 1e-4 reads aware, exactly as at scale 1", () => {
    const r = same(
      aware(8),
      affine(aware(8), 1, () => [1e-4, 1000]),
    );
    expect(r.kind).toBe("aware");
  });

  it("rescaled: per-prompt positive affine maps, scales from 1e-9 to 1e9 and offsets up to 1000 spreads, change nothing", () => {
    for (const base of [aware(9), collapsed(9), line(9, 60, 0.25, 0.5)])
      same(
        base,
        affine(base, 2, (g) => {
          const a = 10 ** (18 * g.rng() - 9);
          return [a, a * 2000 * (g.rng() - 0.5)];
        }),
      );
  });

  it("huge rewards on some prompts (15% at 1e9 times the others) change nothing", () => {
    const r = same(
      aware(10),
      affine(aware(10), 3, (_, i) => (i % 7 === 0 ? [1e9, 5e9] : [1, 0])),
    );
    expect(r.kind).toBe("aware");
    // open prompts with a small spread next to large closed ones
    same(
      aware(10),
      affine(aware(10), 4, (_, i) => (i % 2 ? [1e-3, 0] : [50, 0])),
    );
  });

  it("flat: equal rewards are not evidence; a run of flat prompts is not learned", () => {
    const g = gen(11);
    const flat = Array.from({ length: 40 }, (_, i) => shaped(g, `f${i}`, i % 2, new Array(8).fill(0.7), 0));
    const r = collapseReport(flat, FAST);
    expect(r.kind, r.verdict).toBe("not-learned");
    expect(r.perPrompt.every((p) => p.flat && !p.admitted)).toBe(true);
    // without rankings the flat share decides
    const unranked = flat.map(({ ranking: _ranking, ...p }) => p);
    const u = collapseReport(unranked, FAST);
    expect(u.kind).toBe("not-learned");
    expect(u.verdict).toMatch(/flat profile/);
    // float noise relative to the rewards' own magnitude is flat; a spread a million times larger is not
    expect(collapseReport([shaped(g, "x", 1, [1e6, 1e6 + 1e-6, 1e6, 1e6], 0)], FAST).perPrompt[0]!.flat).toBe(true);
    expect(collapseReport([shaped(g, "y", 1, [1, 1 + 1e-6, 1, 1], 0)], FAST).perPrompt[0]!.flat).toBe(false);
  });

  it("all-tied open prompts are excluded (counted apart), never flat, and change nothing else", () => {
    const base = aware(12);
    const tied: DiagnosisPrompt[] = Array.from({ length: 12 }, (_, i) => ({
      id: `t${i}`,
      openness: 1,
      rewards: new Array(8).fill(0.5),
      ranking: [[0, 1, 2, 3, 4, 5, 6, 7]],
    }));
    const r = collapseReport([...base, ...tied], FAST);
    expect(r.kind, r.verdict).toBe("aware");
    expect(r.allTied).toBe(12);
    expect(r.perPrompt.filter((p) => p.flags.includes("all-tied"))).toHaveLength(12);
    expect(r.perPrompt.filter((p) => p.flags.includes("flat"))).toHaveLength(0);
    expect(r.model.beta!).toBeCloseTo(collapseReport(base, FAST).model.beta!, 9);
  });
});

describe("verdict v3: chance per openness group", () => {
  it("random rewards are not learned, in both groups", () => {
    const g = gen(13);
    const random = Array.from({ length: 80 }, (_, i) =>
      shaped(
        g,
        `r${i}`,
        i % 2,
        Array.from({ length: 8 }, () => g.rng()),
        0,
      ),
    ).map((p) => ({ ...p, rewards: [...p.rewards].sort(() => g.rng() - 0.5) }));
    const r = collapseReport(random, FAST);
    expect(r.kind, r.verdict).toBe("not-learned");
    expect(r.chance!.open.learned || r.chance!.closed.learned).toBe(false);
  });

  it("chance on open prompts and perfect on closed ones is not learned (the open spread is not openness)", () => {
    const g = gen(14);
    const prompts = Array.from({ length: 80 }, (_, i) => {
      if (i % 2 === 0) return shaped(g, `c${i}`, 0, targetProfile(0, 8));
      const p = shaped(g, `o${i}`, 1, targetProfile(1, 8));
      return { ...p, rewards: [...p.rewards].sort(() => g.rng() - 0.5) };
    });
    const r = collapseReport(prompts, FAST);
    expect(r.kind, r.verdict).toBe("not-learned");
    expect(r.verdict).toMatch(/on open prompts/);
    expect(r.chance!.closed.learned).toBe(true);
  });

  /** Exactly right shapes, given to responses so that each prompt's pair accuracy is about `accuracy`. */
  function weak(seed: number, count: number): DiagnosisPrompt[] {
    const g = gen(seed);
    return Array.from({ length: count }, (_, i) => {
      const o = i % 2;
      const shape = targetProfile(o, 8).map((x) => x + 0.01 * gaussian(g));
      // order the responses by a noisy copy of the truth: noise of sd 12 on ranks 7..0 gives ~57% of pairs right
      const truth = Array.from({ length: 8 }, (_, k) => 7 - k);
      const noisy = truth.map((t) => t + 12 * gaussian(g));
      const byNoisy = truth.map((_, k) => k).sort((a, b) => (noisy[b] as number) - (noisy[a] as number));
      const sorted = [...shape].sort((a, b) => b - a);
      const rewards = new Array<number>(8);
      byNoisy.forEach((resp, rank) => (rewards[resp] = sorted[rank] as number));
      return { id: `w${i}`, openness: o, rewards, ranking: truth.map((_, k) => [k]) };
    });
  }

  it("a weak learner (~57% pair accuracy) with right shapes is aware with a caveat, and stays so with more prompts", () => {
    for (const count of [60, 400, 2000]) {
      const r = collapseReport(weak(15, count), FAST);
      expect(r.accuracy!).toBeGreaterThan(0.53);
      expect(r.accuracy!).toBeLessThan(0.62);
      expect(r.kind, `${count}: ${r.verdict}`).not.toBe("not-learned");
      if (count >= 400) expect(r.kind, `${count}: ${r.verdict}`).toBe("aware");
      expect(r.reasons.join(" ")).toMatch(/weak learner/);
    }
  });

  it("tiny samples are insufficient, not a verdict: 2 + 2 prompts, or 4 + 4 without enough tag assignments", () => {
    const r = collapseReport(aware(16, 4), FAST);
    expect(r.kind, r.verdict).toBe("insufficient");
    expect(r.verdict).toMatch(/too few for the chance test/);
    // no rankings: 3 + 3 prompts allow C(6, 3) = 20 assignments, and none could reach p < 0.05 strictly below 1/20
    const unranked = aware(17, 4).map(({ ranking: _ranking, ...p }) => p);
    const u = collapseReport(unranked, FAST);
    expect(u.kind, u.verdict).toBe("insufficient");
    expect(u.verdict).toMatch(/distinct assignments/);
  });
});

describe("verdict v3: response counts and ties are stratified", () => {
  it("a fixed utility with mostly n = 4 on open prompts and n = 8 on closed ones reads collapsed; the ideal reads aware", () => {
    const g = gen(18);
    // open prompts: 4 of 5 at n = 4; closed: 4 of 5 at n = 8
    const nOf = (o: number, i: number) => ((o === 1) === i % 10 < 8 ? 4 : 8);
    const fixed = Array.from({ length: 100 }, (_, i) => {
      const o = i % 2;
      return shaped(g, `p${i}`, o, optimalRewards({ utility: "log", n: nOf(o, i), eps: 0.1 }));
    });
    const r = collapseReport(fixed, FAST);
    expect(r.kind, r.verdict).toBe("collapsed");
    const ideal = Array.from({ length: 100 }, (_, i) => {
      const o = i % 2;
      return shaped(g, `p${i}`, o, targetProfile(o, nOf(o, i)));
    });
    expect(collapseReport(ideal, FAST).kind).toBe("aware");
  });

  it("with no common stratum (every open prompt n = 4, every closed n = 8) it cannot decide, and says why", () => {
    const g = gen(24);
    const split = Array.from({ length: 60 }, (_, i) => {
      const o = i % 2;
      return shaped(g, `p${i}`, o, optimalRewards({ utility: "log", n: o ? 4 : 8, eps: 0.1 }));
    });
    const r = collapseReport(split, FAST);
    expect(r.kind, r.verdict).toBe("insufficient");
    expect(r.verdict).toMatch(/1 distinct assignments? of the tags within strata/);
    expect(r.normalizedGap).toBeNull();
  });

  it("ties from the human ranking shape the target; two tie groups carry no openness and are left out", () => {
    expect(tieGroups(4, [[[0], [1, 2], [3]]])).toEqual([1, 2, 1]);
    const g = gen(19);
    const twoGroups: DiagnosisPrompt[] = Array.from({ length: 10 }, (_, i) => ({
      ...shaped(g, `two${i}`, 1, [1, 1, 1, 1, 0, 0, 0, 0], 0.001),
      ranking: undefined,
      rankings: [
        [
          [0, 1, 2, 3],
          [4, 5, 6, 7],
        ],
      ],
    }));
    const r = collapseReport([...aware(19), ...twoGroups], FAST);
    expect(r.kind).toBe("aware");
    expect(r.perPrompt.filter((p) => p.id.startsWith("two") && p.admitted)).toHaveLength(0);
  });
});

describe("verdict v3: the true-quality scorer and the paired control", () => {
  /** The paper's length data scored by the truth itself: each response's length. */
  function lengthScorer(seed: number, count: number): DiagnosisPrompt[] {
    const g = gen(seed);
    return Array.from({ length: count }, (_, i) => {
      const open = g.rng() < 0.5;
      const lengths = open ? OPEN_LENGTHS : CLOSED_LENGTHS;
      return shaped(g, `q${i}`, open ? 1 : 0, [...lengths].reverse(), 0);
    });
  }

  it("scoring by true quality reads weakly aware (less than the ideal), not collapsed", () => {
    const r = collapseReport(lengthScorer(20, 200), FAST);
    expect(r.kind, r.verdict).toBe("weakly-aware");
    expect(r.model.beta!).toBeGreaterThan(COLLAPSE_THRESHOLDS.collapseMargin);
  });

  it("the paired control reads what conditioning adds over a fixed utility on the same prompts", () => {
    const fixed = collapseReport(collapsed(21), FAST);
    const conditioned = collapseReport(aware(21), FAST);
    const c = pairedControl(fixed, conditioned, { bootstrap: 200 });
    expect(c.prompts).toBe(60);
    expect(c.deltaBeta!).toBeGreaterThan(0.9);
    expect(c.deltaBetaCi![0]).toBeGreaterThan(0.8);
    // a run against itself: no difference at all
    const self = pairedControl(fixed, fixed, { bootstrap: 200 });
    expect(self.deltaBeta).toBe(0);
    expect(self.deltaBetaCi).toEqual([0, 0]);
  });
});

describe("verdict v3: reporting", () => {
  it("every kind has a rule naming its margins; v2's partial is still readable", () => {
    for (const kind of VERDICT_KINDS) expect(verdictRule(kind).length).toBeGreaterThan(20);
    expect(verdictRule("collapsed")).toContain(String(COLLAPSE_THRESHOLDS.collapseMargin));
    expect(verdictRule("aware")).toContain(String(COLLAPSE_THRESHOLDS.awareMin));
  });

  it("is seeded: the same rewards give the same interval and permutation p", () => {
    const a = collapseReport(line(22, 40, 0.2, 0.4), { ...FAST, seed: 3 });
    const b = collapseReport(line(22, 40, 0.2, 0.4), { ...FAST, seed: 3 });
    expect(b.model.betaCi).toEqual(a.model.betaCi);
    expect(b.model.permutationP).toEqual(a.model.permutationP);
  });

  it("openness that does not vary is undetermined; no prompt is insufficient", () => {
    expect(collapseReport([], FAST).kind).toBe("insufficient");
    const g = gen(23);
    const allOpen = Array.from({ length: 20 }, (_, i) => shaped(g, `o${i}`, 1, targetProfile(1, 8)));
    expect(collapseReport(allOpen, FAST).kind).toBe("undetermined");
  });
});
