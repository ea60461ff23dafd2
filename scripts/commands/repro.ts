/**
 * The paper's length experiment: trains one model per utility on synthetic data and reports, on
 * held-out prompts drawn from templates never used in training, pair accuracy and the collapse
 * verdict (ml/diagnosis/verdict.ts) with its figures. Utilities train in parallel child processes (one per
 * core by default). With --out, writes DIR/rewards.jsonl, one line per prompt and utility:
 * {"prompt_id","prompt","utility","split","openness","rewards":[8, in the true order, best first]}.
 */
import { readTextFile } from "../dispatch";
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  type CollapseReport,
  type DiagnosisPrompt,
  type TrainingPrompt,
  type UtilityName,
  collapseReport,
  DEFAULT_EPS,
  pairedControl,
  isUtilityName,
  syntheticLengthSplit,
  trainConfigSchema,
  trainRewardModel,
  UTILITY_NAMES,
} from "@/ml";
import { getStore } from "../../lib/db";
import { slugSchema } from "../../lib/datasets/import";
import { describeZodError } from "../../lib/http/body";
import { writeSyntheticDataset } from "../../lib/runs/repro";

interface Job {
  utility: UtilityName;
  prompts: number;
  testPrompts: number;
  seed: number;
  steps: number;
  lr: number;
  batch: number;
  dim: number;
  hidden: number[];
  backend: "wasm" | "cpu";
  /** Box-Cox exponent for the `boxcox` utility. */
  gamma: number;
}

interface JobResult {
  utility: UtilityName;
  backend: string;
  testAccuracy: number | null;
  trainSeconds: number;
  stepsPerSecond: number;
  /** rewards per prompt index, responses in the dataset's order */
  rewards: number[][];
}

export function dataset(job: Pick<Job, "prompts" | "testPrompts" | "seed">): {
  all: TrainingPrompt[];
  testIds: string[];
} {
  const { train, test } = syntheticLengthSplit(job);
  return { all: [...train, ...test], testIds: test.map((p) => p.id) };
}

/** `--dataset SLUG`: the experiment's prompts as a dataset of the database (a new slug only). */
async function writeDataset(
  slug: string,
  job: Pick<Job, "prompts" | "testPrompts" | "seed">,
  json: boolean,
): Promise<void> {
  const parsedSlug = slugSchema.safeParse(slug);
  if (!parsedSlug.success) throw new Error(`--dataset: ${describeZodError(parsedSlug.error)}`);
  const store = getStore();
  if ((await store.runs.visibleDatasetId(slug)) !== null)
    throw new Error(`There is already a dataset "${slug}"; name a new one.`);
  const { all, testIds } = dataset(job);
  const written = await writeSyntheticDataset(store, slug, all, { seed: job.seed, heldOut: new Set(testIds) });
  const shown = { dataset: written.slug, prompts: all.length, heldOutTemplates: testIds.length, seed: job.seed };
  console.log(
    json
      ? JSON.stringify(shown)
      : `Wrote dataset ${shown.dataset}: ${shown.prompts} synthetic prompts with their true rankings, ${shown.heldOutTemplates} of them from held-out templates (metadata.held_out_template).`,
  );
}

async function runJob(job: Job): Promise<JobResult> {
  const { all, testIds } = dataset(job);
  const res = await trainRewardModel(all, {
    utility: job.utility,
    steps: job.steps,
    learningRate: job.lr,
    batchPrompts: job.batch,
    featureDim: job.dim,
    hiddenSizes: job.hidden,
    gamma: job.gamma,
    seed: job.seed,
    testIds,
    evalEvery: Math.max(1, job.steps),
    backend: job.backend,
  });
  const byPrompt = new Map<string, number[]>();
  for (const r of res.rewards) {
    const a = byPrompt.get(r.promptId) ?? [];
    a.push(r.reward);
    byPrompt.set(r.promptId, a);
  }
  return {
    utility: job.utility,
    backend: res.backend,
    testAccuracy: res.metrics.testAccuracy,
    trainSeconds: res.metrics.trainSeconds,
    stepsPerSecond: res.metrics.stepsPerSecond,
    rewards: all.map((p) => byPrompt.get(p.id) ?? []),
  };
}

