import { parseArgs } from "node:util";
import { getStore, type Store } from "../../lib/db";
import { executeRun, trainSettingDefaults } from "../../lib/runs/training";
import { missingOpennessFromText, requestRun, trainSettingFromText } from "../../lib/runs/request-run";
import { claimRun, finishRun, getRunDetail } from "../../lib/runs/lifecycle";
import { RunError, runConfigOf, UTILITY_NAMES } from "../../lib/runs/schemas";

export const USAGE = `Usage: npm run cli -- train --dataset <slug> [--utility ${UTILITY_NAMES.join("|")}]
       [--steps N] [--learning-rate X] [--held-out 0.2] [--seed 1] [--name NAME]
       [--missing-openness exclude|estimate|<0..1>] [--set key=value ...] [--accepted-only] [--json]
Trains in this process (headless) and records the run like the web app does.
Other trainer settings (--set): ${Object.keys(trainSettingDefaults()).join(", ")}`;

function parseSetting(raw: string): [string, unknown] {
  const eq = raw.indexOf("=");
  if (eq <= 0) throw new Error(`--set expects key=value, got "${raw}".\n${USAGE}`);
  const key = raw.slice(0, eq);
  const read = trainSettingFromText(key, raw.slice(eq + 1));
  if ("error" in read) throw new Error(`--set ${key}: ${read.error}\n${USAGE}`);
  return [key, read.value];
}

/**
 * Waits for the one-at-a-time claim (lib/runs/lifecycle.ts claimRun): while a server's worker or
 * another CLI trains, this run stays queued and this process waits; Ctrl-C cancels it.
 */
async function claimWhenFree(store: Store, runId: number, quiet: boolean): Promise<void> {
  let told = false;
  let interrupted = false;
  const stop = () => (interrupted = true);
  process.once("SIGINT", stop);
  try {
    while (!(await claimRun(store, runId, process.pid))) {
      if (interrupted) {
        await finishRun(store, runId, "canceled", "Canceled before it started.");
        throw new Error(`Run ${runId} canceled while waiting for another run to finish.`);
      }
      if (!told && !quiet) console.error(`Run ${runId}: another run is training; waiting for it to finish…`);
      told = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    process.off("SIGINT", stop);
  }
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
      "accepted-only": { type: "boolean", default: false },
    },
  });
  if (!values.dataset) throw new Error(USAGE);
  const store = getStore();
  const train: Record<string, unknown> = Object.fromEntries(values.set.map(parseSetting));
  if (values.steps !== undefined) train.steps = Number(values.steps);
  if (values["learning-rate"] !== undefined) train.learningRate = Number(values["learning-rate"]);
  let created;
  try {
    created = await requestRun(
      store,
      {
        dataset: values.dataset,
        name: values.name,
        utility: values.utility,
        heldOutShare: values["held-out"],
        seed: values.seed,
        missingOpenness: missingOpennessFromText(values["missing-openness"]),
        acceptedOnly: values["accepted-only"],
        train,
      },
      { userId: null, origin: "cli" },
    );
  } catch (error) {
    if (error instanceof RunError && error.kind === "invalid") throw new Error(`${error.message}\n${USAGE}`);
    throw error;
  }
  await claimWhenFree(store, created.id, values.json);
  if (!values.json) console.error(`Run ${created.id}: training ${runConfigOf(created).utility} on ${values.dataset}…`);
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort("canceled"));
  process.once("SIGTERM", () => controller.abort("canceled"));
  let lastLog = 0;
  const outcome = await executeRun(store, created.id, {
    signal: controller.signal,
    onProgress: (p) => {
      if (values.json || Date.now() - lastLog < 1000) return;
      lastLog = Date.now();
      const acc = p.testAccuracy === undefined ? "" : `, held-out accuracy ${(p.testAccuracy * 100).toFixed(1)}%`;
      console.error(`  step ${p.step}/${p.totalSteps}: loss ${p.loss.toFixed(4)}${acc}`);
    },
  });
  const run = (await getRunDetail(store, created.id))!;
  const result = { runId: run.id, status: outcome, error: run.error, summary: run.summary };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(`Run ${run.id} ${outcome}${run.error ? `: ${run.error}` : ""}`);
    if (run.summary) console.log(JSON.stringify(run.summary, null, 2));
  }
  if (outcome !== "succeeded") process.exitCode = 1;
}
