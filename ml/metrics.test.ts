import { describe, expect, it } from "vitest";
import {
  collapseGap,
  collapseReport,
  misfit,
  opennessTracking,
  profile,
  shape,
  spearman,
  targetProfile,
  COLLAPSE_THRESHOLDS,
} from "./metrics";

const twoPoint = [1, 1, 1, 1, 0, 0, 0, 0];
const arcsine = [1, 0.9359, 0.7959, 0.6046, 0.3954, 0.2041, 0.0641, 0];
const uniform = [1, 6 / 7, 5 / 7, 4 / 7, 3 / 7, 2 / 7, 1 / 7, 0];

describe("collapse metrics", () => {
  it("profiles sort descending and min-max normalise; flat profiles are 0.5", () => {
    profile([0.2, 0.6, 0.4]).forEach((x, k) => expect(x).toBeCloseTo([1, 0.5, 0][k] as number, 12));
    expect(profile([0.3, 0.3, 0.3])).toEqual([0.5, 0.5, 0.5]);
  });

  it("shape orders two-point < arcsine < uniform", () => {
    const s = [twoPoint, arcsine, uniform].map(shape);
    expect(s[0]).toBeCloseTo(0, 6);
    expect(s[0] as number).toBeLessThan(s[1] as number);
    expect(s[1] as number).toBeLessThan(s[2] as number);
    expect(shape([0.5, 0.5, 0.5])).toBe(COLLAPSE_THRESHOLDS.shapeMax);
  });

  it("misfit is W1 to the target; targets follow openness", () => {
    expect(misfit(twoPoint, targetProfile(0, 8))).toBeLessThan(1e-3);
    expect(misfit(arcsine, targetProfile(0.5, 8))).toBeLessThan(1e-3);
    expect(misfit(twoPoint, targetProfile(1, 8))).toBeCloseTo(0.2021, 3);
  });

  it("collapse gap is 0.202 between two-point closed and uniform-optimum open prompts, 0 under collapse", () => {
    const open = targetProfile(1, 8);
    expect(
      collapseGap([
        { openness: 0, profile: twoPoint },
        { openness: 1, profile: open },
      ]),
    ).toBeCloseTo(0.202, 3);
    expect(
      collapseGap([
        { openness: 0, profile: arcsine },
        { openness: 1, profile: arcsine },
      ]),
    ).toBe(0);
    expect(collapseGap([{ openness: 0.5, profile: arcsine }])).toBeNaN();
  });

  it("spearman and openness tracking", () => {
    expect(spearman([1, 2, 3], [10, 20, 30])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    const prompts = [0, 0.25, 0.5, 0.75, 1].map((o) => ({ openness: o, profile: targetProfile(o, 8) }));
    expect(opennessTracking(prompts)).toBeCloseTo(1, 6);
  });

  it("collapseReport: collapsed when all prompts share one profile, not when profiles follow openness", () => {
    const same = Array.from({ length: 10 }, (_, i) => ({
      id: `p${i}`,
      openness: i % 2,
      rewards: uniform.map((x) => 0.1 + 0.8 * x),
    }));
    const rep = collapseReport(same);
    expect(rep.collapsed).toBe(true);
    expect(rep.gap).toBeLessThan(1e-9);
    expect(rep.verdict).toMatch(/^Collapsed/);
    const closed = rep.perPrompt.find((p) => p.openness === 0);
    expect(closed?.flags).toContain("too-spread");
    const cured = Array.from({ length: 10 }, (_, i) => ({
      id: `p${i}`,
      openness: i % 2,
      rewards: [...targetProfile(i % 2, 8)].reverse().map((x) => 0.2 + 0.6 * x + 0.001 * i),
    }));
    const rep2 = collapseReport(cured);
    expect(rep2.collapsed).toBe(false);
    expect(rep2.gap).toBeGreaterThan(0.19);
    expect(rep2.tracking).toBeGreaterThan(0.8);
    expect(rep2.perPrompt.every((p) => p.flags.length === 0)).toBe(true);
    expect(rep2.perPrompt[0]?.profile[0]).toBe(1);
    const flat = collapseReport([{ id: "f", openness: 1, rewards: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] }]);
    expect(flat.perPrompt[0]?.flags).toContain("flat");
  });

  it("a prompt with a single response (the trainer accepts it) neither throws nor moves the dataset metrics", () => {
    const two = [
      { id: "c", openness: 0, rewards: [0.9, 0.8, 0.2, 0.1] },
      { id: "o", openness: 1, rewards: [0.9, 0.6, 0.4, 0.1] },
      { id: "o2", openness: 0.9, rewards: [0.8, 0.7, 0.3, 0.1] },
    ];
    const base = collapseReport(two);
    const rep = collapseReport([
      ...two,
      { id: "s", openness: 0, rewards: [0.3] },
      { id: "e", openness: 1, rewards: [] },
    ]);
    expect(rep.gap).toBeCloseTo(base.gap, 12);
    expect(rep.tracking).toBeCloseTo(base.tracking, 12);
    const single = rep.perPrompt.find((p) => p.id === "s");
    expect(single?.profile).toEqual([0.5]);
    expect(single?.target).toEqual([0.5]);
    expect(single?.misfit).toBe(0);
    expect(single?.flags).toEqual([]);
    expect(targetProfile(0.5, 1)).toEqual([0.5]);
  });
});
