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
 */
import "server-only";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import type { Db } from "@/db";
import { schema } from "@/db";
import { and, eq } from "drizzle-orm";
import { AppError } from "@/lib/errors";
import { summarizeCollapse } from "@/lib/runs/dashboard";
import type { PromptRewards } from "@/lib/runs/rewards";
import { completeRun, getRunDetail, type RunListItem } from "@/lib/runs/lifecycle";
import { createRun } from "@/lib/runs/request-run";
import { loadTrainingPrompts } from "@/lib/runs/training-data";
import { type RunSummary, runRequestSchema } from "@/lib/runs/schemas";
import { readScoresFile } from "@/lib/runs/scores-file";
import { DEFAULT_EPS, REWARD_LINKS, UTILITY_NAMES } from "@/ml";

/** Scores files are small (a number per response); this cap keeps a mistaken upload from hurting. */
export const MAX_SCORES_BYTES = 20 * 1024 * 1024;

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
});
export type ExternalRunRequest = z.input<typeof externalRunSchema>;

export class ScoresFileError extends AppError {
  constructor(problems: string[]) {
    super(
      "invalid",
      `The scores file has ${problems.length} problem${problems.length === 1 ? "" : "s"}: ${problems.slice(0, 10).join("; ")}${problems.length > 10 ? "; …" : ""}`,
      { problems: problems.slice(0, 100) },
    );
  }
}

/**
 * Records an external run from a scores file and returns it finished, summary and verdict included;
 * nothing is stored unless every line is valid.
 */
export function createExternalRun(
  db: Db,
  input: ExternalRunRequest,
  text: string,
  createdBy: number | null,
): RunListItem {
  const request = externalRunSchema.parse(input);
  if (Buffer.byteLength(text) > MAX_SCORES_BYTES) throw new AppError("too-large", "The scores file is over 20 MB.");
  const dataset = db
    .select()
    .from(schema.datasets)
    .where(and(eq(schema.datasets.id, request.datasetId), eq(schema.datasets.importStaging, false)))
    .get();
  if (!dataset) throw new AppError("not-found", `There is no dataset with id ${request.datasetId}.`);

  // Every line is checked on its own first: a bad file is refused before the dataset is loaded.
  const { lines, problems } = readScoresFile(text, { source: "dataset", link: request.link });
  if (problems.length) throw new ScoresFileError(problems);
  if (lines.length === 0) throw new ScoresFileError(["no prompt lines"]);

  const { prompts } = loadTrainingPrompts(db, dataset.id, { policy: "exclude" });
  const promptByExternal = new Map<string, { id: number; externalId: string }>();
  for (const row of db
    .select({ id: schema.prompts.id, externalId: schema.prompts.externalId })
    .from(schema.prompts)
    .where(eq(schema.prompts.datasetId, dataset.id))
    .all())
    promptByExternal.set(row.externalId, row);
  const responseExternal = new Map<number, string>(
    (
      db.$client
        .prepare(
          `select r.id, r.external_id as externalId, r.position from responses r join prompts p on p.id = r.prompt_id where p.dataset_id = ?`,
        )
        .all(dataset.id) as { id: number; externalId: string | null; position: number }[]
    ).map((r) => [r.id, r.externalId ?? String(r.position)]),
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

  const { collapse, accuracy } = summarizeCollapse(entries, request.eps);
  const count = (s: "train" | "test") => entries.filter((e) => e.split === s).length;
  const summary: RunSummary = {
    backend: "external",
    durationMs: 0,
    prompts: { train: count("train"), test: count("test"), excludedWithoutOpenness: 0 },
    metrics: { scores: entries.reduce((a, e) => a + e.rewards.size, 0) },
    testAccuracy: accuracy.test ?? null,
    trainAccuracy: accuracy.train ?? null,
    collapse,
  };
  const run = createRun(
    db,
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
  const rows = entries.flatMap((e) =>
    [...e.rewards].map(([responseId, reward]) => ({ responseId, split: e.split, reward, openness: e.openness })),
  );
  completeRun(db, run.id, { rewards: rows, weights: new Uint8Array(0), summary });
  return getRunDetail(db, run.id)!;
}
