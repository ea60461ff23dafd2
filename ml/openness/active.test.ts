import { describe, expect, it } from "vitest";
import { orderQueue, rewardMargin } from "./active";

describe("queue orders", () => {
  const c = [
    { id: "a", annotations: 2, opennessSd: 0.1, rewardMargin: 0.2 },
    { id: "b", annotations: 0, opennessSd: 0.05, rewardMargin: null },
    { id: "c", annotations: 1, opennessSd: 0.3, rewardMargin: 0.01 },
    { id: "d", annotations: 1, opennessSd: null, rewardMargin: 0.2 },
  ];
  const ids = (o: Parameters<typeof orderQueue>[1]) => orderQueue(c, o).map((x) => x.id);

  it("least-annotated fills evenly, ties keep the given order", () => {
    expect(ids("least-annotated")).toEqual(["b", "c", "d", "a"]);
  });
  it("uncertain-openness: unknown first, then the widest error bar", () => {
    expect(ids("uncertain-openness")).toEqual(["d", "c", "a", "b"]);
  });
  it("uncertain-rewards: the smallest margin first, unscored prompts last", () => {
    expect(ids("uncertain-rewards")).toEqual(["c", "d", "a", "b"]);
  });
});

describe("reward margin", () => {
  it("is relative to the spread and cannot be fooled by scale or flat rewards", () => {
    expect(rewardMargin([0.1, 0.2, 0.3])).toBeCloseTo(0.5, 9);
    expect(rewardMargin([10, 20, 30])).toBeCloseTo(0.5, 9);
    expect(rewardMargin([0.5, 0.5, 0.9])).toBe(0);
    expect(rewardMargin([0.4, 0.4, 0.4])).toBe(0);
    expect(rewardMargin([0.4])).toBe(1);
  });
});
