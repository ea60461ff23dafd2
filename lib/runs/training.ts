/**
 * Executes one training run: the bridge between the database (lib/runs/) and the ml/ trainer.
 * Used by the worker process (scripts/run-worker.ts) and, in-process, by the headless CLI.
 */
import "server-only";
import { ZodError } from "zod";
import { isLockTimeout } from "@/db/store";
import type { Store } from "@/lib/db";
import { trainConfigSchema, trainRewardModel, type TrainConfig, type TrainResult, type TrainingPrompt } from "@/ml";
import { describeZodError } from "@/lib/http/body";
import {
  completeRun,
  finishRun,
  getRunDetail,
  renewRunLease,
  cancelRequested,
  CANCEL_POLL_MS,
  RUN_HEARTBEAT_MS,
  RUN_LEASE_MS,
} from "@/lib/runs/lifecycle";
import { loadTrainingPrompts } from "@/lib/runs/training-data";
import { recordProgress, type ProgressPoint } from "@/lib/runs/progress";
import { RunError, type RunConfig, type RunRequest, type RunSummary } from "@/lib/runs/schemas";
import { summarizeCollapse } from "@/lib/runs/dashboard";
import { groupRewardsByPrompt } from "@/lib/runs/rewards";
import { plural } from "@/lib/utils";
import { promptSplit } from "@/lib/runs/held-out";
import { MAX_RESPONSES_PER_PROMPT } from "@/lib/datasets/import";

/** Settings the app chooses itself; the researcher sets everything else of the trainer. */
const APP_OWNED = ["utility", "testShare", "seed", "testIds", "backend"] as const;

/** The trainer's settings a researcher can change, with their defaults (shown on /runs/new). */
export function trainSettingDefaults(): Record<string, number | boolean | number[]> {
  const defaults = trainConfigSchema.parse({}) as Record<string, unknown>;
  const out: Record<string, number | boolean | number[]> = {};
  for (const [key, value] of Object.entries(defaults)) {
    if ((APP_OWNED as readonly string[]).includes(key)) continue;
    if (
      typeof value === "number" ||
      typeof value === "boolean" ||
      (Array.isArray(value) && value.every((v) => typeof v === "number"))
    ) {
      out[key] = value as number | boolean | number[];
    }
  }
  return out;
}

/** Checks a run request's trainer settings against the trainer's own schema, before anything is queued. */
export function validateTrainSettings(request: RunRequest): RunRequest {
  const unknown = Object.keys(request.train).filter((k) => !(k in trainSettingDefaults()));
  if (unknown.length)
    throw new RunError(
      `Unknown training setting(s): ${unknown.join(", ")}. Known: ${Object.keys(trainSettingDefaults()).join(", ")}.`,
    );
  const parsed = trainConfigSchema.safeParse(trainConfigInput(request));
  if (!parsed.success) throw new RunError(`Training settings: ${describeZodError(parsed.error)}`);
  const memory = trainingMemory(parsed.data);
  if (memory.parameters > MAX_MODEL_PARAMETERS)
    throw new RunError(
      `Training settings: featureDim × hiddenSizes make a model of ${memory.parameters.toLocaleString("en")} weights; ` +
        `the most a run may train is ${MAX_MODEL_PARAMETERS.toLocaleString("en")} (lower featureDim or the hidden sizes).`,
    );
  if (memory.batchActivations > MAX_BATCH_ACTIVATIONS)
    throw new RunError(
      `Training settings: batchPrompts × hiddenSizes hold ${memory.batchActivations.toLocaleString("en")} activations a step; ` +
        `the most a run may hold is ${MAX_BATCH_ACTIVATIONS.toLocaleString("en")} (lower batchPrompts or the hidden sizes).`,
    );
  return request;
}

/**
 * The most weights a run's model may have. The trainer keeps four floats per weight (the weight,
 * its gradient and Adam's two moments), so 16M weights are 256 MB: a run fits beside the server on
 * a small machine. The default (featureDim 4,096 × 128) is 0.5M; 2^20 × 1,400 asked for 23 GB.
 */
export const MAX_MODEL_PARAMETERS = 16_000_000;
/**
 * The most hidden activations one step may hold: a batch's prompts × the most responses a prompt
 * may have × the hidden units, each kept for the backward pass. 16M floats are 64 MB a copy.
 */
export const MAX_BATCH_ACTIVATIONS = 16_000_000;

/** What a run's settings would hold in memory: its model's weights and one step's activations. */
export function trainingMemory(
  config: Pick<TrainConfig, "featureDim" | "hiddenSizes" | "batchPrompts" | "opennessInput">,
) {
  const widths = [config.featureDim + (config.opennessInput ? 1 : 0), ...config.hiddenSizes, 1];
  let parameters = 0;
  for (let i = 1; i < widths.length; i++) parameters += widths[i - 1]! * widths[i]! + widths[i]!;
  const hiddenUnits = config.hiddenSizes.reduce((sum, width) => sum + width, 0);
  return { parameters, batchActivations: config.batchPrompts * MAX_RESPONSES_PER_PROMPT * hiddenUnits };
}

