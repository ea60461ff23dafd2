/**
 * `npm run bench -- paper [--steps N] [--json]`: the app's "Reproduce the paper" (lib/runs/repro.ts)
 * at its full size, on a fresh SQLite file, each run trained the way the server's worker trains it
 * (executeRun) and judged the way its dashboard judges it (runDashboard). Prints each run's held-out
 * verdict, accuracy, normalised gap, tracking and training time against the paper's result, and the
 * paired control (Δβ, conditioned minus log, as the compare page shows it), which must be positive.
 * The e2e suite checks the button and the pages over a pair of plumbing-sized runs; whether the
 * science holds is this check's (`--steps 400` is the shortest pair it was seen to hold at).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../db/index";
import { claimRun } from "../lib/runs/lifecycle";
import { comparedRuns, runDashboard, type RunDashboard } from "../lib/runs/dashboard";
import { REPRO, reproducePaper } from "../lib/runs/repro";
import { executeRun } from "../lib/runs/training";

/**
 * The paper's result on held-out templates (docs/design.md): a fixed utility keeps some difference
 * from the response lengths alone (weakly aware at most), conditioning on openness adds to it.
 */
const EXPECTED = {
  log: { says: "not aware", holds: (verdict: string | null) => verdict !== null && verdict !== "aware" },
  conditioned: {
    says: "aware or weakly-aware",
    holds: (verdict: string | null) => verdict === "aware" || verdict === "weakly-aware",
  },
} as const;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: "string", default: String(REPRO.steps) },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(`Usage: npm run bench -- paper [--steps ${REPRO.steps}] [--json]`);
    return;
  }
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`--steps must be a whole number >= 1, got ${values.steps}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-bench-paper-"));
  const db = openDatabase(path.join(dir, "octorank.db"));
  try {
    const { id: userId } = db.$client
      .prepare("insert into users (email, name, role) values ('bench@bench.local', 'Bench', 'researcher') returning id")
      .get() as { id: number };
    const startedAt = performance.now();
    const { log, conditioned } = reproducePaper(db, userId, { steps });
    const datasetSeconds = (performance.now() - startedAt) / 1000;
    const rows = [];
    const dashboards: (RunDashboard | null)[] = [];
    for (const [utility, queued] of [
      ["log", log],
      ["conditioned", conditioned],
    ] as const) {
      claimRun(db, queued.id, process.pid);
      const trainStart = performance.now();
      const outcome = await executeRun(db, queued.id);
      const seconds = (performance.now() - trainStart) / 1000;
      const dashboard = runDashboard(db, queued.id);
      dashboards.push(dashboard);
      const held = dashboard?.splits.test;
      rows.push({
        utility,
        outcome,
        verdict: held?.verdictKind ?? null,
        expected: EXPECTED[utility].says,
        matches: outcome === "succeeded" && EXPECTED[utility].holds(held?.verdictKind ?? null),
        accuracy: held?.accuracy ?? null,
        normalizedGap: held?.normalizedGap ?? null,
        tracking: held?.tracking ?? null,
        heldOutPrompts: held?.prompts ?? 0,
        seconds,
      });
    }
    const [logRun, conditionedRun] = dashboards;
    const control = logRun && conditionedRun ? comparedRuns(db, logRun, conditionedRun) : null;
    const deltaBeta = control?.deltaBeta ?? null;
    const matches = rows.every((r) => r.matches) && deltaBeta !== null && deltaBeta > 0;
    if (!matches) process.exitCode = 1;
    if (values.json) {
      console.log(JSON.stringify({ prompts: REPRO.prompts, steps, datasetSeconds, rows, deltaBeta, matches }, null, 2));
      return;
    }
    const f = (x: number | null) => (x === null ? "—" : x.toFixed(3));
    console.log(
      `Reproduce the paper: ${REPRO.prompts} synthetic training prompts and ${REPRO.testPrompts} held-out ones ` +
        `(unseen templates), ${steps} steps per run, seed ${REPRO.seed}; dataset written in ${datasetSeconds.toFixed(1)} s.`,
    );
    console.log("| utility | verdict (expected) | held-out accuracy | normalised gap | tracking | seconds |");
    console.log("|---|---|---|---|---|---|");
    for (const r of rows)
      console.log(
        `| ${r.utility} | ${r.outcome === "succeeded" ? r.verdict : r.outcome} (${r.expected}) | ${f(r.accuracy)} | ${f(r.normalizedGap)} | ${f(r.tracking)} | ${r.seconds.toFixed(1)} |`,
      );
    console.log(`Paired control, conditioned minus log: Δβ ${f(deltaBeta)} (expected > 0). ${control?.summary ?? ""}`);
    console.log(
      matches ? "Both verdicts and the control are the paper's." : "A verdict or the control differs from the paper's.",
    );
  } finally {
    db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
