import { describe, expect, it } from "vitest";
import { syntheticLengthDataset } from "./synthetic";

describe("synthetic length data", () => {
  it("held-out prompts come from templates never used in training: no held-out text equals a training text", () => {
    const train = syntheticLengthDataset({ prompts: 2048, seed: 1, prefix: "train", templates: "training" });
    const test = syntheticLengthDataset({ prompts: 256, seed: 1_000_004, prefix: "test", templates: "held-out" });
    const trainTexts = new Set(train.map((p) => p.text));
    expect(test.filter((p) => trainTexts.has(p.text))).toEqual([]);
    // both splits still hold open and closed prompts
    expect(new Set(test.map((p) => p.openness))).toEqual(new Set([0, 1]));
  });

  it("the default template set is the training one (runs recorded before the split reproduce)", () => {
    expect(syntheticLengthDataset({ prompts: 50, seed: 3 })).toEqual(
      syntheticLengthDataset({ prompts: 50, seed: 3, templates: "training" }),
    );
  });
});