type TrainedConfig = Pick<RunConfig, "utility" | "heldOutShare" | "heldOutPromptIds" | "seed" | "train">;

function trainConfigInput(config: TrainedConfig): Record<string, unknown> {
  return {
    ...config.train,
    utility: config.utility,
    testShare: config.heldOutShare,
    ...(config.heldOutPromptIds ? { testIds: config.heldOutPromptIds.map(String) } : {}),
    seed: config.seed,
  };
}

export function toTrainConfig(config: TrainedConfig): TrainConfig {
  return trainConfigSchema.parse(trainConfigInput(config));
}

/** Fewer prompts cannot be split into a training and a held-out part that both mean something. */
export const MIN_TRAINING_PROMPTS = 4;

/** How often the worker writes progress: every evaluation the trainer reports, but not more than this. */
const PROGRESS_FLUSH_MS = 400;

export type ExecuteOptions = { signal?: AbortSignal; onProgress?: (point: ProgressPoint) => void };

/**
 * Trains a run that is already marked running, writing progress as it goes and the rewards,
 * weights and summary at the end. Never throws: every outcome ends up in the run's status.
 */
export async function executeRun(
  store: Store,
  runId: number,
  options: ExecuteOptions = {},
): Promise<"succeeded" | "failed" | "canceled"> {
  // Canceled through the database (requestCancel, from any server) or by the caller's signal.
  const canceled = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, canceled.signal]) : canceled.signal;
  const lease = keepLease(store, runId, () => canceled.abort("canceled"));
  const watch = setInterval(() => {
    cancelRequested(store, runId).then(
      (asked) => asked && canceled.abort("canceled"),
      () => {
        // A busy database: the next look sees it.
      },
    );
  }, CANCEL_POLL_MS);
  watch.unref();
  try {
    return await trainAndRecord(store, runId, { ...options, signal });
  } finally {
    clearInterval(watch);
    lease.stop();
  }
}

/**
 * The lease says a live process trains this run; without it another server would take it for dead.
 * Renewed every RUN_HEARTBEAT_MS. A renewal that finds the database locked (a long writer
 * elsewhere) is only late: the next heartbeat tries again, and nothing is said until the lease
 * has actually run out, since only then may another server take the run.
 */
export function keepLease(
  store: Store,
  runId: number,
  onEnded: () => void = () => {},
): { renew: () => Promise<boolean>; stop: () => void } {
  let renewedAt = Date.now();
  let warned = false;
  const renew = async () => {
    try {
      // Ended by someone else (failed as orphaned while this process hung, say): stop training it.
      if (!(await renewRunLease(store, runId))) onEnded();
      renewedAt = Date.now();
      warned = false;
      return true;
    } catch (error) {
      if (!isLockTimeout(error) || (!warned && Date.now() - renewedAt > RUN_LEASE_MS)) {
        warned = true;
        console.error(`Octorank: run ${runId} could not renew its lease:`, error);
      }
      return false;
    }
  };
  const timer = setInterval(() => void renew(), RUN_HEARTBEAT_MS);
  timer.unref();
  return { renew, stop: () => clearInterval(timer) };
}

