import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../kernels/backend";
import { loadRewardModel } from "./scoring";
import { syntheticLengthDataset } from "../simulation/synthetic";
import { prepareData, trainConfigSchema, trainRewardModel } from ".";
import { collapseReport } from "../diagnosis/verdict";

const small = { featureDim: 1024, hiddenSizes: [32], batchPrompts: 32, learningRate: 0.003 };

describe("trainer", () => {
  it("reaches > 95% held-out pair accuracy on the synthetic length data", async () => {
    const prompts = syntheticLengthDataset({ prompts: 320, seed: 11 });
    const res = await trainRewardModel(prompts, { ...small, steps: 250, evalEvery: 50, testShare: 0.2, seed: 2 });
    expect(res.backend).toBe("wasm");
    expect(res.metrics.testPrompts).toBe(64);
    expect(res.metrics.testAccuracy).toBeGreaterThan(0.95);
    expect(res.rewards).toHaveLength(320 * 8);
    expect(res.rewards.filter((r) => r.split === "test")).toHaveLength(64 * 8);
    for (const r of res.rewards) expect(r.reward > 0 && r.reward < 1).toBe(true);
    // the saved model is self-describing and scores like the trainer
    const model = loadRewardModel(res.weights);
    expect(model.spec.dim).toBe(1024);
    expect(model.spec.hiddenSizes).toEqual([32]);
    const p = prompts[5]!;
    const scored = model.score(p.text, p.responses);
    const fromRun = res.rewards.filter((r) => r.promptId === p.id).map((r) => r.reward);
    scored.forEach((x, k) => expect(Math.abs(x - (fromRun[k] as number))).toBeLessThan(1e-4));
    // rewards reflect the metrics pipeline end to end
    const rep = collapseReport(
      prompts.map((q) => ({
        id: q.id,
        openness: q.openness!,
        rewards: res.rewards.filter((r) => r.promptId === q.id).map((r) => r.reward),
      })),
    );
    expect(rep.perPrompt).toHaveLength(320);
  });

  it("records the collapse trajectory of both splits at ~20 checkpoints", async () => {
    const prompts = syntheticLengthDataset({ prompts: 160, seed: 12 });
    const res = await trainRewardModel(prompts, { ...small, steps: 100, evalEvery: 50, testShare: 0.25, seed: 3 });
    expect(res.trajectory).toHaveLength(40);
    const test = res.trajectory.filter((p) => p.split === "test");
    expect(test.map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => 5 * (i + 1)));
    for (const p of res.trajectory) {
      expect(p.accuracy).not.toBeNull();
      expect(p.gap === null || (p.gap >= 0 && p.gap <= 1)).toBe(true);
    }
    // the last checkpoint is the returned model: its held-out accuracy is the run's
    expect(test.at(-1)!.accuracy).toBeCloseTo(res.metrics.testAccuracy!, 9);
    const none = await trainRewardModel(prompts, { ...small, steps: 10, trajectoryPoints: 0 });
    expect(none.trajectory).toEqual([]);
  });

  it("does not leak tensors: tf.memory().numTensors is flat across steps and back to baseline after", async () => {
    await initBackend("wasm");
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const prompts = syntheticLengthDataset({ prompts: 64, seed: 4 });
    await trainRewardModel(
      prompts,
      { ...small, steps: 40, evalEvery: 5, testShare: 0.25 },
      { onProgress: () => counts.push(tf.memory().numTensors) },
    );
    expect(counts.length).toBe(8);
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("same seed, same rewards; another seed, other rewards", async () => {
    const prompts = syntheticLengthDataset({ prompts: 64, seed: 5 });
    const cfg = { ...small, steps: 30, evalEvery: 30, testShare: 0.25, seed: 9 };
    const a = await trainRewardModel(prompts, cfg);
    const b = await trainRewardModel(prompts, cfg);
    const c = await trainRewardModel(prompts, { ...cfg, seed: 10 });
    expect(b.rewards).toEqual(a.rewards);
    expect(c.rewards.map((r) => r.reward)).not.toEqual(a.rewards.map((r) => r.reward));
  });

  it("early stopping: stops after `patience` evaluations without a better held-out accuracy", async () => {
    const prompts = syntheticLengthDataset({ prompts: 128, seed: 6 });
    const res = await trainRewardModel(prompts, { ...small, steps: 2000, evalEvery: 10, patience: 3, testShare: 0.25 });
    expect(res.metrics.stoppedEarly).toBe(true);
    expect(res.metrics.steps).toBeLessThan(2000);
    expect(res.metrics.steps).toBe(res.metrics.bestStep + 30);
    const noStop = await trainRewardModel(prompts, {
      ...small,
      steps: 60,
      evalEvery: 10,
      patience: 0,
      testShare: 0.25,
    });
    expect(noStop.metrics.stoppedEarly).toBe(false);
    expect(noStop.metrics.steps).toBe(60);
  });

  it("rejects unresolved openness and honours cancellation", async () => {
    const prompts = syntheticLengthDataset({ prompts: 16, seed: 1 });
    await expect(trainRewardModel([{ ...prompts[0]!, openness: null }, ...prompts.slice(1)], small)).rejects.toThrow(
      /openness/,
    );
    const ctl = new AbortController();
    const run = trainRewardModel(
      prompts,
      { ...small, steps: 100000, evalEvery: 10 },
      {
        signal: ctl.signal,
        onProgress: (p) => {
          if (p.step >= 20) ctl.abort();
        },
      },
    );
    await expect(run).rejects.toThrow(/canceled/);
  });

  it("early stopping keeps the best held-out weights also when the run ends before patience runs out", async () => {
    const prompts = syntheticLengthDataset({ prompts: 96, seed: 6 });
    const cfg = { ...small, steps: 120, evalEvery: 10, patience: 1000, testShare: 0.25 };
    const seen: { step: number; acc: number }[] = [];
    const res = await trainRewardModel(prompts, cfg, {
      onProgress: (p) => seen.push({ step: p.step, acc: p.testAccuracy ?? NaN }),
    });
    expect(res.metrics.stoppedEarly).toBe(false);
    expect(res.metrics.steps).toBe(120);
    const best = seen.reduce((a, b) => (b.acc > a.acc + 1e-9 ? b : a));
    expect(best.step).toBeLessThan(120); // the data must make the best evaluation an earlier one
    expect(res.metrics.bestStep).toBe(best.step);
    expect(res.metrics.testAccuracy).toBeCloseTo(best.acc, 9);
    // the returned rewards are the model at the best step: training only that far gives the same
    const upToBest = await trainRewardModel(prompts, { ...cfg, steps: best.step, patience: 0 });
    expect(res.rewards).toEqual(upToBest.rewards);
  });

  it("prepares datasets of more prompts than a spread call takes (no stack overflow)", () => {
    const prompts = Array.from({ length: 140_000 }, (_, i) => ({
      id: `p${i}`,
      text: "q",
      openness: 0.5,
      responses: [{ id: `p${i}-a`, text: "a" }],
      rankings: [],
    }));
    const data = prepareData(prompts, trainConfigSchema.parse({ featureDim: 16, testShare: 0 }));
    expect(data.nMax).toBe(1);
  });

  it("rejects a non-finite embedding with a message naming the response", async () => {
    const prompts = syntheticLengthDataset({ prompts: 8, seed: 1 }).map((p) => ({
      ...p,
      responses: p.responses.map((r) => ({ ...r, embedding: [0.1, 0.2] })),
    }));
    const bad = prompts[3]!.responses[2]!;
    bad.embedding = [0.1, NaN];
    await expect(trainRewardModel(prompts, { ...small, steps: 5 })).rejects.toThrow(
      new RegExp(`response ${bad.id} .*non-finite embedding`),
    );
  });
});