function runInChild(job: Job): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, OCTORANK_REPRO_CHILD: "1" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let done = false;
    child.on("message", (m: { ok: boolean; result?: JobResult; error?: string }) => {
      done = true;
      if (m.ok && m.result) resolve(m.result);
      else reject(new Error(m.error ?? "repro child failed"));
      child.disconnect();
    });
    child.on("exit", (code) => {
      if (!done) reject(new Error(`repro child for ${job.utility} exited with code ${code}`));
    });
    child.send(job);
  });
}

async function pool<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i] as T);
      }
    }),
  );
  return out;
}

function fmt(x: number | null, d = 3): string {
  return x === null || !Number.isFinite(x) ? "n/a" : x.toFixed(d);
}

/** The trainer's own defaults (ml/): the flags below default to them rather than restating them. */
const TRAINER = trainConfigSchema.parse({});
/** The experiment's own defaults, for the flags and the usage text alike. */
const EXPERIMENT = { prompts: 2048, testPrompts: 256, utilities: ["log", "conditioned"] } as const;
const SIZE_FLAGS = `[--prompts ${EXPERIMENT.prompts}] [--test-prompts ${EXPERIMENT.testPrompts}] [--seed ${TRAINER.seed}]`;

export const USAGE = `Usage: npm run cli -- repro ${SIZE_FLAGS}
       [--utilities ${EXPERIMENT.utilities.join(",")}] [--steps ${TRAINER.steps}] [--lr ${TRAINER.learningRate}] [--batch ${TRAINER.batchPrompts}]
       [--dim ${TRAINER.featureDim}] [--hidden ${TRAINER.hiddenSizes.join(",")}]
       [--gamma G (boxcox)] [--backend wasm|cpu] [--parallel N] [--out DIR] [--json]
       npm run cli -- repro --dataset SLUG ${SIZE_FLAGS} [--json]
       npm run cli -- repro --judge DIR/rewards.jsonl   (judge a repro --out file again, no training)
The paper's length experiment: one model per utility (${UTILITY_NAMES.join(", ")}) on synthetic prompts,
judged on held-out prompts whose templates never appear in training. With --dataset, trains nothing: writes
the same synthetic prompts (training and held-out templates, the latter marked held_out_template in their
metadata) with their true rankings into the database as a new dataset, to export or train on elsewhere.`;

