/**
 * `npm test`: every check in order (`npm test -- e2e unit` runs only those), stopping at the first
 * that fails, then a table of how long each stage took, so a slow stage shows where it is.
 */
import { spawnSync } from "node:child_process";

/** A stage is an npm script; a lane that needs more than one command gets a script of its own. */
const STAGES = [
  { name: "typecheck", script: "typecheck" },
  { name: "lint", script: "lint" },
  { name: "unit", script: "test:unit" },
  { name: "e2e", script: "test:e2e" },
  { name: "python", script: "test:python" },
] as const;

type Outcome = { name: string; seconds: number; status: "passed" | "failed" | "not run" };

function formatSeconds(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - 60 * m;
  return m > 0 ? `${m}m ${s.toFixed(0).padStart(2, "0")}s` : `${s.toFixed(1)}s`;
}

function timingTable(outcomes: Outcome[]): string {
  const total = outcomes.reduce((sum, o) => sum + o.seconds, 0);
  const rows = [
    ...outcomes.map((o) => [o.name, o.status, formatSeconds(o.seconds)]),
    ["total", "", formatSeconds(total)],
  ];
  const width = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) => `  ${r[0]!.padEnd(width[0]!)}  ${r[1]!.padEnd(width[1]!)}  ${r[2]!.padStart(width[2]!)}`)
    .join("\n");
}

function main(argv: string[]): number {
  const unknown = argv.filter((name) => !STAGES.some((s) => s.name === name));
  if (unknown.length) {
    console.error(`Unknown stage ${unknown.join(", ")}; the stages are ${STAGES.map((s) => s.name).join(", ")}.`);
    return 2;
  }
  const chosen = argv.length ? STAGES.filter((s) => argv.includes(s.name)) : STAGES;
  const outcomes: Outcome[] = chosen.map((s) => ({ name: s.name, seconds: 0, status: "not run" }));
  let failed = false;
  for (const [i, stage] of chosen.entries()) {
    if (failed) break;
    console.log(`\n── ${stage.name} ──`);
    const startedAt = performance.now();
    const result = spawnSync("npm", ["run", "--silent", stage.script], { stdio: "inherit" });
    const outcome = outcomes[i]!;
    outcome.seconds = (performance.now() - startedAt) / 1000;
    outcome.status = result.status === 0 ? "passed" : "failed";
    failed = outcome.status === "failed";
  }
  console.log(`\nnpm test stages:\n${timingTable(outcomes)}`);
  return failed ? 1 : 0;
}

process.exit(main(process.argv.slice(2)));
