/**
 * External runs: the rewards of a reward model trained elsewhere (TRL, OpenRLHF, …) on a dataset's
 * prompts, uploaded as a scores file and judged like a run trained here: same verdict, same
 * dashboard. One JSONL line per prompt:
 *   {"prompt_id": <the prompt's id in the dataset>, "rewards": {<response id>: reward, …}, "split"?: "train"|"test"}
 * Ids are the dataset's external ids (those of its import and export files). Every response of a
 * listed prompt needs a reward; prompts left out of the file are left out of the run.
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
import { completeRun } from "@/lib/runs/lifecycle";
import { createRun } from "@/lib/runs/request-run";
import { loadTrainingPrompts } from "@/lib/runs/training-data";
import { type RunRow, type RunSummary, runRequestSchema } from "@/lib/runs/schemas";
import { DEFAULT_EPS, UTILITY_NAMES } from "@/ml";

/** Scores files are small (a number per response); this cap keeps a mistaken upload from hurting. */
export const MAX_SCORES_BYTES = 20 * 1024 * 1024;

const lineSchema = z.object({
  prompt_id: z.union([z.string().min(1), z.number()]).transform(String),
  rewards: z.record(z.string(), z.number().finite()),
  split: z.enum(["train", "test"]).optional(),
});

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

/** Records an external run from a scores file; nothing is stored unless every line is valid. */
export function createExternalRun(db: Db, input: ExternalRunRequest, text: string, createdBy: number | null): RunRow {
  const request = externalRunSchema.parse(input);
  if (Buffer.byteLength(text) > MAX_SCORES_BYTES) throw new AppError("too-large", "The scores file is over 20 MB.");
  const dataset = db
    .select()
    .from(schema.datasets)
    .where(and(eq(schema.datasets.id, request.datasetId), eq(schema.datasets.importStaging, false)))
    .get();
  if (!dataset) throw new AppError("not-found", `There is no dataset with id ${request.datasetId}.`);

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

  const problems: string[] = [];
  const entries: PromptRewards[] = [];
  const seen = new Set<number>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const where = `line ${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      problems.push(`${where}: not JSON`);
      return;
    }
    const parsed = lineSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(
        `${where}: ${parsed.error.issues.map((x) => `${x.path.join(".") || "line"}: ${x.message}`).join(", ")}`,
      );
      return;
    }
    const prompt = promptByExternal.get(parsed.data.prompt_id);
    if (!prompt) {
      problems.push(`${where}: dataset ${dataset.slug} has no prompt "${parsed.data.prompt_id}"`);
      return;
    }
    if (seen.has(prompt.id)) {
      problems.push(`${where}: prompt "${parsed.data.prompt_id}" is listed twice`);
      return;
    }
    seen.add(prompt.id);
    const tp = training.get(prompt.id);
    if (!tp) {
      problems.push(`${where}: prompt "${parsed.data.prompt_id}" has no openness yet (tag it first)`);
      return;
    }
    const rewards = new Map<number, number>();
    const given = parsed.data.rewards;
    for (const r of tp.responses) {
      const ext = responseExternal.get(Number(r.id)) as string;
      const reward = given[ext];
      if (reward === undefined) problems.push(`${where}: no reward for response "${ext}"`);
      else rewards.set(Number(r.id), reward);
    }
    const known = new Set(tp.responses.map((r) => responseExternal.get(Number(r.id))));
    for (const k of Object.keys(given)) if (!known.has(k)) problems.push(`${where}: prompt has no response "${k}"`);
    entries.push({
      promptId: prompt.id,
      externalId: prompt.externalId,
      text: tp.text,
      openness: tp.openness,
      split: parsed.data.split ?? "test",
      rewards,
      rankings: tp.rankings.map((groups) => groups.map((g) => g.map(Number))),
    });
  });
  if (problems.length) throw new ScoresFileError(problems);
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
      train: { eps: request.eps },
    }),
    createdBy,
    "external",
    { workerPid: process.pid },
  );
  const rows = entries.flatMap((e) =>
    [...e.rewards].map(([responseId, reward]) => ({ responseId, split: e.split, reward, openness: e.openness })),
  );
  completeRun(db, run.id, { rewards: rows, weights: new Uint8Array(0), summary });
  return run;
}
