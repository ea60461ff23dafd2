import { describe, expect, it } from "vitest";
import { impliedOpenness } from "./implied-openness";
import { targetProfile } from "./metrics";
import { mulberry32 } from "../rng";
import { type DiagnosisPrompt, collapseReport, tieGroups, verdictRule, VERDICT_KINDS } from "./verdict";

const rng = mulberry32(42);

/** A prompt whose rewards have this shape (best first), shuffled, with the human ranking by that order. */
function prompt(
  id: string,
  openness: number,
  shape: readonly number[],
  opts: { noise?: number; scale?: number; offset?: number; split?: "train" | "test"; ranked?: boolean } = {},
): DiagnosisPrompt {
  const n = shape.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(() => rng() - 0.5);
  const rewards = new Array<number>(n);
  order.forEach((slot, k) => {
    rewards[slot] =
      (opts.offset ?? 0.1) + (opts.scale ?? 0.8) * (shape[k] as number) + (opts.noise ?? 0) * (rng() - 0.5);
  });
  return {
    id,
    openness,
    rewards,
    ranking: opts.ranked === false ? undefined : order.map((slot) => [slot]),
    split: opts.split,
  };
}

const twoPoint = [1, 1, 1, 1, 0, 0, 0, 0];
const many = (count: number, f: (i: number) => DiagnosisPrompt) => Array.from({ length: count }, (_, i) => f(i));

