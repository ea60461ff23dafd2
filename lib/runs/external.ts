/**
 * External runs: the rewards of a reward model trained elsewhere (TRL, OpenRLHF, …) on a dataset's
 * prompts, uploaded as a scores file and judged like a run trained here: same verdict, same
 * dashboard. The one scores format (lib/runs/scores-file.ts), one JSONL line per prompt:
 *   {"prompt_id": <the prompt's id in the dataset>, "rewards": {<response id>: score, …}, "split"?: "train"|"test"}
 * Ids are the dataset's external ids (those of its import and export files). Every response of a
 * listed prompt needs a score; prompts left out of the file are left out of the run. With link
 * `logit` the scores are a Bradley–Terry model's logits and the run stores sigmoid(score), the
 * bounded reward the verdict reads (docs/design.md). `split` is required: the one the consensus and
 * pairs exports write (lib/runs/held-out.ts), so that held-out means the prompts the model did not
 * train on. Score from the consensus export: one line per prompt.
 *
 * A run uploaded with a training `step` has a trajectory, like a run trained here: further scores
 * files of later steps (checkpoints, e.g. from the `octorank` Python package's TrainerCallback)
 * each add their collapse figures to it, and the latest checkpoint's scores become the run's rewards.
 */
import "server-only";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import type { Store } from "@/lib/db";
import type { DatasetRow } from "@/db/store/runs";
import { AppError } from "@/lib/errors";
import { isCrossSiteFormRisk, readTextUpTo } from "@/lib/http/body";
import { diagnosisPrompt, runEps, summarizeCollapse } from "@/lib/runs/dashboard";
import { type PromptRewards, storedRewards } from "@/lib/runs/rewards";
import { completeRun, getRun, getRunDetail, type RunListItem } from "@/lib/runs/lifecycle";
import { createRun } from "@/lib/runs/request-run";
import { loadTrainingPrompts } from "@/lib/runs/training-data";
import { type RunSummary, RunError, runConfigOf, runRequestSchema, runSummaryOf } from "@/lib/runs/schemas";
import { readScoresFile } from "@/lib/runs/scores-file";
import { DEFAULT_EPS, REWARD_LINKS, type RewardLink, UTILITY_NAMES, collapseSnapshot } from "@/ml";

/** Scores files are small (a number per response); this cap keeps a mistaken upload from hurting. */
export const MAX_SCORES_BYTES = 20 * 1024 * 1024;

const STEP_MESSAGE = "step is the training step of the scores, a whole number from 0.";
const stepSchema = numeric(
  z.number({ message: STEP_MESSAGE }).int(STEP_MESSAGE).min(0, STEP_MESSAGE).max(Number.MAX_SAFE_INTEGER, STEP_MESSAGE),
);

export const externalRunSchema = z.object({
  datasetId: numeric(z.number({ message: "Pick a dataset." }).int().positive("Pick a dataset.")),
  name: z
    .string()
    .trim()
    .max(120)
    .optional()
    .transform((v) => (v ? v : undefined)),
  /** The loss the model was trained with, as far as Octorank's utilities name it (TRL's default is Bradley–Terry). */
  utility: z.enum(UTILITY_NAMES).default("logsigmoid"),
  /** Smoothing the targets are solved at (0 = the paper's exact theory). */
  eps: numeric(z.number({ message: "eps is a number from 0 to 10." }).min(0).max(10).default(DEFAULT_EPS)),
  /** How the scores map to the bounded reward the theory reads: `logit` for a Bradley–Terry model's scores. */
  link: z.enum(REWARD_LINKS, { message: `link is ${REWARD_LINKS.join(" or ")}.` }).default("identity"),
  /** The training step the scores were taken at: the run's first checkpoint (see addExternalCheckpoint). */
  step: stepSchema.optional(),
});
export type ExternalRunRequest = z.input<typeof externalRunSchema>;

export const externalCheckpointSchema = z.object({ step: stepSchema });

/** A run's trajectory is stored in its summary and charted whole: this many checkpoints is plenty. */
export const MAX_CHECKPOINTS = 1000;

/**
 * A scores file sent to a route: as a file (a form another site could post is refused) and read as
 * it streams, since the upload routes are not behind the proxy's body limit.
 */
export async function readScoresBody(request: Request): Promise<string> {
  if (isCrossSiteFormRisk(request))
    throw new AppError(
      "unsupported-media-type",
      "Send the file with Content-Type: application/x-ndjson (or an API token).",
    );
  const text = await readTextUpTo(request, MAX_SCORES_BYTES);
  if (text === null) throw new AppError("too-large", "The scores file is over 20 MB.");
  return text;
}

