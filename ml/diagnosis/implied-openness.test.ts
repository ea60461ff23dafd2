import { describe, expect, it } from "vitest";
import { impliedOpenness, impliedOpennessCurve } from "./implied-openness";
import { targetProfile } from "./metrics";

describe("implied openness", () => {
  it("recovers the openness of an exact target, at eps 0.1 and 0, within 0.01", () => {
    for (const eps of [0.1, 0])
      for (const o of [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1]) {
        const fit = impliedOpenness(targetProfile(o, 8, { eps }), { eps });
        expect(fit.identifiable).toBe(true);
        expect(Math.abs((fit.openness as number) - o), `eps ${eps}, openness ${o}`).toBeLessThan(0.01);
        expect(fit.misfit).toBeLessThan(0.01);
      }
  });

  it("ignores order, offset and scale of the rewards", () => {
    const t = targetProfile(0.6, 8);
    const a = impliedOpenness(t, { eps: 0.1 }).openness as number;
    const shuffled = [t[3], t[0], t[7], t[1], t[5], t[2], t[6], t[4]].map((x) => -2 + 9 * (x as number));
    expect(impliedOpenness(shuffled, { eps: 0.1 }).openness).toBeCloseTo(a, 9);
  });

  it("flat profiles and two tie groups are not identifiable", () => {
    expect(impliedOpenness([0.5, 0.5, 0.5], { eps: 0.1 })).toMatchObject({ openness: null, identifiable: false });
    const two = impliedOpenness([1, 1, 1, 0, 0, 0], { eps: 0.1, groups: [3, 3] });
    expect(two.identifiable).toBe(false);
    expect(two.openness).toBeNull();
    expect(two.range).toBe(0);
    expect(impliedOpennessCurve([0.2, 0.2], { eps: 0.1 })).toEqual([]);
  });

  it("a profile more peaked than openness 0 allows sits at the boundary", () => {
    const fit = impliedOpenness([1, 1, 1, 1, 1, 1, 1, 0], { eps: 0.1 });
    expect(fit.atBoundary).toBe(true);
    const curve = impliedOpennessCurve([1, 0.8, 0.6, 0.4, 0.2, 0], { eps: 0.1 });
    expect(curve).toHaveLength(101);
    expect(curve[0]!.openness).toBe(0);
  });
});
