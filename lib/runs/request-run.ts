/** Creating a run: every way in (the API, the form, the CLI, repro) asks requestRun. */
import "server-only";
import type { Store } from "@/lib/db";
import { describeZodError } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import type { MissingOpenness } from "@/lib/openness/resolve";
import { MIN_TRAINING_PROMPTS, trainSettingDefaults, validateTrainSettings } from "@/lib/runs/training";
import { plural } from "@/lib/utils";
import { RunError, runRequestSchema, type RunConfig, type RunRequest, type RunRow } from "@/lib/runs/schemas";

/**
 * The one way to ask for a run. `input` is what the caller was sent (an API body, the form's
 * fields, the CLI's flags, repro's settings); the dataset may be named by `dataset` (its slug)
 * instead of `datasetId`. It is parsed with runRequestSchema, its trainer settings are checked
 * against the trainer's own schema, and the run is queued. A bad request throws an "invalid"
 * RunError whose details map each field to what is wrong with it; an unknown dataset, "not-found".
 */
export async function requestRun(
  store: Store,
  input: Record<string, unknown>,
  by: { userId: number | null; origin: RunConfig["origin"] },
  startNow?: { workerPid: number },
): Promise<RunRow> {
  let body = input;
  if (typeof body.dataset === "string" && body.datasetId === undefined) {
    const id = await datasetIdBySlug(store, body.dataset);
    if (id === null) throw new RunError(`There is no dataset "${body.dataset}".`, "not-found");
    body = { ...body, datasetId: id };
  }
  const parsed = runRequestSchema.safeParse(body);
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path.join(".")] ??= issue.message;
    throw new RunError(describeZodError(parsed.error), "invalid", { fieldErrors });
  }
  const request = validateTrainSettings(parsed.data);
  await refuseTooFewRankedPrompts(store, request);
  return createRun(store, request, by.userId, by.origin, startNow);
}

/**
 * Refuses, before anything is queued, a run on a dataset with fewer ranked prompts than a run needs
 * (MIN_TRAINING_PROMPTS; with the openness they need when prompts without one are excluded): it could
 * only fail once the trainer took it. The trainer checks again with everything it loads.
 */
async function refuseTooFewRankedPrompts(store: Store, request: RunRequest): Promise<void> {
  const needsOpenness = request.missingOpenness.policy === "exclude";
  const ranked = await store.runs.rankedPromptCount(request.datasetId, needsOpenness);
  if (ranked >= MIN_TRAINING_PROMPTS) return;
  throw new RunError(
    `This dataset has ${plural(ranked, "ranked prompt")}${needsOpenness ? " with an openness" : ""}; a run needs at least ${MIN_TRAINING_PROMPTS} (to hold some out for testing). Rank more prompts first.`,
    "invalid",
  );
}

/**
 * A trainer setting typed in as text (a form field, a CLI flag), read like its default: a number,
 * whole numbers separated by commas, or a yes/no. Returns an error message instead when it is not one.
 */
export function trainSettingFromText(key: string, raw: string): { value: unknown } | { error: string } {
  const fallback = trainSettingDefaults()[key];
  if (typeof fallback === "boolean") return { value: ["on", "true", "1", "yes"].includes(raw.trim().toLowerCase()) };
  if (Array.isArray(fallback)) {
    const values = raw.split(",").map((v) => Number(v.trim()));
    return values.some((v) => !Number.isFinite(v))
      ? { error: "Enter whole numbers separated by commas, e.g. 128 or 256, 64." }
      : { value: values };
  }
  const value = Number(raw);
  return raw.trim() !== "" && Number.isFinite(value) ? { value } : { error: "Enter a number." };
}

/** The missing-openness policy typed in as text: "exclude", "estimate", "assume" (with `assumed`), or a number to assume. */
export function missingOpennessFromText(
  policy: string | undefined,
  assumed?: unknown,
): MissingOpenness | { policy: "assume"; value: unknown } {
  if (policy === undefined || policy === "exclude") return { policy: "exclude" };
  if (policy === "estimate") return { policy: "estimate" };
  if (policy === "assume") return { policy: "assume", value: assumed };
  // Anything else is the value to assume; the schema says so when it is not a number in [0, 1].
  return { policy: "assume", value: policy };
}

/**
 * Queues a run request that has been parsed and checked (requestRun does both). `startNow` creates it already running, owned by that process, with a fresh lease
 * (tests; trainers go through claimRun in lib/runs/lifecycle.ts so that only one trains at a time).
 */
export async function createRun(
  store: Store,
  request: RunRequest,
  createdBy: number | null,
  origin: RunConfig["origin"],
  startNow?: { workerPid: number },
): Promise<RunRow> {
  const dataset = await store.runs.visibleDataset(request.datasetId);
  if (!dataset) throw new RunError(`There is no dataset with id ${request.datasetId}.`, "not-found");
  if (createdBy !== null) await refuseOverOpenRunLimit(store, createdBy);
  if (request.heldOutPromptIds) {
    const inDataset = new Set((await store.runs.promptIds(dataset.id)).map((p) => p.id));
    const foreign = request.heldOutPromptIds.filter((id) => !inDataset.has(id));
    if (foreign.length)
      throw new RunError(`Held-out prompt(s) ${foreign.slice(0, 5).join(", ")} are not in dataset ${dataset.slug}.`);
  }
  const { datasetId, name, ...rest } = request;
  const config: RunConfig = { ...rest, origin };
  return store.transaction("atomic", (tx) =>
    tx.runs.insert({
      datasetId,
      name: name ?? `${request.utility} on ${dataset.slug}`,
      config: config as unknown as Record<string, unknown>,
      status: startNow ? "running" : "queued",
      startedAt: startNow ? new Date() : null,
      heartbeatAt: startNow ? new Date() : null,
      workerPid: startNow?.workerPid ?? null,
      createdBy,
    }),
  );
}

/**
 * Runs one user may have queued or training at once. The trainer takes one run at a time, so a
 * queue of hundreds from one user (300 runs of a million steps took 9 s to ask for) only keeps
 * everyone else's runs waiting behind it.
 */
export const MAX_OPEN_RUNS_PER_USER = 10;

async function refuseOverOpenRunLimit(store: Store, userId: number): Promise<void> {
  const open = await store.runs.openRunsBy(userId);
  if (open >= MAX_OPEN_RUNS_PER_USER)
    throw new AppError(
      "too-many-requests",
      `You have ${open} runs queued or training, the most one person may have; cancel one or wait for one to finish.`,
    );
}

/** Finds a dataset by slug, for requests that name it instead of giving its id. */
export async function datasetIdBySlug(store: Store, slug: string): Promise<number | null> {
  return store.runs.visibleDatasetId(slug);
}
