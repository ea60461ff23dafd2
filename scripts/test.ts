/**
 * `npm test`: every check (`npm test -- e2e unit` runs only those), stopping after the first step
 * that fails, then a table of how long each stage took, so a slow stage shows where it is.
 */
import fs from "node:fs";
import path from "node:path";
import { spawn, type SpawnOptions } from "node:child_process";

/** A stage is a command, mostly an npm script; a lane that needs more than one command gets a script of its own. */
type Stage = { name: string; command: string[] };

const npmScript = (script: string, ...args: string[]) => [
  "npm",
  "run",
  "--silent",
  script,
  ...(args.length ? ["--", ...args] : []),
];

/** better-sqlite3's addon, which its install script compiles (SQLite from source, offline). */
const SQLITE_ADDON = path.join("node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node");

/**
 * Only when the addon is missing, as after `npm ci --ignore-scripts` (.ci/run): compiling SQLite
 * keeps one core busy for a minute and a half, and the stages beside it use the other. Nothing
 * before the unit stage loads the addon. JOBS=max: node-gyp compiles its two sources side by side.
 */
const NATIVE: Stage = { name: "native", command: ["env", "JOBS=max", "npm", "rebuild", "better-sqlite3"] };

/**
 * Steps run in order; the stages of one step run at the same time, as none keeps both cores busy
 * for long alone (tsc, eslint, SQLite's compile and the Python lane's pytest are single-threaded).
 * The first stage of a step shows its output as it comes, the others' is shown whole as each ends.
 */
const STEPS: Stage[][] = [
  [
    { name: "typecheck", command: npmScript("typecheck") },
    { name: "lint", command: npmScript("lint") },
    // `next build` for the e2e and Python lanes, when the sources changed since the last one.
    { name: "build", command: npmScript("test:e2e", "--build-only") },
    ...(fs.existsSync(SQLITE_ADDON) ? [] : [NATIVE]),
  ],
  // On both backends: vitest.config.mts's `sqlite` and `postgres` projects share one pool of workers.
  [{ name: "unit", command: npmScript("test:unit") }],
  [
    { name: "e2e", command: npmScript("test:e2e") },
    { name: "python", command: npmScript("test:python") },
  ],
];
const STAGES = STEPS.flat();

type Outcome = { name: string; seconds: number; status: "passed" | "failed" | "not run" | "stopped" };

function formatSeconds(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - 60 * m;
  return m > 0 ? `${m}m ${s.toFixed(0).padStart(2, "0")}s` : `${s.toFixed(1)}s`;
}

function timingTable(outcomes: Outcome[], totalSeconds: number): string {
  const rows = [
    ...outcomes.map((o) => [o.name, o.status, formatSeconds(o.seconds)]),
    ["total", "", formatSeconds(totalSeconds)],
  ];
  const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => `  ${r[0]!.padEnd(width[0]!)}  ${r[1]!.padEnd(width[1]!)}  ${r[2]!.padStart(width[2]!)}`)
    .join("\n");
}

type Finished = { status: number | null; output: string };
type Running = { finished: Promise<Finished>; stop: () => void };

/**
 * Runs a command; with `capture`, its stdout and stderr are kept (in arrival order) instead of
 * shown. `stop` ends a background command if it is still running.
 */
