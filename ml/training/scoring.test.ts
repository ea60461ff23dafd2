import { describe, expect, it } from "vitest";
import { loadRewardModel } from "./scoring";
import { syntheticLengthDataset } from "../simulation/synthetic";
import { trainRewardModel } from ".";
import type { TrainingPrompt } from "../types";

/** Fractional openness, uneven response counts, embeddings on most responses (absent on some). */
function richPrompts(): TrainingPrompt[] {
  return syntheticLengthDataset({ prompts: 40, seed: 8 }).map((p, i) => ({
    ...p,
    openness: (i % 5) / 4,
    responses: p.responses.slice(0, 4 + (i % 5)).map((r, k) => ({
      ...r,
      ...((i + k) % 7 === 0 ? {} : { embedding: [Math.sin(i + k), Math.cos(3 * k), r.text.length / 100] }),
    })),
  }));
}

describe("loadRewardModel", () => {
  it("reproduces the trainer rewards of every response of both splits (openness input, embeddings, two hidden layers)", async () => {
    const prompts = richPrompts();
    const res = await trainRewardModel(prompts, {
      featureDim: 512,
      hiddenSizes: [16, 8],
      opennessInput: true,
      steps: 40,
      evalEvery: 40,
      testShare: 0.25,
      seed: 3,
    });
    const model = loadRewardModel(res.weights);
    expect(model.spec.opennessInput).toBe(true);
    expect(model.spec.embeddingDim).toBe(3);
    expect(() => model.score(prompts[0]!.text, prompts[0]!.responses)).toThrow(/openness/);
    const fromRun = new Map(res.rewards.map((r) => [r.responseId, r]));
    const splits = new Set<string>();
    let maxErr = 0;
    for (const p of prompts) {
      const scored = model.score(p.text, p.responses, p.openness as number);
      expect(scored).toHaveLength(p.responses.length);
      p.responses.forEach((r, k) => {
        const want = fromRun.get(r.id);
        expect(want).toBeDefined();
        splits.add(want!.split);
        maxErr = Math.max(maxErr, Math.abs((scored[k] as number) - want!.reward));
      });
    }
    expect(splits).toEqual(new Set(["train", "test"]));
    expect(maxErr).toBeLessThan(1e-5);
    // the check is not vacuous: openness is an input that moves the rewards
    const p = prompts[1]!;
    const other = model.score(p.text, p.responses, 1 - (p.openness as number));
    expect(
      Math.max(
        ...other.map((x, k) => Math.abs(x - (model.score(p.text, p.responses, p.openness as number)[k] as number))),
      ),
    ).toBeGreaterThan(1e-4);
  });
});
