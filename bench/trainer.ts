/**
 * `npm run bench -- trainer [--json] [--steps 300] [--prompts 8192] [--no-repro] [--no-torch] [--profile]
 *   [--backend wasm|cpu] [--naive N] [--repro-steps 2000] [--repeat 3] [--torch-threads 1,2]`
 *
 * Trainer throughput on the paper-size synthetic workload (issue 7): 8,192 prompts x 8 responses,
 * default featurizer (4,096 hashed dims + 5 numeric) and model (hidden 128), batch 64 prompts,
 * conditioned loss, Adam. Reports featurizing time, steps/s, responses/s, tensor counts, CPU time
 * per phase of a step, the `repro` wall time (log + conditioned at docs/paper.md's full size), and
 * the same model in PyTorch (Debian python3-torch + OpenBLAS) measured in the same run.
 *
 * Fairness: the ratio = octorank steps/s / pytorch steps/s is taken, round by round, against the
 * faster of PyTorch's thread counts (1 and 2 by default; the CPU-time ratio against the one with
 * the most steps per CPU-second), each also printed with its own ratio. Octorank's trainer runs on
 * one thread (the wasm backend without threads). Both sides train the same model on the same features and batches
 * and exclude the same warm-up; their timed blocks alternate (one of ours, then one of each
 * PyTorch process, `--repeat` rounds), so both see the same load, and each round gives a ratio:
 * the bench prints their median and range, in wall time and in CPU time. OpenBLAS builds that do
 * not know the CPU fall back to generic SSE3 kernels ("Prescott"); the bench then names the
 * kernels the CPU supports (OPENBLAS_CORETYPE), unless that variable is set already.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
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

function ensureTorch(env: NodeJS.ProcessEnv): { version: string; blasCore: string | null } | null {
  const probe = () =>
    spawnSync(
      PY,
      [
        "-c",
        [
          "import ctypes, torch",
          "print(torch.__version__)",
          "try:",
          "    lib = ctypes.CDLL('libblas.so.3'); lib.openblas_get_corename.restype = ctypes.c_char_p",
          "    print(lib.openblas_get_corename().decode())",
          "except (OSError, AttributeError):",
          "    print('')",
        ].join("\n"),
      ],
      { encoding: "utf8", env },
    );
  let p = probe();
  if (p.status !== 0) {
    console.error("bench: PyTorch missing; installing python3-torch libopenblas0-pthread with apt-get ...");
    spawnSync("apt-get", ["install", "-y", "-qq", "python3-torch", "libopenblas0-pthread"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    p = probe();
  }
  if (p.status !== 0) return null;
  const [version = "", core = ""] = p.stdout.trim().split("\n");
  return { version, blasCore: core || null };
}

/**
 * The OpenBLAS kernels to name for this CPU when OpenBLAS fell back to its generic ones
 * ("Prescott": an OpenBLAS older than the CPU model): null to keep OpenBLAS's own choice.
 */
export function blasCoreOverride(detected: string | null, cpuFlags: ReadonlySet<string>): string | null {
  if (detected !== "Prescott") return null;
  if (cpuFlags.has("avx512f") && cpuFlags.has("avx512bw") && cpuFlags.has("avx512vl")) return "SkylakeX";
  if (cpuFlags.has("avx2") && cpuFlags.has("fma")) return "Haswell";
  return null;
}

