import { describe, expect, it } from "vitest";
import { initBackend } from "../kernels/backend";
import { syntheticLengthDataset } from "../simulation/synthetic";
import { TrainingSession, prepareData, trainConfigSchema } from ".";
import type { UtilityName } from "../utility";

/**
 * A few training steps pinned to the values the trainer gave before its step was optimised: the
 * losses of each step and, per variable, the sum and the sum of absolute values of its change from
 * the initial weights. Any change to the maths (loss, gradients, Adam, batching) moves them; float
 * reassociation in a faster kernel moves them by far less than the tolerance.
 */
interface Pinned {
  losses: number[];
  /** Per variable in paramList order: [sum of (w - w0), sum of |w - w0|]. */
  deltas: [number, number][];
}

async function run(
  backend: "wasm" | "cpu",
  utility: UtilityName,
  hiddenSizes: number[],
  steps: number,
): Promise<Pinned> {
  expect(await initBackend(backend)).toBe(backend);
  const prompts = syntheticLengthDataset({ prompts: 48, seed: 7 });
  const cfg = trainConfigSchema.parse({
    utility,
    featureDim: 128,
    hiddenSizes,
    batchPrompts: 16,
    testShare: 0,
    seed: 3,
  });
  const s = new TrainingSession(prepareData(prompts, cfg), cfg);
  try {
    const w0 = s.readWeights();
    const losses = Array.from({ length: steps }, () => s.step());
    const deltas = s.readWeights().map((w, i): [number, number] => {
      let sum = 0;
      let abs = 0;
      w.forEach((x, k) => {
        const d = x - (w0[i] as Float32Array)[k]!;
        sum += d;
        abs += Math.abs(d);
      });
      return [sum, abs];
    });
    return { losses, deltas };
  } finally {
    s.dispose();
  }
}

function expectNear(actual: number, expected: number, rel: number, abs: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(abs + rel * Math.abs(expected));
}

function expectPinned(got: Pinned, want: Pinned) {
  expect(got.losses.length).toBe(want.losses.length);
  got.losses.forEach((l, i) => expectNear(l, want.losses[i]!, 1e-5, 1e-7));
  expect(got.deltas.length).toBe(want.deltas.length);
  got.deltas.forEach(([sum, abs], i) => {
    const [wantSum, wantAbs] = want.deltas[i]!;
    expectNear(abs, wantAbs, 1e-4, 1e-7);
    // A signed sum can cancel to near zero: its tolerance scales with the total change.
    expectNear(sum, wantSum, 0, 1e-4 * wantAbs + 1e-7);
  });
}

/** Recorded at 2683c0d (print with PRINT_PINNED=1). */
const PINNED: Record<string, Pinned> = {
  "wasm, conditioned, hidden 128 (register-blocked kernels)": {
    losses: [
      -1.0263086557388306, -0.8769427537918091, -2.067607879638672, -1.7975245714187622, -2.546776294708252,
      -2.7523903846740723,
    ],
    deltas: [
      [-6.808823253205674, 184.9288735915586],
      [0.5109390439320123, 1.8354251331329579],
      [-0.24020179474609904, 1.8736812858551275],
      [0.01625756174325943, 0.01625756174325943],
    ],
  },
  "wasm, logsigmoid, hidden 32 and 16": {
    losses: [
      0.6956202983856201, 0.6843490600585938, 0.6722555756568909, 0.6592857241630554, 0.647925615310669,
      0.6353698372840881,
    ],
    deltas: [
      [-2.216484837023245, 48.14113972360633],
      [0.13781052781268954, 0.43595965625718236],
      [-0.47170007234672084, 5.330307227850426],
      [0.04312478005886078, 0.16464226692914963],
      [0.0853737355209887, 0.15744212875142694],
      [-0.008663360029459, 0.008663360029459],
    ],
  },
  "wasm, log, hidden 10 (JS kernel fallback)": {
    losses: [
      0.22034209966659546, 0.1681530624628067, 0.1285320669412613, 0.0751773938536644, 0.017037328332662582,
      -0.03227301687002182,
    ],
    deltas: [
      [0.6890584706204663, 16.562019533717148],
      [-0.0369903692335356, 0.14359574628178962],
      [0.04901095316745341, 0.15718505368568003],
      [0.01615762710571289, 0.01615762710571289],
    ],
  },
  "cpu, conditioned, hidden 128": {
    losses: [
      -1.026308536529541, -0.876940906047821, -2.067603588104248, -1.7975218296051025, -2.546773910522461,
      -2.752385139465332,
    ],
    deltas: [
      [-6.808781506278365, 184.9276533422642],
      [0.5109358958288794, 1.8354133921820903],
      [-0.2402020095323678, 1.8736821060010698],
      [0.016257595270872116, 0.016257595270872116],
    ],
  },
};

const PRINT = process.env.PRINT_PINNED === "1";

describe("training steps pinned to their values before the step was optimised", () => {
  const cases: [string, "wasm" | "cpu", UtilityName, number[]][] = [
    ["wasm, conditioned, hidden 128 (register-blocked kernels)", "wasm", "conditioned", [128]],
    ["wasm, logsigmoid, hidden 32 and 16", "wasm", "logsigmoid", [32, 16]],
    ["wasm, log, hidden 10 (JS kernel fallback)", "wasm", "log", [10]],
    ["cpu, conditioned, hidden 128", "cpu", "conditioned", [128]],
  ];
  for (const [name, backend, utility, hidden] of cases)
    it(name, async () => {
      const got = await run(backend, utility, hidden, 6);
      if (PRINT) console.log(name, JSON.stringify(got));
      expectPinned(got, PINNED[name]!);
    });
});