export class ScoresFileError extends AppError {
  constructor(problems: string[]) {
    super(
      "invalid",
      `The scores file has ${problems.length} problem${problems.length === 1 ? "" : "s"}: ${problems.slice(0, 10).join("; ")}${problems.length > 10 ? "; …" : ""}`,
      { problems: problems.slice(0, 100) },
    );
  }
}

type Dataset = DatasetRow;

async function datasetOf(store: Store, datasetId: number): Promise<Dataset> {
  const dataset = await store.runs.visibleDataset(datasetId);
  if (!dataset) throw new AppError("not-found", `There is no dataset with id ${datasetId}.`);
  return dataset;
}

/** The prompts of a scores file with their rewards; throws a ScoresFileError naming every bad line. */
async function datasetScores(store: Store, dataset: Dataset, text: string, link: RewardLink): Promise<PromptRewards[]> {
  if (Buffer.byteLength(text) > MAX_SCORES_BYTES) throw new AppError("too-large", "The scores file is over 20 MB.");
  // Every line is checked on its own first: a bad file is refused before the dataset is loaded.
  const { lines, problems } = readScoresFile(text, { source: "dataset", link });
  if (problems.length) throw new ScoresFileError(problems);
  if (lines.length === 0) throw new ScoresFileError(["no prompt lines"]);

  const { prompts } = await loadTrainingPrompts(store, dataset.id, { policy: "exclude" });
  const promptByExternal = new Map<string, { id: number; externalId: string }>();
  for (const row of await store.runs.promptIds(dataset.id)) promptByExternal.set(row.externalId, row);
  const responseExternal = new Map<number, string>(
    (await store.runs.responseIds(dataset.id)).map((r) => [r.id, r.externalId ?? String(r.position)]),
  );
  const training = new Map(prompts.map((p) => [Number(p.id), p]));

  const entries: PromptRewards[] = [];
  for (const line of lines) {
    const where = `line ${line.line}`;
    const prompt = promptByExternal.get(line.promptId);
    if (!prompt) {
      problems.push(`${where}: dataset ${dataset.slug} has no prompt "${line.promptId}"`);
      continue;
    }
    const tp = training.get(prompt.id);
    if (!tp) {
      problems.push(`${where}: prompt "${line.promptId}" has no openness yet (tag it first)`);
      continue;
    }
    const given = new Map(line.responseIds.map((id, k) => [id, line.rewards[k] as number] as const));
    const rewards = new Map<number, number>();
    for (const r of tp.responses) {
      const ext = responseExternal.get(Number(r.id)) as string;
      const reward = given.get(ext);
      if (reward === undefined) problems.push(`${where}: no reward for response "${ext}"`);
      else rewards.set(Number(r.id), reward);
    }
    const known = new Set(tp.responses.map((r) => responseExternal.get(Number(r.id))));
    for (const k of given.keys()) if (!known.has(k)) problems.push(`${where}: prompt has no response "${k}"`);
    if (!line.split) {
      problems.push(
        `${where}: no "split": copy the prompt's "split" from the consensus or pairs export (the held-out split the model was trained without)`,
      );
      continue;
    }
    entries.push({
      promptId: prompt.id,
      externalId: prompt.externalId,
      text: tp.text,
      openness: tp.openness,
      split: line.split,
      rewards,
      rankings: tp.rankings.map((groups) => groups.map((g) => g.map(Number))),
    });
  }
  const lineOf = (m: string) => Number(/^line (\d+)/.exec(m)?.[1] ?? 0);
  if (problems.length) throw new ScoresFileError([...problems].sort((a, b) => lineOf(a) - lineOf(b)));
  if (entries.length === 0) throw new ScoresFileError(["no prompt lines"]);

  return entries;
}

type TrajectoryPoint = NonNullable<RunSummary["trajectory"]>[number];

/** One checkpoint's collapse figures per split, as the in-app trainer records them (ml/training/trajectory.ts). */
function checkpointPoints(entries: PromptRewards[], step: number, eps: number): TrajectoryPoint[] {
  return (["train", "test"] as const).flatMap((split) => {
    const members = entries.filter((e) => e.split === split);
    return members.length ? [{ step, split, ...collapseSnapshot(members.map(diagnosisPrompt), { eps }) }] : [];
  });
}