describe("collapse verdict v2: the cases that fooled v1", () => {
  it("linear utility, both prompt types two-point (open a hair above closed), reads collapsed", () => {
    const prompts = many(40, (i) =>
      i % 2 ? prompt(`o${i}`, 1, [1, 0.993, 0.993, 0.993, 0.007, 0.007, 0.007, 0]) : prompt(`c${i}`, 0, twoPoint),
    );
    const r = collapseReport(prompts);
    expect(r.kind).toBe("collapsed");
    expect(r.normalizedGap!).toBeLessThan(0.1);
    expect(r.tracking.slope!).toBeLessThan(0.3);
    expect(r.verdict).toMatch(/normalised gap 0\.0\d .*interval below 0\.5/);
  });

  it("random rewards (held-out pair accuracy ~0.5) read not-learned, not collapsed", () => {
    const prompts = many(120, (i) => {
      const rewards = Array.from({ length: 8 }, () => rng());
      const order = Array.from({ length: 8 }, (_, k) => k).sort(() => rng() - 0.5);
      return { id: `p${i}`, openness: i % 2, rewards, ranking: order.map((k) => [k]) };
    });
    const r = collapseReport(prompts);
    expect(r.kind).toBe("not-learned");
    expect(r.accuracy!).toBeGreaterThan(0.4);
    expect(r.accuracy!).toBeLessThan(0.6);
    expect(r.verdict).toMatch(/pair accuracy 0\.\d+ \[.*\] stays below 0\.6/);
  });

  it("2 or 3 prompts of random rewards never read aware (insufficient), with or without rankings", () => {
    const seen = new Set<string>();
    for (let trial = 0; trial < 200; trial++) {
      const count = 2 + (trial % 2);
      const prompts = many(count, (i) => {
        const rewards = Array.from({ length: 8 }, () => rng());
        const order = Array.from({ length: 8 }, (_, k) => k).sort(() => rng() - 0.5);
        return { id: `p${i}`, openness: i % 2, rewards, ranking: trial % 4 < 2 ? order.map((k) => [k]) : undefined };
      });
      const r = collapseReport(prompts, { seed: trial });
      seen.add(r.kind);
    }
    expect([...seen].sort()).toEqual(["insufficient"].concat(seen.has("not-learned") ? ["not-learned"] : []).sort());
  });

  it("open prompts with flat rewards, or 1e-5 noise, never read aware: flat profiles are not open", () => {
    for (const noise of [0, 1e-5]) {
      const prompts = many(40, (i) =>
        i % 2
          ? prompt(`o${i}`, 1, new Array(8).fill(0.5), { noise, ranked: false })
          : prompt(`c${i}`, 0, twoPoint, { ranked: false }),
      );
      const r = collapseReport(prompts);
      expect(r.kind, `noise ${noise}`).toBe("not-learned");
      expect(r.flatShare).toBeCloseTo(0.5, 9);
      expect(r.perPrompt.filter((p) => p.openness === 1).every((p) => p.flat && p.impliedOpenness === null)).toBe(true);
      // with the human rankings known it is the same: half the prompts are at chance
      const ranked = collapseReport(
        many(40, (i) => (i % 2 ? prompt(`o${i}`, 1, new Array(8).fill(0.5), { noise }) : prompt(`c${i}`, 0, twoPoint))),
      );
      expect(ranked.kind).not.toBe("aware");
    }
  });

  it("a perfect model at openness 0.25 / 0.75 reads aware (the gap is normalised by these prompts' ideal)", () => {
    const prompts = many(40, (i) => {
      const o = i % 2 ? 0.75 : 0.25;
      return prompt(`p${i}`, o, targetProfile(o, 8, { eps: 0.1 }));
    });
    // 0.25 is not closed (<= 1/3 is): add the tags' ends so both sides exist
    const r = collapseReport([
      ...prompts,
      ...many(10, (i) => prompt(`c${i}`, 0, targetProfile(0, 8, { eps: 0.1 }))),
      ...many(10, (i) => prompt(`o${i}`, 1, targetProfile(1, 8, { eps: 0.1 }))),
    ]);
    expect(r.kind).toBe("aware");
    expect(r.normalizedGap!).toBeCloseTo(1, 6);
    expect(r.tracking.slope!).toBeGreaterThan(0.9);
    expect(r.tracking.r2!).toBeGreaterThan(0.95);
    // and with only the 0.25 / 0.75 prompts, tagged closed <= 1/3 and open >= 2/3 by a wider split
    const only = collapseReport(
      prompts.map((p) => ({ ...p, openness: p.openness === 0.25 ? 0.3 : 0.7 })),
      {},
    );
    expect(only.kind).not.toBe("partial");
  });

  it("open two-point and closed uniform (the opposite of right) reads inverted", () => {
    const uniform = targetProfile(1, 8, { eps: 0.1 });
    const prompts = many(40, (i) => (i % 2 ? prompt(`o${i}`, 1, twoPoint) : prompt(`c${i}`, 0, uniform)));
    const r = collapseReport(prompts);
    expect(r.kind).toBe("inverted");
    expect(r.normalizedGap!).toBeCloseTo(-1, 6);
    expect(r.tracking.slope!).toBeLessThan(-0.5);
  });

  it("targets use the run's eps: a converged eps 0.1 model fits its targets exactly", () => {
    const prompts = many(20, (i) => prompt(`p${i}`, i % 2, targetProfile(i % 2, 8, { eps: 0.1 })));
    const r = collapseReport(prompts, { eps: 0.1 });
    expect(Math.max(...r.perPrompt.map((p) => p.misfit))).toBeLessThan(1e-9);
    const r0 = collapseReport(prompts, { eps: 0 });
    expect(Math.max(...r0.perPrompt.map((p) => p.misfit))).toBeGreaterThan(0.01);
  });

  it("ties: an open prompt ranked in two tie groups is not too-peaked; its openness is unidentifiable", () => {
    const p: DiagnosisPrompt = {
      id: "t",
      openness: 1,
      rewards: [0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1],
      ranking: [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
      ],
    };
    const r = collapseReport([p]);
    const pp = r.perPrompt[0]!;
    expect(pp.target).toEqual(twoPoint);
    expect(pp.misfit).toBe(0);
    expect(pp.flags).toEqual([]);
    expect(pp.impliedOpenness).toBeNull();
    expect(tieGroups(8, [p.ranking!])).toEqual([4, 4]);
    expect(impliedOpenness(twoPoint, { eps: 0.1, groups: [4, 4] }).identifiable).toBe(false);
  });

  it("the demo's first run (10 held-out prompts, 56% pair accuracy) reads insufficient and says why", () => {
    const prompts = many(48, (i) => {
      const test = i < 10;
      const o = [0, 0.25, 0.5, 0.75, 1][i % 5]!;
      const rewards = Array.from({ length: 8 }, () => 0.4 + 0.2 * rng());
      const order = Array.from({ length: 8 }, (_, k) => k).sort((a, b) =>
        rng() < 0.56 ? rewards[b]! - rewards[a]! : rewards[a]! - rewards[b]!,
      );
      return {
        id: `p${i}`,
        openness: o,
        rewards,
        ranking: order.map((k) => [k]),
        split: test ? "test" : "train",
      } as DiagnosisPrompt;
    });
    const r = collapseReport(prompts);
    expect(r.split).toBe("test");
    expect(r.prompts).toBe(10);
    expect(r.kind).toBe("insufficient");
    expect(r.verdict).toMatch(
      /Insufficient evidence: (pair accuracy .* not clearly above chance|\d+ open and \d+ closed)/,
    );
  });

  it("a partial model (open profiles halfway to their target) reads partial", () => {
    const closedT = targetProfile(0, 8, { eps: 0.1 });
    const openT = targetProfile(1, 8, { eps: 0.1 });
    const half = closedT.map((c, k) => 0.45 * c + 0.55 * (openT[k] as number));
    const prompts = many(60, (i) =>
      i % 2 ? prompt(`o${i}`, 1, half, { noise: 0.01 }) : prompt(`c${i}`, 0, closedT, { noise: 0.01 }),
    );
    const r = collapseReport(prompts);
    expect(r.kind).toBe("partial");
    expect(r.normalizedGap!).toBeGreaterThan(0.5);
    expect(r.normalizedGap!).toBeLessThan(0.6);
  });
});

