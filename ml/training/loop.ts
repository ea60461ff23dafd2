/**
 * The training loop: Adam on the pairwise loss, early stopping on held-out pair accuracy, progress,
 * cancellation, and the collapse trajectory (gap, tracking, accuracy on both splits at ~20
 * checkpoints: early stopping can hide collapse, so the run records where it was).
 */
import { initBackend, type BackendName } from "../kernels/backend";
import { NUMERIC_FEATURES } from "./features";
import { encodeModel, snapshot } from "./model";
import type { TrainingPrompt } from "../types";
import {
  type TrainConfigInput,
  type TrainMetrics,
  type TrainOptions,
  type TrainResult,
  trainConfigSchema,
} from "./config";
import { prepareData } from "./data";
import { TrainingSession } from "./session";
import { type TrajectoryPoint, checkpointSteps, rankingIndices, trajectoryPoints } from "./trajectory";

function abortError(): Error {
  const e = new Error("Training canceled");
  e.name = "AbortError";
  return e;
}

/** Train a reward model. Prompts must have openness resolved (not null). */
export async function trainRewardModel(
  prompts: readonly TrainingPrompt[],
  config: TrainConfigInput = {},
  options: TrainOptions = {},
): Promise<TrainResult> {
  const cfg = trainConfigSchema.parse(config);
  const backend: BackendName = await initBackend(cfg.backend);
  if (options.signal?.aborted) throw abortError();
  const data = prepareData(prompts, cfg);
  const session = new TrainingSession(data, cfg);
  const trainSample =
    data.train.length > 1024 ? data.train.filter((_, i) => i % Math.ceil(data.train.length / 1024) === 0) : data.train;
  const checkpoints = checkpointSteps(cfg.steps, cfg.trajectoryPoints);
  const trajectory: TrajectoryPoint[] = [];
  const rankings = checkpoints.size > 0 ? data.prompts.map(rankingIndices) : [];
  const record = (at: number) => {
    const splits = (
      [
        ["train", trainSample],
        ["test", data.test],
      ] as const
    ).map(([split, idx]) => ({
      split,
      prompts: idx.map((i) => data.prompts[i] as TrainingPrompt),
      rankings: idx.map((i) => rankings[i] as number[][][]),
      rewards: session.promptRewards(idx),
    }));
    trajectory.push(...trajectoryPoints(at, splits, cfg.eps));
  };
  try {
    let best = -1;
    let bestStep = 0;
    let bestWeights: Float32Array[] | null = null;
    let sinceBest = 0;
    let stoppedEarly = false;
    let loss = NaN;
    let step = 0;
    let lastYield = performance.now();
    const t0 = performance.now();
    while (step < cfg.steps) {
      if (options.signal?.aborted) throw abortError();
      loss = session.step();
      step++;
      if (!Number.isFinite(loss))
        throw new Error(`training diverged at step ${step} (loss ${loss}); lower the learning rate`);
      if (checkpoints.has(step)) record(step);
      const isEval = step % cfg.evalEvery === 0 || step === cfg.steps;
      if (isEval) {
        const testAccuracy = session.accuracy(data.test);
        const trainAccuracy = session.accuracy(step === cfg.steps ? data.train : trainSample);
        options.onProgress?.({
          step,
          totalSteps: cfg.steps,
          loss,
          trainAccuracy: trainAccuracy ?? undefined,
          testAccuracy: testAccuracy ?? undefined,
        });
        if (cfg.patience > 0 && testAccuracy !== null) {
          if (testAccuracy > best + 1e-9) {
            best = testAccuracy;
            bestStep = step;
            bestWeights = session.readWeights();
            sinceBest = 0;
          } else if (++sinceBest >= cfg.patience) {
            stoppedEarly = true;
            break;
          }
        }
      }
      if (performance.now() - lastYield > 50) {
        // Let timers, I/O and abort events run.
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    // With early stopping on, the run keeps its best held-out weights whether or not it stopped early.
    const keptStep = bestWeights ? bestStep : step;
    if (bestWeights && bestStep !== step) session.writeWeights(bestWeights);
    const all = data.prompts.map((_, i) => i);
    const rewards = session.promptRewards(all);
    const testSet = new Set(data.test);
    const out: TrainResult["rewards"] = [];
    data.prompts.forEach((p, i) => {
      const r = rewards[i] as Float32Array;
      p.responses.forEach((resp, k) =>
        out.push({
          promptId: p.id,
          responseId: resp.id,
          split: testSet.has(i) ? "test" : "train",
          reward: r[k] as number,
        }),
      );
    });
    const testAccuracy = session.accuracy(data.test);
    const trainAccuracy = session.accuracy(data.train);
    const metrics: TrainMetrics = {
      testAccuracy,
      trainAccuracy,
      steps: step,
      finalLoss: loss,
      bestStep: keptStep,
      stoppedEarly,
      trainPrompts: data.train.length,
      testPrompts: data.test.length,
      featurizeSeconds: data.featurizeSeconds,
      trainSeconds,
      stepsPerSecond: step / Math.max(trainSeconds, 1e-9),
    };
    const weights = encodeModel(
      snapshot(data.spec, session.params, {
        utility: cfg.utility,
        steps: step,
        numericFeatures: [...NUMERIC_FEATURES],
      }),
    );
    return { rewards: out, metrics, weights, backend, trajectory };
  } finally {
    session.dispose();
  }
}
