import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../kernels/backend";
import { pairLoss, pairWeights, pairAccuracy, promptGamma } from "./loss";
import type { TrainingPrompt } from "../types";

const prompt = (rankings: string[][][], openness = 0.5): TrainingPrompt => ({
  id: "q",
  text: "q",
  openness,
  responses: [
    { id: "a", text: "a" },
    { id: "b", text: "b" },
    { id: "c", text: "c" },
  ],
  rankings,
});

describe("pairwise loss", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("ties give no pair; annotations weigh the same; weights sum to 1", () => {
    const w = pairWeights(prompt([[["a"], ["b", "c"]]]));
    expect(Array.from(w)).toEqual([0, 0.5, 0.5, 0, 0, 0, 0, 0, 0]);
    const w2 = pairWeights(
      prompt([
        [["a"], ["b", "c"]],
        [["c"], ["a"], ["b"]],
      ]),
    );
    // annotation 1: a>b, a>c (1/2 each, x 1/2); annotation 2: c>a, c>b, a>b (1/3 each, x 1/2)
    expect(w2[0 * 3 + 1]).toBeCloseTo(0.25 + 1 / 6, 6);
    expect(w2[0 * 3 + 2]).toBeCloseTo(0.25, 6);
    expect(w2[2 * 3 + 0]).toBeCloseTo(1 / 6, 6);
    expect(w2[2 * 3 + 1]).toBeCloseTo(1 / 6, 6);
    expect(Array.from(w2).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(Array.from(pairWeights(prompt([[["a", "b", "c"]]])))).toEqual(new Array(9).fill(0));
  });

  it("equals the hand-computed value on a 3-response example with a tie", () => {
    // ranking a > {b, c}; rewards a .9, b .5, c .2; pairs (a,b): x = .4, (a,c): x = .7, weight 1/2 each.
    const w = pairWeights(prompt([[["a"], ["b", "c"]]]));
    const r = tf.tensor2d([[0.9, 0.5, 0.2]]);
    const W = tf.tensor3d(w, [1, 3, 3]);
    const lossOf = (name: "log" | "conditioned" | "logsigmoid", o: number) =>
      pairLoss(r, W, tf.tensor3d([promptGamma(name, o)], [1, 1, 1]), name, 0.1, 1).dataSync()[0];
    // log, eps .1: U(x) = log((x + .1) / .1): -(log 5 + log 8) / 2
    expect(lossOf("log", 0.5)).toBeCloseTo(-(Math.log(5) + Math.log(8)) / 2, 5);
    // conditioned, openness 1 (gamma -1): U(x) = 1/.1 - 1/(x + .1): -((10 - 2) + (10 - 1.25)) / 2
    expect(lossOf("conditioned", 1)).toBeCloseTo(-8.375, 4);
    // conditioned, openness 0 (gamma 1): U(x) = x: -(.4 + .7) / 2
    expect(lossOf("conditioned", 0)).toBeCloseTo(-0.55, 5);
    // logsigmoid(4x)
    const ls = (x: number) => -Math.log1p(Math.exp(-4 * x));
    expect(lossOf("logsigmoid", 0)).toBeCloseTo(-(ls(0.4) + ls(0.7)) / 2, 5);
  });

  it("a wrongly ordered pair uses the linear extension", () => {
    const w = pairWeights(prompt([[["c"], ["a"]]]));
    const loss = pairLoss(
      tf.tensor2d([[0.9, 0.5, 0.2]]),
      tf.tensor3d(w, [1, 3, 3]),
      tf.tensor3d([0], [1, 1, 1]),
      "log",
      0.1,
      1,
    );
    // x = .2 - .9 = -.7, slope eps^(0 - 1) = 10
    expect(loss.dataSync()[0]).toBeCloseTo(7, 4);
  });

  it("pair accuracy", () => {
    const w = pairWeights(prompt([[["a"], ["b", "c"]]]));
    expect(pairAccuracy([0.9, 0.5, 0.2], w, 3)).toBe(1);
    expect(pairAccuracy([0.4, 0.5, 0.2], w, 3)).toBe(0.5);
    expect(pairAccuracy([0.5, 0.5, 0.2], w, 3)).toBe(0.75);
  });
});
