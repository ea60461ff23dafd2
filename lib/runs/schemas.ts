/**
 * What a training run is: the request it is created from, the config and summary stored with it
 * (parsed on read), and the error its operations throw.
 */
import { z } from "zod";
import { numeric } from "@/lib/validation";
import { AppError, type ErrorKind } from "@/lib/errors";
import { missingOpennessSchema } from "@/lib/openness/resolve";
import type { RunStatus } from "@/lib/domain";
import type { RunRow as StoredRunRow } from "@/db/store/runs";
import { UTILITY_NAMES, type UtilityName, VERDICT_KINDS } from "@/ml";
import { DEFAULT_HELD_OUT_SHARE, DEFAULT_SPLIT_SEED } from "@/lib/runs/held-out";

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

/**
 * What a run is asked to do. `train` holds overrides of the ml/ trainer's settings; they are checked
 * against the trainer's own schema when the run is created (see lib/runs/training.ts).
 */
export const runRequestSchema = z.object({
  datasetId: numeric(z.number({ message: "Pick a dataset." }).int().positive("Pick a dataset.")),
  name: z
    .string()
    .trim()
    .max(120, "Keep the name under 120 characters.")
    .optional()
    .transform((v) => (v ? v : undefined)),
  utility: z
    .enum(UTILITY_NAMES, { message: `Utility must be one of ${UTILITY_NAMES.join(", ")}.` })
    .default("conditioned"),
  heldOutShare: numeric(
    z
      .number({ message: "The held-out share is a number between 0.05 and 0.5." })
      .min(0.05, "Hold out at least 5% of the prompts, or the held-out accuracy means nothing.")
      .max(0.5, "Hold out at most half of the prompts.")
      .default(DEFAULT_HELD_OUT_SHARE),
  ),
  /**
   * The held-out prompts by id, instead of a random heldOutShare of them (the paper repro holds out
   * prompts from templates never used in training). Every id must be a prompt of the dataset.
   */
  heldOutPromptIds: z
    .array(z.number().int().positive())
    .min(1)
    // A repeated id names the same prompt: stored once (a request of 40,000 copies stored them all).
    .transform((ids) => [...new Set(ids)])
    .optional(),
  seed: numeric(
    z
      .number({ message: "The seed must be a whole number." })
      .int("The seed must be a whole number.")
      .min(0)
      .max(2 ** 31 - 1)
      .default(DEFAULT_SPLIT_SEED),
  ),
  missingOpenness: missingOpennessSchema.default({ policy: "exclude" }),
  /** Train only on annotations a reviewer accepted (in their current version). */
  acceptedOnly: z
    .union([z.boolean(), z.enum(["1", "0", "true", "false", "on", ""])])
    .transform((v) => v === true || v === "1" || v === "true" || v === "on")
    .default(false),
  train: z.record(z.string(), z.unknown()).default({}),
});
export type RunRequest = z.infer<typeof runRequestSchema>;

/** "external": rewards uploaded from a reward model trained elsewhere (lib/runs/external.ts). */
export const RUN_ORIGINS = ["web", "api", "cli", "repro", "external"] as const;

/** Stored in training_runs.config: the request without what has its own column, and where it came from. */
export const runConfigSchema = runRequestSchema
  .omit({ datasetId: true, name: true })
  .extend({ origin: z.enum(RUN_ORIGINS) });
export type RunConfig = z.infer<typeof runConfigSchema>;

/** Stored JSON is parsed like any input: a row that does not fit is reported, not cast. */
function parseStored<T extends z.ZodType>(what: string, runId: number, value: unknown, schema: T): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new Error(`Run ${runId}'s stored ${what} does not fit its schema: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export function runConfigOf(row: { id: number; config: unknown }): RunConfig {
  return parseStored("config", row.id, row.config, runConfigSchema);
}

export function runSummaryOf(row: { id: number; summary: unknown }): RunSummary | null {
  return row.summary === null ? null : parseStored("summary", row.id, row.summary, runSummarySchema);
}

export type RunRow = StoredRunRow;

const interval = z.tuple([z.number(), z.number()]);

/** The verdict a run's summary is written under now: 3, the model of collapse (β). */
export const COLLAPSE_SUMMARY_VERSION = 3;

const splitCollapseSchema = z.object({
  /** 2: verdict v2 (normalised gap, tracking); 3: the model of collapse (β); absent on older runs. */
  version: z.union([z.literal(2), z.literal(COLLAPSE_SUMMARY_VERSION)]).optional(),
  /** v3: the fitted slope of openness on tags and its 90% interval. */
  beta: z.number().nullable().optional(),
  betaCi: interval.nullable().optional(),
  gap: z.number().nullable(),
  normalizedGap: z.number().nullable().optional(),
  normalizedGapCi: interval.nullable().optional(),
  tracking: z.number().nullable(),
  accuracyCi: interval.nullable().optional(),
  collapsed: z.boolean(),
  verdict: z.string(),
  verdictKind: z.enum(VERDICT_KINDS).optional(),
});

/** Final numbers written by the worker when a run succeeds (training_runs.summary). */
export const runSummarySchema = z.object({
  backend: z.string(),
  durationMs: z.number(),
  prompts: z.object({ train: z.number(), test: z.number(), excludedWithoutOpenness: z.number() }),
  metrics: z.record(z.string(), z.unknown()),
  /** Pair accuracy on the held-out prompts, the per-prompt mean (ml/diagnosis/verdict.ts), as on the dashboard. */
  testAccuracy: z.number().nullable().default(null),
  trainAccuracy: z.number().nullable().default(null),
  collapse: z.object({ train: splitCollapseSchema.optional(), test: splitCollapseSchema.optional() }),
  /** Collapse figures of both splits at ~20 checkpoints (absent on runs before the trajectory). */
  trajectory: z
    .array(
      z.object({
        step: z.number().int(),
        split: z.enum(["train", "test"]),
        gap: z.number().nullable(),
        normalizedGap: z.number().nullable(),
        tracking: z.number().nullable(),
        accuracy: z.number().nullable(),
      }),
    )
    .optional(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

/** A run request or operation refused, in the caller's terms. */
export class RunError extends AppError {
  constructor(
    message: string,
    kind: Extract<ErrorKind, "invalid" | "not-found" | "conflict"> = "invalid",
    details?: unknown,
  ) {
    super(kind, message, details);
  }
}
