import { describe, expect, it } from "vitest";
import { misfit, profile, quantileGrid, shape, spearman, SHAPE_MAX, targetProfile } from "./metrics";

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
    expect(shape([0.5, 0.5, 0.5])).toBe(SHAPE_MAX);
  });

  it("misfit is W1 to the target; targets follow openness at the given eps (default: the trainer's 0.1)", () => {
    expect(misfit(twoPoint, targetProfile(0, 8, { eps: 0 }))).toBeLessThan(1e-3);
    expect(misfit(arcsine, targetProfile(0.5, 8, { eps: 0 }))).toBeLessThan(1e-3);
    expect(misfit(twoPoint, targetProfile(1, 8, { eps: 0 }))).toBeCloseTo(0.2021, 3);
    expect(targetProfile(0.5, 8)).toEqual(targetProfile(0.5, 8, { eps: 0.1 }));
    expect(misfit(targetProfile(0.5, 8), targetProfile(0.5, 8, { eps: 0 }))).toBeGreaterThan(0.01);
  });

  it("tie-aware targets: tied responses share a level", () => {
    expect(targetProfile(1, 8, { groups: [4, 4] })).toEqual(twoPoint);
    const t = targetProfile(1, 5, { groups: [2, 1, 2] });
    expect(t[0]).toBe(t[1]);
    expect(t[3]).toBe(t[4]);
  });

  it("a prompt with a single response has the flat target", () => {
    expect(targetProfile(0.5, 1)).toEqual([0.5]);
    expect(targetProfile(0.5, 0)).toEqual([]);
  });

  it("quantile grids compare profiles of different lengths", () => {
    expect(quantileGrid([1, 0], 3)).toEqual([1, 0.5, 0]);
    expect(quantileGrid([1, 0.5, 0], 5)).toEqual([1, 0.75, 0.5, 0.25, 0]);
  });

  it("spearman", () => {
    expect(spearman([1, 2, 3], [10, 20, 30])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 1, 1], [3, 2, 1])).toBeNaN();
  });
});