export async function run(argv: string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  const judgeAt = argv.indexOf("--judge");
  if (judgeAt >= 0) {
    const file = argv[judgeAt + 1];
    if (!file) throw new Error("--judge needs the rewards.jsonl a repro --out wrote");
    printReproTable(judgeReproFile(readTextFile(file)));
    return;
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      prompts: { type: "string", default: String(EXPERIMENT.prompts) },
      "test-prompts": { type: "string", default: String(EXPERIMENT.testPrompts) },
      seed: { type: "string", default: String(TRAINER.seed) },
      utilities: { type: "string", default: EXPERIMENT.utilities.join(",") },
      steps: { type: "string", default: String(TRAINER.steps) },
      lr: { type: "string", default: String(TRAINER.learningRate) },
      batch: { type: "string", default: String(TRAINER.batchPrompts) },
      dim: { type: "string", default: String(TRAINER.featureDim) },
      hidden: { type: "string", default: TRAINER.hiddenSizes.join(",") },
      parallel: { type: "string" },
      backend: { type: "string", default: TRAINER.backend },
      gamma: { type: "string", default: String(TRAINER.gamma) },
      out: { type: "string" },
      json: { type: "boolean", default: false },
      dataset: { type: "string" },
    },
    strict: true,
  });
  const int = (name: string, s: string | undefined, min: number): number => {
    const x = Number(s);
    if (!Number.isInteger(x) || x < min) throw new Error(`--${name} must be an integer >= ${min}, got ${s}`);
    return x;
  };
  const utilities = (values.utilities ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const u of utilities)
    if (!isUtilityName(u)) throw new Error(`unknown utility ${u}; choose from ${UTILITY_NAMES.join(", ")}`);
  if (utilities.length === 0) throw new Error("--utilities is empty");
  const lr = Number(values.lr);
  if (!(lr > 0 && lr < 1)) throw new Error("--lr must be in (0, 1)");
  const backend = values.backend === "cpu" ? "cpu" : "wasm";
  const base = {
    prompts: int("prompts", values.prompts, 2),
    testPrompts: int("test-prompts", values["test-prompts"], 2),
    seed: int("seed", values.seed, 0),
    steps: int("steps", values.steps, 1),
    lr,
    batch: int("batch", values.batch, 1),
    dim: int("dim", values.dim, 16),
    hidden: (values.hidden ?? "")
      .split(",")
      .filter(Boolean)
      .map((h) => int("hidden", h, 1)),
    backend: backend as "wasm" | "cpu",
    gamma: Number(values.gamma),
  };
  if (!Number.isFinite(base.gamma) || Math.abs(base.gamma) > 5) throw new Error("--gamma must be a number in [-5, 5]");
  if (values.dataset !== undefined) {
    await writeDataset(values.dataset, base, values.json);
    return;
  }
  const parallel = values.parallel
    ? int("parallel", values.parallel, 1)
    : Math.max(1, Math.min(utilities.length, os.availableParallelism()));
  const t0 = performance.now();
  const jobs: Job[] = utilities.map((u) => ({ ...base, utility: u as UtilityName }));
  const results = parallel > 1 ? await pool(jobs, parallel, runInChild) : await pool(jobs, 1, runJob);
  const wall = (performance.now() - t0) / 1000;

  const { all, testIds } = dataset(base);
  const testSet = new Set(testIds);
  const rows = judgeRepro(
    results.map((r) => ({
      utility: r.utility,
      testAccuracy: r.testAccuracy,
      prompts: all.map((p, i) => {
        const pos = new Map(p.responses.map((resp, k) => [resp.id, k] as const));
        return {
          id: p.id,
          openness: p.openness as number,
          rewards: r.rewards[i] ?? [],
          rankings: p.rankings.map((groups) => groups.map((g) => g.map((id) => pos.get(id) as number))),
          split: testSet.has(p.id) ? ("test" as const) : ("train" as const),
        };
      }),
    })),
  );

  if (values.out) {
    fs.mkdirSync(values.out, { recursive: true });
    const lines: string[] = [];
    for (const r of results) {
      all.forEach((p, i) => {
        const rewards = r.rewards[i] ?? [];
        const pos = new Map(p.responses.map((x, k) => [x.id, k] as const));
        const trueOrder = (p.rankings[0] ?? []).flat().map((id) => rewards[pos.get(id) ?? -1] as number);
        lines.push(
          JSON.stringify({
            prompt_id: p.id,
            prompt: p.text,
            utility: r.utility,
            split: testSet.has(p.id) ? "test" : "train",
            openness: p.openness,
            rewards: trueOrder,
          }),
        );
      });
    }
    fs.writeFileSync(path.join(values.out, "rewards.jsonl"), lines.join("\n") + "\n");
  }

  if (values.json) {
    console.log(
      JSON.stringify(
        { config: { ...base, utilities, parallel }, wallSeconds: wall, results: rows.map(reproRowJson) },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    `repro: ${base.prompts} train + ${base.testPrompts} held-out prompts, seed ${base.seed}, ${base.steps} steps, lr ${base.lr}, batch ${base.batch}, dim ${base.dim}, hidden ${base.hidden.join("x")}, backend ${results[0]?.backend}, ${parallel} process(es)`,
  );
  printReproTable(rows);
  console.log(
    `wall time ${wall.toFixed(1)} s${values.out ? `; rewards in ${path.join(values.out, "rewards.jsonl")}` : ""}`,
  );
}

interface ReproRow {
  utility: string;
  testAccuracy: number | null;
  test: CollapseReport;
  train: CollapseReport;
  /** Against the first fixed utility of the run, on the same held-out prompts. */
  control: { against: string; summary: string; deltaBeta: number | null; deltaBetaCi: [number, number] | null } | null;
}

const FIXED = new Set(["log", "logsigmoid", "linear", "inverse", "boxcox"]);

/** Each utility's verdict on the held-out and the training prompts, and the paired control against a fixed utility. */
export function judgeRepro(
  runs: { utility: string; testAccuracy: number | null; prompts: (DiagnosisPrompt & { split: "train" | "test" })[] }[],
): ReproRow[] {
  const judged = runs.map((r) => ({
    ...r,
    test: collapseReport(r.prompts, { eps: DEFAULT_EPS, split: "test" }),
    train: collapseReport(r.prompts, { eps: DEFAULT_EPS, split: "train" }),
  }));
  const baseline = judged.find((r) => FIXED.has(r.utility));
  return judged.map((r) => {
    const control = baseline && r !== baseline && !FIXED.has(r.utility) ? pairedControl(baseline.test, r.test) : null;
    return {
      utility: r.utility,
      testAccuracy: r.testAccuracy ?? r.test.accuracy,
      test: r.test,
      train: r.train,
      control:
        control && baseline
          ? {
              against: baseline.utility,
              summary: control.summary,
              deltaBeta: control.deltaBeta,
              deltaBetaCi: control.deltaBetaCi,
            }
          : null,
    };
  });
}

function reportSummary(r: CollapseReport) {
  return {
    kind: r.kind,
    verdict: r.verdict,
    beta: r.model.beta,
    betaCi: r.model.betaCi,
    theta0: r.model.theta0,
    theta1: r.model.theta1,
    accuracy: r.accuracy,
    normalizedGap: r.normalizedGap,
    normalizedGapCi: r.normalizedGapCi,
    tracking: r.tracking.slope,
  };
}

function reproRowJson(r: ReproRow) {
  return {
    utility: r.utility,
    testAccuracy: r.testAccuracy,
    test: reportSummary(r.test),
    train: reportSummary(r.train),
    control: r.control,
  };
}

function printReproTable(rows: ReproRow[]): void {
  const ci = (x: [number, number] | null) => (x ? `[${fmt(x[0], 2)}, ${fmt(x[1], 2)}]` : "[n/a]");
  console.log(
    "| utility | held-out pair acc | β [90%] held-out | θ at o = 0 / 1 | normalised gap [90%] | verdict (held-out) | β [90%] training | verdict (training) |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.utility} | ${fmt(r.testAccuracy)} | ${fmt(r.test.model.beta, 2)} ${ci(r.test.model.betaCi)} | ${fmt(r.test.model.theta0, 2)} / ${fmt(r.test.model.theta1, 2)} | ${fmt(r.test.normalizedGap, 2)} ${ci(r.test.normalizedGapCi)} | ${r.test.kind} | ${fmt(r.train.model.beta, 2)} ${ci(r.train.model.betaCi)} | ${r.train.kind} |`,
    );
  for (const r of rows) console.log(`${r.utility} (held-out): ${r.test.verdict}`);
  for (const r of rows) if (r.control) console.log(`${r.utility} against ${r.control.against}: ${r.control.summary}`);
}

/** Judges a `repro --out` rewards file again (the rules of this checkout, no training). */
export function judgeReproFile(text: string): ReproRow[] {
  const byUtility = new Map<string, (DiagnosisPrompt & { split: "train" | "test" })[]>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const r = JSON.parse(line) as {
      prompt_id: string;
      utility: string;
      split: "train" | "test";
      openness: number;
      rewards: number[];
    };
    if (typeof r.prompt_id !== "string" || typeof r.utility !== "string" || !Array.isArray(r.rewards))
      throw new Error(`line ${i + 1}: not a repro --out line`);
    const list = byUtility.get(r.utility) ?? [];
    // repro --out writes each prompt's rewards best first: the true ranking is their order.
    list.push({
      id: r.prompt_id,
      openness: r.openness,
      rewards: r.rewards,
      ranking: r.rewards.map((_, k) => [k]),
      split: r.split,
    });
    byUtility.set(r.utility, list);
  });
  return judgeRepro([...byUtility].map(([utility, prompts]) => ({ utility, testAccuracy: null, prompts })));
}

if (process.env.OCTORANK_REPRO_CHILD === "1" && process.send) {
  process.once("message", (job: Job) => {
    runJob(job)
      .then((result) => process.send?.({ ok: true, result }))
      .catch((e: unknown) => process.send?.({ ok: false, error: e instanceof Error ? e.message : String(e) }));
  });
}
