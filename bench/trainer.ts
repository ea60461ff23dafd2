/**
 * `npm run bench -- trainer [--json] [--steps 300] [--prompts 8192] [--no-repro] [--no-torch] [--profile]
 *   [--backend wasm|cpu] [--naive N] [--repro-steps 2000] [--repeat 3]`
 *
 * Trainer throughput on the paper-size synthetic workload (issue 7): 8,192 prompts x 8 responses,
 * default featurizer (4,096 hashed dims + 5 numeric) and model (hidden 128), batch 64 prompts,
 * conditioned loss, Adam. Reports featurizing time, steps/s, responses/s, tensor counts, the
 * `repro` wall time (log + conditioned at the README's step count), and the same model in PyTorch
 * (Debian python3-torch + OpenBLAS, 1 and 2 threads, the faster) measured in the same run:
 * ratio = octorank steps/s / pytorch steps/s.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import {
  initBackend,
  featurizePrompts,
  syntheticLengthDataset,
  TrainingSession,
  denseInputRows,
  fillBatch,
  prepareData,
  trainConfigSchema,
  forwardPlain,
  paramList,
  pairLoss,
} from "@/ml";

const PY = "/usr/bin/python3";

function ensureTorch(): string | null {
  const probe = () => spawnSync(PY, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  let p = probe();
  if (p.status !== 0) {
    console.error("bench: PyTorch missing; installing python3-torch libopenblas0-pthread with apt-get ...");
    spawnSync("apt-get", ["install", "-y", "-qq", "python3-torch", "libopenblas0-pthread"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    p = probe();
  }
  return p.status === 0 ? p.stdout.trim() : null;
}

function writeRaw(file: string, a: Int32Array | Float32Array): void {
  fs.writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

export const USAGE = `Usage: npm run bench -- trainer [--json] [--steps 300] [--prompts 8192] [--no-repro] [--no-torch]
       [--profile] [--backend wasm|cpu] [--naive N] [--repro-steps 2000] [--repeat 3]
Trainer throughput on the paper-size synthetic workload, against PyTorch measured in the same run.`;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      steps: { type: "string", default: "300" },
      prompts: { type: "string", default: "8192" },
      "no-repro": { type: "boolean", default: false },
      "no-torch": { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      backend: { type: "string", default: "wasm" },
      "repro-steps": { type: "string", default: "2000" },
      naive: { type: "string", default: "0" },
      repeat: { type: "string", default: "3" },
    },
  });
  const log = (s: string) => {
    if (!values.json) console.log(s);
  };
  // The ratio is only as good as the machine was quiet: the load goes out with it.
  const loadAtStart = os.loadavg();
  const steps = Number(values.steps);
  const nPrompts = Number(values.prompts);
  const warmup = 20;
  const backend = await initBackend(values.backend === "cpu" ? "cpu" : "wasm");
  const cfg = trainConfigSchema.parse({ utility: "conditioned", testShare: 0, seed: 1 });
  const dim = cfg.featureDim;
  const hidden = cfg.hiddenSizes;
  const batch = cfg.batchPrompts;

  const prompts = syntheticLengthDataset({ prompts: nPrompts, seed: 1 });
  let t = performance.now();
  const fm = featurizePrompts(prompts, dim, 0, true);
  const pr = fm.prompts as NonNullable<typeof fm.prompts>;
  const promptNnz = pr.idx.length / pr.nRows;
  const featurizeSeconds = (performance.now() - t) / 1000;
  log(
    `featurized ${fm.nRows} responses in ${featurizeSeconds.toFixed(2)} s (${Math.round(fm.nRows / featurizeSeconds)} responses/s, ${(fm.idx.length / fm.nRows + promptNnz).toFixed(0)} non-zeros per row of ${dim}: ${promptNnz.toFixed(0)} from the prompt, shared by its 8 responses)`,
  );
  const data = prepareData(prompts, cfg, fm);

  const tensorsBefore = tf.memory().numTensors;
  const session = new TrainingSession(data, cfg);
  for (let i = 0; i < warmup; i++) session.step();
  const tensorsAfterWarmup = tf.memory().numTensors;
  // The fastest of `repeat` timed blocks on each side: the machine may be shared with other jobs.
  const repeats = Math.max(1, Number(values.repeat));
  let lossLast = NaN;
  let secs = Infinity;
  let cpuSecs = Infinity;
  for (let rep = 0; rep < repeats; rep++) {
    t = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) lossLast = session.step();
    secs = Math.min(secs, (performance.now() - t) / 1000);
    const cpuUsed = process.cpuUsage(cpu0);
    cpuSecs = Math.min(cpuSecs, (cpuUsed.user + cpuUsed.system) / 1e6);
  }
  const tensorsAfter = tf.memory().numTensors;
  const stepsPerS = steps / secs;
  log(
    `octorank (${backend}, fastest of ${repeats}): ${steps} steps in ${secs.toFixed(2)} s = ${stepsPerS.toFixed(1)} steps/s (${(steps / cpuSecs).toFixed(1)} steps per CPU-second), ${Math.round(stepsPerS * batch * data.nMax)} responses/s; tensors ${tensorsAfterWarmup} -> ${tensorsAfter} (${tensorsBefore} before the session)`,
  );

  // Where the time goes: phases of one step, averaged.
  const phases: Record<string, number> = {};
  {
    const reps = 50;
    const vars = paramList(session.params);
    // CPU time of this process (robust to other load on the machine), ms per call
    const time = (name: string, f: () => void) => {
      const c0 = process.cpuUsage();
      for (let i = 0; i < reps; i++) f();
      const c = process.cpuUsage(c0);
      phases[name] = (c.user + c.system) / 1000 / reps;
    };
    const b = fillBatch(data, session.nextBatch());
    time("batch (JS gather)", () => fillBatch(data, session.nextBatch(), b));
    time("forward + loss", () => tf.tidy(() => void session.batchLoss(session.batchTensors(b)).dataSync()));
    time("forward + backward", () =>
      tf.tidy(() => {
        const bt = session.batchTensors(b);
        const g = tf.variableGrads(() => session.batchLoss(bt), vars);
        void g.value.dataSync();
      }),
    );
    time("full step (+ Adam)", () => void session.step());
    if (values.profile) {
      const prof = await tf.profile(() => {
        for (let i = 0; i < 10; i++) session.step();
      });
      const byKernel = new Map<string, number>();
      for (const k of prof.kernels)
        byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (Number(k.kernelTimeMs) || 0) / 10);
      const top = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12);
      for (const [k, ms] of top) phases[`kernel ${k}`] = ms;
    }
  }
  log("CPU ms per step, by phase (cumulative) and by kernel (--profile):");
  for (const [k, v] of Object.entries(phases)) log(`  ${k}: ${v.toFixed(2)} ms`);

  // Optional: the naive tfjs trainer (dense input matMul, autograd through the utility, tf.train.adam).
  let naiveStepsPerS: number | null = null;
  const naiveSteps = Number(values.naive);
  if (naiveSteps > 0) {
    const opt = tf.train.adam(cfg.learningRate, 0.9, 0.999, 1e-8);
    const vars = paramList(session.params);
    const nCols = data.input.nCols;
    const naiveStep = () => {
      const b = fillBatch(data, session.nextBatch());
      tf.tidy(() => {
        const promptOfRow = Array.from(b.rowIds, (_, r) => b.promptIds[Math.floor(r / data.nMax)] as number);
        const x = tf.tensor2d(denseInputRows(data, Array.from(b.rowIds), promptOfRow), [b.rowIds.length, nCols]);
        const t = session.batchTensors(b);
        const loss = opt.minimize(
          () => {
            const r = tf.sigmoid(tf.reshape(forwardPlain(session.params, x), [t.B, data.nMax])) as tf.Tensor2D;
            return pairLoss(r, t.weights, t.gamma, cfg.utility, cfg.eps, t.nWeighted);
          },
          true,
          vars,
        );
        loss?.dataSync();
      });
    };
    naiveStep();
    const t0 = performance.now();
    for (let i = 0; i < naiveSteps; i++) naiveStep();
    naiveStepsPerS = naiveSteps / ((performance.now() - t0) / 1000);
    opt.dispose();
    log(
      `naive tfjs trainer (${backend}; dense matMul + autograd + tf.train.adam): ${naiveStepsPerS.toFixed(2)} steps/s`,
    );
  }
  session.dispose();

  // PyTorch reference, same features.
  let torch: {
    threads: number;
    steps_per_s: number;
    version: string;
    all: { threads: number; steps_per_s: number; steps_per_cpu_s: number }[];
  } | null = null;
  if (!values["no-torch"]) {
    const version = ensureTorch();
    if (!version) log("PyTorch unavailable: no reference (ratio n/a)");
    else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-bench-"));
      try {
        writeRaw(path.join(dir, "rowptr.i32"), fm.rowptr);
        writeRaw(path.join(dir, "idx.i32"), fm.idx);
        writeRaw(path.join(dir, "val.f32"), fm.val);
        writeRaw(path.join(dir, "prowptr.i32"), pr.rowptr);
        writeRaw(path.join(dir, "pidx.i32"), pr.idx);
        writeRaw(path.join(dir, "pval.f32"), pr.val);
        writeRaw(path.join(dir, "rowprompt.i32"), fm.rowPrompt as Int32Array);
        writeRaw(path.join(dir, "dense.f32"), data.dense);
        writeRaw(path.join(dir, "start.i32"), data.start);
        const pw = new Float32Array(prompts.length * data.nMax * data.nMax);
        data.pairW.forEach((w, i) => pw.set(w, i * data.nMax * data.nMax));
        writeRaw(path.join(dir, "pairw.f32"), pw);
        writeRaw(path.join(dir, "gamma.f32"), data.gamma);
        fs.writeFileSync(
          path.join(dir, "meta.json"),
          JSON.stringify({
            nRows: fm.nRows,
            dim,
            denseDim: data.spec.denseDim,
            prompts: prompts.length,
            n: data.nMax,
            hidden,
            batch,
            lr: cfg.learningRate,
            eps: cfg.eps,
          }),
        );
        const script = path.join(process.cwd(), "bench", "torch_trainer.py");
        const all: { threads: number; steps_per_s: number; steps_per_cpu_s: number }[] = [];
        for (const threads of [1, 2]) {
          // One BLAS thread pool of the requested size (OpenBLAS's own pool would oversubscribe).
          const env = {
            ...process.env,
            OMP_NUM_THREADS: String(threads),
            OPENBLAS_NUM_THREADS: String(threads),
            MKL_NUM_THREADS: String(threads),
          };
          const out = execFileSync(PY, [script, dir, String(threads), String(steps), String(warmup), String(repeats)], {
            encoding: "utf8",
            maxBuffer: 1 << 20,
            env,
          });
          const r = JSON.parse(out.trim().split("\n").pop() as string) as {
            threads: number;
            steps_per_s: number;
            steps_per_cpu_s: number;
          };
          all.push(r);
          log(
            `pytorch ${version} (${threads} thread${threads > 1 ? "s" : ""}, fastest of ${repeats}): ${r.steps_per_s.toFixed(1)} steps/s (${r.steps_per_cpu_s.toFixed(1)} steps per CPU-second)`,
          );
        }
        const best = all.reduce((a, b) => (b.steps_per_s > a.steps_per_s ? b : a));
        torch = { threads: best.threads, steps_per_s: best.steps_per_s, version, all };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }

  // The whole repro (log + conditioned) at the README's step count.
  let reproSeconds: number | null = null;
  if (!values["no-repro"]) {
    t = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join("scripts", "cli.ts"),
        "repro",
        "--utilities",
        "log,conditioned",
        "--steps",
        String(values["repro-steps"]),
        "--json",
      ],
      {
        encoding: "utf8",
        maxBuffer: 1 << 24,
      },
    );
    reproSeconds = (performance.now() - t) / 1000;
    if (r.status !== 0) {
      log(`repro failed: ${r.stderr}`);
      reproSeconds = null;
    } else
      log(
        `repro (log + conditioned, ${values["repro-steps"]} steps, 2048 + 256 prompts): ${reproSeconds.toFixed(1)} s wall`,
      );
  }

  const ratio = torch ? stepsPerS / torch.steps_per_s : null;
  const loadAtEnd = os.loadavg();
  const result = {
    machine: `${os.cpus()[0]?.model ?? "cpu"} x ${os.availableParallelism()}, node ${process.version}`,
    load_average: { start: loadAtStart, end: loadAtEnd },
    backend,
    dim,
    hidden,
    batch,
    responses_per_step: batch * data.nMax,
    featurize_seconds: featurizeSeconds,
    steps,
    repeats,
    steps_per_s: stepsPerS,
    steps_per_cpu_s: steps / cpuSecs,
    responses_per_s: stepsPerS * batch * data.nMax,
    loss_last: lossLast,
    tensors_before: tensorsAfterWarmup,
    tensors_after: tensorsAfter,
    phases_ms: phases,
    torch_version: torch?.version ?? null,
    torch_threads: torch?.threads ?? null,
    torch_steps_per_s: torch?.steps_per_s ?? null,
    torch_all: torch?.all ?? null,
    ratio,
    naive_steps_per_s: naiveStepsPerS,
    repro_seconds: reproSeconds,
  };
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(" ");
    log(
      `${result.machine}; load average ${load(loadAtStart)} at the start, ${load(loadAtEnd)} at the end (1, 5, 15 min)`,
    );
    log(
      `ratio = octorank ${stepsPerS.toFixed(1)} steps/s / pytorch ${torch ? torch.steps_per_s.toFixed(1) : "n/a"} steps/s = ${ratio === null ? "n/a" : ratio.toFixed(2)}`,
    );
  }
}