function start(
  command: string,
  args: string[],
  { capture = false, background = false, env = process.env } = {},
): Running {
  // In the background: a process group of its own, which `stop` ends and the terminal's Ctrl-C does not reach.
  const options: SpawnOptions = { stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit", env, detached: background };
  const child = spawn(command, args, options);
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Finished>((resolve) => {
    child.on("error", (error) => chunks.push(Buffer.from(`${error.message}\n`)));
    child.on("close", (status) => resolve({ status, output: Buffer.concat(chunks).toString() }));
  });
  const stop = () => {
    if (background && child.exitCode === null && child.signalCode === null && child.pid)
      process.kill(-child.pid, "SIGTERM");
  };
  return { finished, stop };
}

/**
 * The Python lane's venv, made in the background from the start at a low priority: installing it
 * keeps one core busy for a while, and the other stages leave a core idle now and then. The python
 * stage waits for it (and makes the venv itself if this failed, reporting the error there).
 */
function prepareVenvEarly(env: NodeJS.ProcessEnv): Running {
  return start("nice", ["-n", "10", "npm", "run", "--silent", "test:python", "--", "--venv-only"], {
    capture: true,
    background: true,
    env,
  });
}

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((name) => !STAGES.some((s) => s.name === name));
  if (unknown.length) {
    console.error(`Unknown stage ${unknown.join(", ")}; the stages are ${STAGES.map((s) => s.name).join(", ")}.`);
    return 2;
  }
  const wanted = new Set(argv.length ? argv : STAGES.map((s) => s.name));
  // Both lanes serve the build; the addon whenever it is missing, as every later stage loads it.
  if (wanted.has("e2e") || wanted.has("python")) wanted.add("build");
  wanted.add(NATIVE.name);
  const steps = STEPS.map((step) => step.filter((s) => wanted.has(s.name))).filter((step) => step.length);
  const outcomes = new Map<string, Outcome>(
    steps.flat().map((s) => [s.name, { name: s.name, seconds: 0, status: "not run" }]),
  );
  const env: NodeJS.ProcessEnv = { ...process.env };
  const startedAt = performance.now();
  const venv = outcomes.has("python") ? prepareVenvEarly(env) : undefined;
  const venvOutcome: Outcome = { name: "python venv, alongside", seconds: 0, status: "not run" };
  void venv?.finished.then(({ status }) => {
    venvOutcome.seconds = (performance.now() - startedAt) / 1000;
    venvOutcome.status = status === 0 ? "passed" : "failed";
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      venv?.stop();
      process.exit(130);
    });
  for (const step of steps) {
    const results = await Promise.all(
      step.map(async (stage, i) => {
        const shown = i === 0;
        const stageStartedAt = performance.now();
        if (shown) console.log(`\n── ${stage.name} ──`);
        let venvOutput = "";
        if (stage.name === "python" && venv) venvOutput = (await venv.finished).output.trim();
        if (shown && venvOutput) console.log(venvOutput);
        // SQLite's compile is the longest stage of its step: the others yield it a core.
        const niceness = step.includes(NATIVE) && stage !== NATIVE ? ["nice", "-n", "5"] : [];
        const [command, ...args] = [...niceness, ...stage.command] as [string, ...string[]];
        const stageEnv = { ...env };
        // tsc beside it checks the types, and a type error fails the step: the build need not check them again.
        if (stage.name === "build" && wanted.has("typecheck")) stageEnv.OCTORANK_SKIP_TYPECHECK = "1";
        const { status, output } = await start(command, args, { capture: !shown, env: stageEnv }).finished;
        const outcome = outcomes.get(stage.name)!;
        outcome.seconds = (performance.now() - stageStartedAt) / 1000;
        outcome.status = status === 0 ? "passed" : "failed";
        if (!shown) console.log(`\n── ${stage.name} ──\n${[venvOutput, output.trimEnd()].filter(Boolean).join("\n")}`);
        return outcome;
      }),
    );
    if (results.some((o) => o.status === "failed")) break;
    // Built once: the lanes that run side by side after it must not each build again.
    if (outcomes.get("build")?.status === "passed") env.OCTORANK_SKIP_BUILD = "1";
  }
  venv?.stop();
  if (venv && venvOutcome.status === "not run") {
    venvOutcome.seconds = (performance.now() - startedAt) / 1000;
    venvOutcome.status = "stopped";
  }
  const totalSeconds = (performance.now() - startedAt) / 1000;
  const all = [...outcomes.values()];
  console.log(`\nnpm test stages:\n${timingTable(venv ? [...all, venvOutcome] : all, totalSeconds)}`);
  return all.some((o) => o.status === "failed") ? 1 : 0;
}

main(process.argv.slice(2)).then((status) => process.exit(status));
