import { describe, expect, it } from "vitest";
import { niceTicks } from "./ticks";

describe("nice axis ticks", () => {
  it("rounds an external run's raw score range to whole steps", () => {
    const { ticks, domain, decimals } = niceTicks(-8.7216, 0.2784);
    expect(ticks).toEqual([-10, -8, -6, -4, -2, 0, 2]);
    expect(domain).toEqual([-10, 2]);
    expect(decimals).toBe(0);
  });

  it("gives the unit interval quarter-free round steps, and small ranges their decimals", () => {
    expect(niceTicks(0, 1).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const small = niceTicks(0.0123, 0.0456);
    expect(small.decimals).toBe(2);
    expect(small.ticks).toEqual([0.01, 0.02, 0.03, 0.04, 0.05]);
  });

  it("covers the data, whatever the order, a single value, or a non-number", () => {
    for (const [a, b] of [
      [3.3, -1.7],
      [1234, 98765],
      [-0.5, -0.49],
    ] as const) {
      const { domain, ticks } = niceTicks(a, b);
      expect(domain[0]).toBeLessThanOrEqual(Math.min(a, b));
      expect(domain[1]).toBeGreaterThanOrEqual(Math.max(a, b));
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(11);
    }
    expect(niceTicks(5, 5).domain).toEqual([4, 6]);
    expect(niceTicks(0, 0).domain).toEqual([-1, 1]);
    expect(niceTicks(Number.NaN, 1).ticks).toEqual([0, 1]);
  });
});
