/**
 * The paper's length experiment: trains one model per utility on synthetic data and reports, on
 * held-out prompts drawn from templates never used in training, pair accuracy and the collapse
 * verdict (ml/verdict.ts) with its figures. Utilities train in parallel child processes (one per
 * core by default). With --out, writes DIR/rewards.jsonl, one line per prompt and utility:
 * {"prompt_id","prompt","utility","split","openness","rewards":[8, in the true order, best first]}.
 */
import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  type TrainingPrompt,
  type UtilityName,
  collapseReport,
  DEFAULT_EPS,
  isUtilityName,
  syntheticLengthSplit,
  trainConfigSchema,
  trainRewardModel,
  UTILITY_NAMES,
} from "../../ml";

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

export const USAGE = `Usage: npm run cli -- repro [--prompts 2048] [--test-prompts 256] [--seed ${TRAINER.seed}]
       [--utilities log,conditioned] [--steps ${TRAINER.steps}] [--lr ${TRAINER.learningRate}] [--batch ${TRAINER.batchPrompts}]
       [--dim ${TRAINER.featureDim}] [--hidden ${TRAINER.hiddenSizes.join(",")}]
       [--gamma G (boxcox)] [--backend wasm|cpu] [--parallel N] [--out DIR] [--json]
The paper's length experiment: one model per utility (${UTILITY_NAMES.join(", ")}) on synthetic prompts,
judged on held-out prompts whose templates never appear in training.`;

export async function run(argv: string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      prompts: { type: "string", default: "2048" },
      "test-prompts": { type: "string", default: "256" },
      seed: { type: "string", default: String(TRAINER.seed) },
      utilities: { type: "string", default: "log,conditioned" },
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
  const parallel = values.parallel
    ? int("parallel", values.parallel, 1)
    : Math.max(1, Math.min(utilities.length, os.availableParallelism()));
  const t0 = performance.now();
  const jobs: Job[] = utilities.map((u) => ({ ...base, utility: u as UtilityName }));
  const results = parallel > 1 ? await pool(jobs, parallel, runInChild) : await pool(jobs, 1, runJob);
  const wall = (performance.now() - t0) / 1000;

  const { all, testIds } = dataset(base);
  const testSet = new Set(testIds);
  const rows = results.map((r) => {
    const test = all.map((p, i) => ({ p, rewards: r.rewards[i] ?? [] })).filter((x) => testSet.has(x.p.id));
    const rep = collapseReport(
      test.map((x) => {
        const pos = new Map(x.p.responses.map((resp, k) => [resp.id, k] as const));
        return {
          id: x.p.id,
          openness: x.p.openness as number,
          rewards: x.rewards,
          rankings: x.p.rankings.map((groups) => groups.map((g) => g.map((id) => pos.get(id) as number))),
        };
      }),
      { eps: DEFAULT_EPS },
    );
    const judged = rep.perPrompt.filter((p) => p.profile.length >= 2);
    const meanMisfit = judged.reduce((a, p) => a + p.misfit, 0) / Math.max(1, judged.length);
    return {
      utility: r.utility,
      testAccuracy: r.testAccuracy,
      accuracyCi: rep.accuracyCi,
      gap: rep.gap,
      idealGap: rep.idealGap,
      normalizedGap: rep.normalizedGap,
      normalizedGapCi: rep.normalizedGapCi,
      tracking: rep.tracking.slope,
      trackingR2: rep.tracking.r2,
      meanMisfit,
      kind: rep.kind,
      collapsed: rep.collapsed,
      verdict: rep.verdict,
      trainSeconds: r.trainSeconds,
      stepsPerSecond: r.stepsPerSecond,
      backend: r.backend,
    };
  });

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
      JSON.stringify({ config: { ...base, utilities, parallel }, wallSeconds: wall, results: rows }, null, 2),
    );
    return;
  }
  console.log(
    `repro: ${base.prompts} train + ${base.testPrompts} held-out prompts, seed ${base.seed}, ${base.steps} steps, lr ${base.lr}, batch ${base.batch}, dim ${base.dim}, hidden ${base.hidden.join("x")}, backend ${rows[0]?.backend}, ${parallel} process(es)`,
  );
  console.log(
    "| utility | held-out pair acc | normalised gap [95%] | gap (ideal) | tracking slope (R²) | mean misfit | verdict |",
  );
  console.log("|---|---|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.utility} | ${fmt(r.testAccuracy)} | ${fmt(r.normalizedGap, 2)} [${fmt(r.normalizedGapCi?.[0] ?? null, 2)}, ${fmt(r.normalizedGapCi?.[1] ?? null, 2)}] | ${fmt(r.gap)} (${fmt(r.idealGap)}) | ${fmt(r.tracking, 2)} (${fmt(r.trackingR2, 2)}) | ${fmt(r.meanMisfit)} | ${r.kind} |`,
    );
  for (const r of rows) console.log(`${r.utility}: ${r.verdict}`);
  console.log(
    `wall time ${wall.toFixed(1)} s${values.out ? `; rewards in ${path.join(values.out, "rewards.jsonl")}` : ""}`,
  );
}

if (process.env.OCTORANK_REPRO_CHILD === "1" && process.send) {
  process.once("message", (job: Job) => {
    runJob(job)
      .then((result) => process.send?.({ ok: true, result }))
      .catch((e: unknown) => process.send?.({ ok: false, error: e instanceof Error ? e.message : String(e) }));
  });
}
