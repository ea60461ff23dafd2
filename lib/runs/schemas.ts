/**
 * What a training run is: the request it is created from, the config and summary stored with it
 * (parsed on read), and the error its operations throw.
 */
import { z } from "zod";
import { type schema } from "@/db";
import type { RunStatus } from "@/db/schema";
import { UTILITY_NAMES, type UtilityName } from "@/ml/utility";
import type { VerdictKind } from "@/ml/metrics";

export { UTILITY_NAMES };
export type { UtilityName };

/** The utilities a researcher picks from, with what each one is for. */
export const UTILITY_DESCRIPTIONS: Record<UtilityName, string> = {
  conditioned: "Box-Cox with γ = 1 − 2·openness per prompt: two-point for closed prompts, uniform for open ones",
  log: "log x, the paper's fixed utility: every prompt converges to the same arcsine profile (collapse)",
  logsigmoid: "log σ(4x), the usual Bradley–Terry loss: fixed, collapses",
  linear: "x: pushes every prompt to a two-point profile",
  inverse: "−1/x: pushes every prompt to a uniform profile",
  adaptive: "the paper's binary choice: linear when openness < 0.5, inverse otherwise",
  boxcox: "Box-Cox with one fixed γ for every prompt (set gamma below)",
};

export const TERMINAL_STATUSES: readonly RunStatus[] = ["succeeded", "failed", "canceled"];

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export const missingOpennessSchema = z.discriminatedUnion("policy", [
  z.object({ policy: z.literal("exclude") }),
  /** The dataset's openness estimate (lib/openness/estimates.ts); prompts without one are left out. */
  z.object({ policy: z.literal("estimate") }),
  z.object({
    policy: z.literal("assume"),
    value: z.coerce
      .number()
      .min(0, "The assumed openness must be between 0 and 1.")
      .max(1, "The assumed openness must be between 0 and 1."),
  }),
]);
export type MissingOpenness = z.infer<typeof missingOpennessSchema>;

/**
 * What a run is asked to do. `train` holds overrides of the ml/ trainer's settings; they are checked
 * against the trainer's own schema when the run is created (see lib/runs/training.ts).
 */
export const runRequestSchema = z.object({
  datasetId: z.coerce.number().int().positive("Pick a dataset."),
  name: z
    .string()
    .trim()
    .max(120, "Keep the name under 120 characters.")
    .optional()
    .transform((v) => (v ? v : undefined)),
  utility: z
    .enum(UTILITY_NAMES, { message: `Utility must be one of ${UTILITY_NAMES.join(", ")}.` })
    .default("conditioned"),
  heldOutShare: z.coerce
    .number()
    .min(0.05, "Hold out at least 5% of the prompts, or the held-out accuracy means nothing.")
    .max(0.5, "Hold out at most half of the prompts.")
    .default(0.2),
  seed: z.coerce
    .number()
    .int("The seed must be a whole number.")
    .min(0)
    .max(2 ** 31 - 1)
    .default(1),
  missingOpenness: missingOpennessSchema.default({ policy: "exclude" }),
  /** Train only on annotations a reviewer accepted (in their current version). */
  acceptedOnly: z
    .union([z.boolean(), z.enum(["1", "0", "true", "false", "on", ""])])
    .transform((v) => v === true || v === "1" || v === "true" || v === "on")
    .default(false),
  train: z.record(z.string(), z.unknown()).default({}),
});
export type RunRequest = z.infer<typeof runRequestSchema>;

/** Stored in training_runs.config. */
export type RunConfig = Omit<RunRequest, "datasetId" | "name"> & { origin: "web" | "api" | "cli" | "repro" };

export function runConfigOf(row: { config: Record<string, unknown> }): RunConfig {
  return row.config as unknown as RunConfig;
}

export type RunRow = typeof schema.trainingRuns.$inferSelect;

/** Final numbers written by the worker when a run succeeds. */
export type RunSummary = {
  backend: string;
  durationMs: number;
  prompts: { train: number; test: number; excludedWithoutOpenness: number };
  metrics: Record<string, unknown>;
  /** Held-out pair accuracy (share of annotated pairs the model orders correctly). */
  testAccuracy: number | null;
  trainAccuracy: number | null;
  collapse: Partial<
    Record<
      "train" | "test",
      { gap: number | null; tracking: number | null; collapsed: boolean; verdict: string; verdictKind?: VerdictKind }
    >
  >;
};

export class RunError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

/** A run id from a URL segment, or null when it is not one. */
export function parseRunId(raw: string | undefined): number | null {
  const parsed = z.coerce.number().int().positive().safeParse(raw);
  return parsed.success ? parsed.data : null;
}
