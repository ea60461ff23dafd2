/** The trainer's settings (zod, one place for their defaults) and what a run reports. */
import { z } from "zod";
import { UTILITY_NAMES } from "../utility";
import type { TrajectoryPoint } from "./trajectory";

export const trainConfigSchema = z.object({
  utility: z.enum(UTILITY_NAMES).default("conditioned"),
  /** Box-Cox exponent, for utility "boxcox" only. */
  gamma: z.number().min(-5).max(5).default(0),
  hiddenSizes: z.array(z.number().int().min(1).max(4096)).max(6).default([128]),
  learningRate: z.number().positive().max(1).default(0.003),
  steps: z.number().int().min(1).max(1_000_000).default(2000),
  batchPrompts: z.number().int().min(1).max(4096).default(64),
  /** Share of prompts held out (seeded split by prompt); ignored when testIds is given. */
  testShare: z.number().min(0).max(0.9).default(0.1),
  /** Explicit held-out prompt ids (overrides testShare). */
  testIds: z.array(z.string()).optional(),
  seed: z.number().int().default(1),
  featureDim: z
    .number()
    .int()
    .min(16)
    .max(1 << 20)
    .default(4096),
  eps: z.number().positive().max(10).default(0.1),
  opennessInput: z.boolean().default(false),
  /** Stop after this many evaluations without a better held-out accuracy; 0 = never stop early. */
  patience: z.number().int().min(0).default(0),
  evalEvery: z.number().int().min(1).default(100),
  /** Collapse checkpoints over the run (gap, tracking, accuracy of both splits); 0 = none. */
  trajectoryPoints: z.number().int().min(0).max(200).default(20),
  /** Backend preference; the trainer falls back to cpu if wasm fails. */
  backend: z.enum(["wasm", "cpu"]).default("wasm"),
});

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export interface TrainProgress {
  step: number;
  totalSteps: number;
  loss: number;
  trainAccuracy?: number;
  testAccuracy?: number;
}

export interface TrainOptions {
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
}

export interface TrainMetrics {
  testAccuracy: number | null;
  trainAccuracy: number | null;
  steps: number;
  finalLoss: number;
  bestStep: number;
  stoppedEarly: boolean;
  trainPrompts: number;
  testPrompts: number;
  featurizeSeconds: number;
  trainSeconds: number;
  stepsPerSecond: number;
}

export interface TrainResult {
  rewards: { promptId: string; responseId: string; split: "train" | "test"; reward: number }[];
  metrics: TrainMetrics;
  weights: Uint8Array;
  backend: string;
  /** Collapse figures of both splits at the checkpoints, in step order. */
  trajectory: TrajectoryPoint[];
}
