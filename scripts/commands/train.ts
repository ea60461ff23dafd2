import { parseArgs } from "node:util";
import { getDb } from "../../db/index";
import { describeZodError } from "../../lib/http/body";
import { executeRun, trainSettingDefaults, validateTrainSettings } from "../../lib/runs/training";
import { createRun, datasetIdBySlug } from "../../lib/runs/request-run";
import { getRunDetail } from "../../lib/runs/lifecycle";
import { runRequestSchema, UTILITY_NAMES } from "../../lib/runs/schemas";

const USAGE = `Usage: npm run cli -- train --dataset <slug> [--utility ${UTILITY_NAMES.join("|")}]
       [--steps N] [--learning-rate X] [--held-out 0.2] [--seed 1] [--name NAME]
       [--missing-openness exclude|<0..1>] [--set key=value ...] [--json]
Trains in this process (headless) and records the run like the web app does.
Other trainer settings (--set): ${Object.keys(trainSettingDefaults()).join(", ")}`;

function parseSetting(raw: string, defaults: Record<string, unknown>): [string, unknown] {
  const eq = raw.indexOf("=");
  if (eq <= 0) throw new Error(`--set expects key=value, got "${raw}".\n${USAGE}`);
  const key = raw.slice(0, eq);
  const value = raw.slice(eq + 1);
  const fallback = defaults[key];
  if (Array.isArray(fallback)) return [key, value.split(",").map(Number)];
  if (typeof fallback === "boolean") return [key, value === "true" || value === "1"];
  return [key, Number(value)];
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: "string" },
      utility: { type: "string", default: "conditioned" },
      steps: { type: "string" },
      "learning-rate": { type: "string" },
      "held-out": { type: "string" },
      seed: { type: "string" },
      name: { type: "string" },
      "missing-openness": { type: "string", default: "exclude" },
      set: { type: "string", multiple: true, default: [] },
      json: { type: "boolean", default: false },
    },
  });
  if (!values.dataset) throw new Error(USAGE);
  const db = getDb();
  const datasetId = datasetIdBySlug(db, values.dataset);
  if (datasetId === null) throw new Error(`There is no dataset "${values.dataset}".`);
  const defaults = trainSettingDefaults();
  const train: Record<string, unknown> = Object.fromEntries(values.set.map((s) => parseSetting(s, defaults)));
  if (values.steps !== undefined) train.steps = Number(values.steps);
  if (values["learning-rate"] !== undefined) train.learningRate = Number(values["learning-rate"]);
  const missing = values["missing-openness"];
  const parsed = runRequestSchema.safeParse({
    datasetId,
    name: values.name,
    utility: values.utility,
    heldOutShare: values["held-out"],
    seed: values.seed,
    missingOpenness: missing === "exclude" ? { policy: "exclude" } : { policy: "assume", value: missing },
    train,
  });
  if (!parsed.success) throw new Error(`${describeZodError(parsed.error)}\n${USAGE}`);
  const request = validateTrainSettings(parsed.data);

  const created = createRun(db, request, null, "cli", { workerPid: process.pid });
  if (!values.json) console.error(`Run ${created.id}: training ${request.utility} on ${values.dataset}…`);
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort("canceled"));
  process.once("SIGTERM", () => controller.abort("canceled"));
  let lastLog = 0;
  const outcome = await executeRun(db, created.id, {
    signal: controller.signal,
    onProgress: (p) => {
      if (values.json || Date.now() - lastLog < 1000) return;
      lastLog = Date.now();
      const acc = p.testAccuracy === undefined ? "" : `, held-out accuracy ${(p.testAccuracy * 100).toFixed(1)}%`;
      console.error(`  step ${p.step}/${p.totalSteps}: loss ${p.loss.toFixed(4)}${acc}`);
    },
  });
  const run = getRunDetail(db, created.id)!;
  const result = { runId: run.id, status: outcome, error: run.error, summary: run.summary };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`Run ${run.id} ${outcome}${run.error ? `: ${run.error}` : ""}`);
    if (run.summary) console.log(JSON.stringify(run.summary, null, 2));
  }
  if (outcome !== "succeeded") process.exitCode = 1;
}