function externalSummary(entries: PromptRewards[], eps: number, trajectory?: TrajectoryPoint[]): RunSummary {
  const { collapse, accuracy } = summarizeCollapse(entries, eps);
  const count = (s: "train" | "test") => entries.filter((e) => e.split === s).length;
  return {
    backend: "external",
    durationMs: 0,
    prompts: { train: count("train"), test: count("test"), excludedWithoutOpenness: 0 },
    metrics: { scores: entries.reduce((a, e) => a + e.rewards.size, 0) },
    testAccuracy: accuracy.test ?? null,
    trainAccuracy: accuracy.train ?? null,
    collapse,
    ...(trajectory ? { trajectory } : {}),
  };
}

function rewardRows(entries: PromptRewards[]) {
  return entries.flatMap((e) =>
    [...e.rewards].map(([responseId, reward]) => ({ responseId, split: e.split, reward, openness: e.openness })),
  );
}

/**
 * Records an external run from a scores file and returns it finished, summary and verdict included;
 * nothing is stored unless every line is valid.
 */
export async function createExternalRun(
  store: Store,
  input: ExternalRunRequest,
  text: string,
  createdBy: number | null,
): Promise<RunListItem> {
  const request = externalRunSchema.parse(input);
  const dataset = await datasetOf(store, request.datasetId);
  const entries = await datasetScores(store, dataset, text, request.link);
  const trajectory = request.step === undefined ? undefined : checkpointPoints(entries, request.step, request.eps);
  const summary = externalSummary(entries, request.eps, trajectory);
  const run = await createRun(
    store,
    runRequestSchema.parse({
      datasetId: dataset.id,
      name: request.name ?? `external scores on ${dataset.slug}`,
      utility: request.utility,
      train: { eps: request.eps, link: request.link },
    }),
    createdBy,
    "external",
    { workerPid: process.pid },
  );
  await completeRun(store, run.id, { rewards: rewardRows(entries), weights: new Uint8Array(0), summary });
  return (await getRunDetail(store, run.id))!;
}

/**
 * Adds a checkpoint to an external run: the scores of a later training step, on the same prompts in
 * the same splits (so the trajectory compares like with like), read with the run's link. Its
 * collapse figures join the run's trajectory, and its scores and verdict become the run's: the run
 * shows the latest model.
 */
export async function addExternalCheckpoint(
  store: Store,
  runId: number,
  input: { step: unknown },
  text: string,
): Promise<RunListItem> {
  const { step } = externalCheckpointSchema.parse(input);
  const run = await getRun(store, runId);
  if (!run) throw new RunError(`There is no run ${runId}.`, "not-found");
  const config = runConfigOf(run);
  if (config.origin !== "external")
    throw new RunError(`Run ${runId} was trained here; only external runs take uploaded checkpoints.`, "conflict");
  if (run.status !== "succeeded") throw new RunError(`Run ${runId} is ${run.status}.`, "conflict");
  const link = externalRunSchema.shape.link.parse(config.train.link);
  const entries = await datasetScores(store, await datasetOf(store, run.datasetId), text, link);

  const stored = new Map((await storedRewards(store, runId)).map((r) => [r.promptId, r]));
  const given = new Map(entries.map((e) => [e.promptId, e]));
  const differences: string[] = [];
  for (const e of entries) {
    const before = stored.get(e.promptId);
    if (!before) differences.push(`prompt "${e.externalId}" is not in the run`);
    else if (before.split !== e.split)
      differences.push(`prompt "${e.externalId}" is in split ${e.split} here and ${before.split} in the run`);
  }
  for (const [promptId, r] of stored)
    if (!given.has(promptId)) differences.push(`prompt "${r.promptExternalId}" of the run is missing`);
  if (differences.length)
    throw new ScoresFileError(
      differences.map((d) => `${d} (every checkpoint scores the run's prompts in the run's splits)`),
    );

  const eps = runEps(config.train);
  return store.transaction("serial", async (tx) => {
    // Read inside the serial transaction, so that two checkpoints sent at once cannot both pass
    // the step check.
    const current = runSummaryOf((await getRun(tx, runId))!);
    const trajectory = current?.trajectory ?? [];
    const last = trajectory.reduce((m, p) => Math.max(m, p.step), -1);
    if (step <= last)
      throw new RunError(`Run ${runId} already has a checkpoint at step ${last}; send a later step.`, "conflict");
    if (new Set(trajectory.map((p) => p.step)).size >= MAX_CHECKPOINTS)
      throw new RunError(`Run ${runId} has ${MAX_CHECKPOINTS} checkpoints, the most a run keeps.`, "conflict");
    const summary = externalSummary(entries, eps, [...trajectory, ...checkpointPoints(entries, step, eps)]);
    await tx.runs.replaceRewards(runId, rewardRows(entries));
    await tx.runs.setSummary(runId, summary as unknown as Record<string, unknown>, new Date());
    return (await getRunDetail(tx, runId))!;
  });
}