function cpuFlags(): Set<string> {
  try {
    const line = fs
      .readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("flags"));
    return new Set((line?.split(":")[1] ?? "").trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

function writeRaw(file: string, a: Int32Array | Float32Array): void {
  fs.writeFileSync(file, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** One timed block of steps: wall and CPU seconds. */
interface Block {
  seconds: number;
  cpuSeconds: number;
}

/** A PyTorch reference process (bench/torch_trainer.py) that runs blocks of steps on request. */
class TorchReference {
  private readonly lines: AsyncIterator<string>;
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly threads: number,
  ) {
    this.lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(dir: string, threads: number, warmup: number, env: NodeJS.ProcessEnv) {
    const script = path.join(process.cwd(), "bench", "torch_trainer.py");
    const child = spawn(PY, [script, dir, String(threads), String(warmup)], {
      // One BLAS thread pool of the requested size (OpenBLAS's own pool would oversubscribe).
      env: {
        ...env,
        OMP_NUM_THREADS: String(threads),
        OPENBLAS_NUM_THREADS: String(threads),
        MKL_NUM_THREADS: String(threads),
      },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const ref = new TorchReference(child, threads);
    const ready = (await ref.next(() => stderr)) as { blas_core: string | null };
    return { ref, blasCore: ready.blas_core };
  }

  private async next(stderr: () => string = () => ""): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`the PyTorch reference (${this.threads} threads) ended: ${stderr()}`);
    return JSON.parse(r.value) as Record<string, unknown>;
  }

  async block(steps: number): Promise<Block> {
    this.child.stdin.write(`${steps}\n`);
    const r = (await this.next()) as { seconds: number; cpu_seconds: number };
    return { seconds: r.seconds, cpuSeconds: r.cpu_seconds };
  }

  close(): void {
    this.child.stdin.end();
  }
}

const median = (a: readonly number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** Median and range of a list of numbers. */
function spread(a: readonly number[]) {
  return { median: median(a), min: Math.min(...a), max: Math.max(...a) };
}

const fmtSpread = (x: { median: number; min: number; max: number }, digits = 2) =>
  `${x.median.toFixed(digits)} (${x.min.toFixed(digits)}-${x.max.toFixed(digits)})`;

export const USAGE = `Usage: npm run bench -- trainer [--json] [--steps 300] [--prompts 8192] [--no-repro] [--no-torch]
       [--profile] [--backend wasm|cpu] [--naive N] [--repro-steps 2000] [--repeat 3] [--torch-threads 1,2]
Trainer throughput on the paper-size synthetic workload, against PyTorch measured in the same run
(blocks alternating; the ratio, round by round, against the faster of PyTorch's thread counts).`;

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
      "torch-threads": { type: "string", default: "1,2" },
    },
  });
  const log = (s: string) => {
    if (!values.json) console.log(s);
  };
  // The ratio is only as good as the machine was quiet: the load goes out with it.
  const loadAtStart = os.loadavg();
  const steps = Number(values.steps);
  const nPrompts = Number(values.prompts);
  const repeats = Math.max(1, Number(values.repeat));
  const torchThreads = [...new Set([1, ...values["torch-threads"].split(",").map(Number)])].filter(
    (t) => Number.isInteger(t) && t > 0,
  );
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

  // The PyTorch references load the same features and warm up before any timed block.
  const torchRefs: TorchReference[] = [];
  let torchInfo: { version: string; blasCore: string | null; blasCoreSet: string | null } | null = null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-bench-"));
  try {
    if (!values["no-torch"]) {
      const env = { ...process.env };
      const probed = ensureTorch(env);
      if (!probed) log("PyTorch unavailable: no reference (ratio n/a)");
      else {
        const override = env.OPENBLAS_CORETYPE ? null : blasCoreOverride(probed.blasCore, cpuFlags());
        if (override) {
          env.OPENBLAS_CORETYPE = override;
          log(
            `OpenBLAS fell back to its generic "${probed.blasCore}" kernels on this CPU; the reference runs with OPENBLAS_CORETYPE=${override}, the kernels the CPU supports`,
          );
        }
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
        let blasCore = probed.blasCore;
        for (const threads of torchThreads) {
          // One at a time: each builds a dense copy of the features.
          const started = await TorchReference.start(dir, threads, warmup, env);
          torchRefs.push(started.ref);
          blasCore = started.blasCore;
        }
        torchInfo = { version: probed.version, blasCore, blasCoreSet: override ?? env.OPENBLAS_CORETYPE ?? null };
      }
    }

    const tensorsBefore = tf.memory().numTensors;
    const session = new TrainingSession(data, cfg);
    for (let i = 0; i < warmup; i++) session.step();
    const tensorsAfterWarmup = tf.memory().numTensors;

    // Rounds: one block of ours, then one of each PyTorch process.
    let lossLast = NaN;
    const ours: Block[] = [];
    const theirs: Block[][] = torchRefs.map(() => []);
    for (let rep = 0; rep < repeats; rep++) {
      t = performance.now();
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < steps; i++) lossLast = session.step();
      const cpuUsed = process.cpuUsage(cpu0);
      ours.push({ seconds: (performance.now() - t) / 1000, cpuSeconds: (cpuUsed.user + cpuUsed.system) / 1e6 });
      for (const [i, ref] of torchRefs.entries()) theirs[i]?.push(await ref.block(steps));
    }
    const tensorsAfter = tf.memory().numTensors;
    const rate = (b: Block) => steps / b.seconds;
    const cpuRate = (b: Block) => steps / b.cpuSeconds;
    // Wall time a step spent off the CPU (waiting, or preempted by other processes).
    const offCpuMs = (b: Block) => (1000 * Math.max(0, b.seconds - b.cpuSeconds)) / steps;
    // Round by round, so a slow block shows where in the run it fell (steps after the warm-up).
    const blockSummary = (b: Block) =>
      `${rate(b).toFixed(1)} steps/s, ${cpuRate(b).toFixed(1)} per CPU-second, ${offCpuMs(b).toFixed(2)} ms off the CPU per step`;
    ours.forEach((b, k) =>
      log(
        `round ${k + 1} (steps ${warmup + k * steps}-${warmup + (k + 1) * steps}): octorank ${blockSummary(b)}${torchRefs
          .map((ref, i) => `; pytorch ${ref.threads}t ${blockSummary(theirs[i]?.[k] as Block)}`)
          .join("")}`,
      ),
    );
    const oursRates = spread(ours.map(rate));
    const oursCpuRates = spread(ours.map(cpuRate));
    log(
      `octorank (${backend}, 1 thread, ${repeats} blocks of ${steps} steps): ${fmtSpread(oursRates, 1)} steps/s, median (range); ${fmtSpread(oursCpuRates, 1)} steps per CPU-second; ${fmtSpread(spread(ours.map(offCpuMs)))} ms off the CPU per step; ${Math.round(oursRates.median * batch * data.nMax)} responses/s; tensors ${tensorsAfterWarmup} -> ${tensorsAfter} (${tensorsBefore} before the session)`,
    );

    // Where the time goes: each phase of the step (session.step's marks), the median over steps
    // of its wall time (a median passes over the steps that another process interrupted) and the
    // mean of its CPU time (the process's, coarser per step but blind to preemption).
    const phases: Record<string, number> = {};
    const phasesCpu: Record<string, number> = {};
    {
      const reps = 100;
      const times = new Map<string, number[]>();
      const cpuTimes = new Map<string, number>();
      let last = 0;
      let lastCpu = process.cpuUsage();
      const mark = (phase: string) => {
        const now = performance.now();
        const cpu = process.cpuUsage(lastCpu);
        times.set(phase, [...(times.get(phase) ?? []), now - last]);
        cpuTimes.set(phase, (cpuTimes.get(phase) ?? 0) + (cpu.user + cpu.system) / 1000);
        last = now;
        lastCpu = process.cpuUsage();
      };
      for (let i = 0; i < reps; i++) {
        last = performance.now();
        lastCpu = process.cpuUsage();
        session.step(mark);
      }
      for (const [phase, ms] of times) phases[phase] = median(ms);
      for (const [phase, ms] of cpuTimes) phasesCpu[phase] = ms / reps;
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
    log(
      `ms per step, by phase (steps ${warmup + repeats * steps}-${warmup + repeats * steps + 100}: median wall time, mean CPU time; and by tfjs kernel with --profile):`,
    );
    for (const [k, v] of Object.entries(phases))
      log(`  ${k}: ${v.toFixed(2)} ms${k in phasesCpu ? ` (CPU ${(phasesCpu[k] as number).toFixed(2)} ms)` : ""}`);

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

    const torch = torchRefs.map((ref, i) => {
      const blocks = theirs[i] as Block[];
      const r = {
        threads: ref.threads,
        steps_per_s: spread(blocks.map(rate)),
        steps_per_cpu_s: spread(blocks.map(cpuRate)),
        off_cpu_ms_per_step: spread(blocks.map(offCpuMs)),
        // Per round: ours over theirs, wall and CPU.
        ratio: spread(blocks.map((b, k) => rate(ours[k] as Block) / rate(b))),
        cpu_ratio: spread(blocks.map((b, k) => cpuRate(ours[k] as Block) / cpuRate(b))),
      };
      log(
        `pytorch ${torchInfo?.version} (${ref.threads} thread${ref.threads > 1 ? "s" : ""}, OpenBLAS ${torchInfo?.blasCore ?? "?"}): ${fmtSpread(r.steps_per_s, 1)} steps/s; ${fmtSpread(r.steps_per_cpu_s, 1)} steps per CPU-second; ${fmtSpread(r.off_cpu_ms_per_step)} ms off the CPU per step; octorank / this: ${fmtSpread(r.ratio)} (wall), ${fmtSpread(r.cpu_ratio)} (CPU)`,
      );
      return r;
    });

    // The whole repro (log + conditioned) at docs/paper.md's full size.
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

    // Each round against PyTorch's best in that round: the most steps/s in wall time and the most
    // steps per CPU-second in CPU time, whichever thread count gave them.
    const best =
      torchRefs.length === 0
        ? null
        : {
            ratio: spread(ours.map((b, k) => rate(b) / Math.max(...theirs.map((t) => rate(t[k] as Block))))),
            cpu_ratio: spread(ours.map((b, k) => cpuRate(b) / Math.max(...theirs.map((t) => cpuRate(t[k] as Block))))),
          };
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
      steps_per_s: oursRates,
      steps_per_cpu_s: oursCpuRates,
      off_cpu_ms_per_step: spread(ours.map(offCpuMs)),
      rounds: ours.map((b, k) => ({
        octorank: b,
        torch: torchRefs.map((ref, i) => ({ threads: ref.threads, ...(theirs[i]?.[k] as Block) })),
      })),
      responses_per_s: oursRates.median * batch * data.nMax,
      loss_last: lossLast,
      tensors_before: tensorsAfterWarmup,
      tensors_after: tensorsAfter,
      phases_ms: phases,
      phases_cpu_ms: phasesCpu,
      torch_version: torchInfo?.version ?? null,
      openblas_core: torchInfo?.blasCore ?? null,
      openblas_coretype_set: torchInfo?.blasCoreSet ?? null,
      torch,
      ratio: best?.ratio ?? null,
      cpu_ratio: best?.cpu_ratio ?? null,
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
        best
          ? `ratio (octorank on 1 thread / pytorch's best of ${torchThreads.join(", ")} threads in each round; median of ${repeats} rounds, range) = ${fmtSpread(best.ratio)} in wall time, ${fmtSpread(best.cpu_ratio)} in CPU time`
          : "ratio n/a",
      );
    }
  } finally {
    for (const ref of torchRefs) ref.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