describe("collapse verdict v2: try to fool it", () => {
  it("openness that does not vary reads undetermined", () => {
    const r = collapseReport(many(30, (i) => prompt(`p${i}`, 1, targetProfile(1, 8))));
    expect(r.kind).toBe("undetermined");
    expect(r.verdict).toMatch(/0 closed/);
  });

  it("no prompts, or single responses only, read insufficient", () => {
    expect(collapseReport([]).kind).toBe("insufficient");
    expect(
      collapseReport([
        { id: "a", openness: 0, rewards: [0.3] },
        { id: "b", openness: 1, rewards: [0.7] },
      ]).kind,
    ).toBe("insufficient");
  });

  it("an opposite model (ranks every pair backwards) reads not-learned", () => {
    const prompts = many(40, (i) => {
      const p = prompt(`p${i}`, i % 2, targetProfile(i % 2, 8, { eps: 0.1 }));
      return { ...p, ranking: [...p.ranking!].reverse() };
    });
    const r = collapseReport(prompts);
    expect(r.accuracy!).toBeLessThan(0.05);
    expect(r.kind).toBe("not-learned");
  });

  it("every profile flat (an untrained model) reads not-learned, whatever the reward scale", () => {
    for (const [offset, noise] of [
      [0.5, 0],
      [0.5, 1e-7],
      [1000, 1e-3],
    ] as const) {
      const prompts = many(40, (i) => prompt(`p${i}`, i % 2, new Array(8).fill(0), { offset, noise, ranked: false }));
      expect(collapseReport(prompts).kind, `offset ${offset}, noise ${noise}`).toBe("not-learned");
    }
  });

  it("the verdict does not depend on the reward scale or offset (TRL logits vs sigmoid rewards)", () => {
    const make = (scale: number, offset: number) =>
      many(40, (i) => {
        const r2 = mulberry32(i);
        const shapeP = (i % 2 ? targetProfile(1, 8, { eps: 0.1 }) : twoPoint).map((x) => x + 0.02 * (r2() - 0.5));
        return {
          id: `p${i}`,
          openness: i % 2,
          rewards: shapeP.map((x) => offset + scale * x),
          ranking: shapeP.map((_, k) => [k]),
        };
      });
    const a = collapseReport(make(0.8, 0.1));
    const b = collapseReport(make(7.5, -3));
    expect(a.kind).toBe("aware");
    expect(b.kind).toBe(a.kind);
    expect(b.normalizedGap!).toBeCloseTo(a.normalizedGap!, 9);
  });

  it("a few noisy prompts give a wide interval: never aware from thin evidence", () => {
    const prompts = many(12, (i) =>
      prompt(`p${i}`, i % 2, i % 2 ? targetProfile(1, 8) : twoPoint, { noise: 0.6, ranked: false }),
    );
    const r = collapseReport(prompts);
    expect(["insufficient", "undetermined", "partial", "collapsed"]).toContain(r.kind);
    expect(r.normalizedGapCi).not.toBeNull();
  });

  it("the bootstrap is seeded: same seed, same intervals", () => {
    const prompts = many(30, (i) => prompt(`p${i}`, i % 2, i % 2 ? targetProfile(1, 8) : twoPoint, { noise: 0.1 }));
    expect(collapseReport(prompts, { seed: 3 }).normalizedGapCi).toEqual(
      collapseReport(prompts, { seed: 3 }).normalizedGapCi,
    );
  });

  it("every kind has a rule naming its thresholds, and the report carries the rule of its own kind", () => {
    for (const k of VERDICT_KINDS) expect(verdictRule(k)).toMatch(/\d/);
    const r = collapseReport(many(40, (i) => prompt(`p${i}`, i % 2, twoPoint)));
    expect(r.kind).toBe("collapsed");
    expect(r.rule).toBe(verdictRule("collapsed"));
    expect(r.reasons.length).toBeGreaterThanOrEqual(4);
  });
});