async function trainAndRecord(
  store: Store,
  runId: number,
  options: ExecuteOptions,
): Promise<"succeeded" | "failed" | "canceled"> {
  const run = await getRunDetail(store, runId);
  if (!run) return "failed";
  const startedAt = Date.now();
  let pending: ProgressPoint[] = [];
  let lastFlush = 0;
  // Progress is written while training goes on, one batch after another; a batch that met a
  // locked database goes with the next flush, and any other failure fails the run at the next one.
  let flushing: Promise<void> = Promise.resolve();
  let flushError: unknown = null;
  const flush = () => {
    if (flushError !== null) throw flushError;
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    lastFlush = Date.now();
    flushing = flushing
      .then(() => recordProgress(store, runId, batch))
      .catch((error: unknown) => {
        pending = [...batch, ...pending];
        if (!isLockTimeout(error)) flushError ??= error;
      });
  };
  // The result must outlast a writer that holds the lock for longer than the busy timeout.
  const finalWrite = { lockWaitMs: RUN_LEASE_MS };
  try {
    const { prompts, excludedWithoutOpenness } = await loadTrainingPrompts(
      store,
      run.datasetId,
      run.config.missingOpenness,
      { acceptedOnly: run.config.acceptedOnly ?? false },
    );
    if (prompts.length < MIN_TRAINING_PROMPTS) {
      throw new RunError(
        `Only ${plural(prompts.length, "prompt")} ${prompts.length === 1 ? "has" : "have"} rankings${run.config.missingOpenness.policy === "exclude" ? " and an openness" : ""}: a run needs at least ${MIN_TRAINING_PROMPTS}.` +
          (excludedWithoutOpenness
            ? ` ${plural(excludedWithoutOpenness, "ranked prompt")} ${excludedWithoutOpenness === 1 ? "was" : "were"} left out for lack of an openness tag.`
            : ""),
      );
    }
    const config = toTrainConfig({
      ...run.config,
      heldOutPromptIds: await heldOutPromptIds(store, run.datasetId, run.config),
    });
    // Enough evaluations for a loss curve that grows smoothly, without evaluating on every step; capped so
    // that a long run still shows progress within seconds of starting.
    const evalEvery =
      run.config.train.evalEvery === undefined
        ? Math.min(100, Math.max(5, Math.round(config.steps / 100)))
        : config.evalEvery;
    const result: TrainResult = await trainRewardModel(
      prompts,
      { ...config, evalEvery },
      {
        signal: options.signal,
        onProgress: (p) => {
          const point: ProgressPoint = {
            step: p.step,
            totalSteps: p.totalSteps,
            loss: p.loss,
            trainAccuracy: p.trainAccuracy,
            testAccuracy: p.testAccuracy,
          };
          options.onProgress?.(point);
          pending.push(point);
          if (Date.now() - lastFlush >= PROGRESS_FLUSH_MS) flush();
        },
      },
    );
    await flushing;
    if (flushError !== null) throw flushError;
    await recordProgress(store, runId, pending, finalWrite);
    pending = [];
    const opennessByPrompt = new Map(prompts.map((p) => [p.id, p.openness]));
    const rewards = result.rewards.map((r) => ({
      responseId: Number(r.responseId),
      split: r.split,
      reward: r.reward,
      openness: opennessByPrompt.get(r.promptId) ?? null,
    }));
    const summary = summarize(prompts, result, excludedWithoutOpenness, Date.now() - startedAt, config.eps);
    const completed = await completeRun(store, runId, { rewards, weights: result.weights, summary }, finalWrite);
    return completed ? "succeeded" : "canceled";
  } catch (error) {
    try {
      flushError = null;
      flush();
      await flushing;
    } catch {
      // The run ends below either way; its last few points are not worth a second failure.
    }
    if (options.signal?.aborted) {
      const reason = options.signal.reason;
      if (reason === "server-stopped")
        await finishRun(store, runId, "failed", "Server stopped while the run was training.", finalWrite);
      else await finishRun(store, runId, "canceled", "Canceled while training.", finalWrite);
      return reason === "server-stopped" ? "failed" : "canceled";
    }
    const message =
      error instanceof RunError
        ? error.message
        : error instanceof ZodError
          ? `Training settings: ${describeZodError(error)}`
          : error instanceof Error
            ? `${error.name === "Error" ? "" : `${error.name}: `}${error.message}`
            : String(error);
    await finishRun(store, runId, "failed", message, finalWrite);
    return "failed";
  }
}

/**
 * The run's held-out prompts (database ids): the ones it was given, else Octorank's split by prompt
 * (lib/runs/held-out.ts), the split the exports write.
 */
async function heldOutPromptIds(store: Store, datasetId: number, config: TrainedConfig): Promise<number[] | undefined> {
  if (config.heldOutPromptIds) return config.heldOutPromptIds;
  const rows = await store.runs.promptIds(datasetId);
  return rows.filter((p) => promptSplit(p.externalId, config) === "test").map((p) => p.id);
}

/** The run's final numbers, computed the way the dashboard computes them (lib/runs/dashboard.ts). */
function summarize(
  prompts: TrainingPrompt[],
  result: TrainResult,
  excluded: number,
  durationMs: number,
  eps: number,
): RunSummary {
  const promptsById = new Map(prompts.map((p) => [Number(p.id), p]));
  const grouped = groupRewardsByPrompt(
    result.rewards.map((r) => ({
      promptId: Number(r.promptId),
      responseId: Number(r.responseId),
      split: r.split,
      reward: r.reward,
      openness: promptsById.get(Number(r.promptId))?.openness ?? null,
    })),
    (promptId) => {
      const p = promptsById.get(promptId)!;
      return {
        externalId: p.id,
        text: p.text,
        openness: p.openness ?? null,
        rankings: p.rankings.map((groups) => groups.map((g) => g.map(Number))),
      };
    },
  );
  const count = (split: "train" | "test") => grouped.filter((p) => p.split === split).length;
  const { collapse, accuracy } = summarizeCollapse(grouped, eps);
  return {
    backend: result.backend,
    durationMs,
    prompts: { train: count("train"), test: count("test"), excludedWithoutOpenness: excluded },
    metrics: result.metrics as unknown as Record<string, unknown>,
    testAccuracy: accuracy.test ?? result.metrics.testAccuracy,
    trainAccuracy: accuracy.train ?? result.metrics.trainAccuracy,
    collapse,
    trajectory: result.trajectory,
  };
}
