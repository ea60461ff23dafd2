/**
 * `npm run cli -- diagnose FILE.jsonl [--json] [--eps E] [--split test|train|all] [--seed S]`: the
 * collapse verdict (ml/diagnosis/verdict.ts) on any reward model's scores, one JSONL line per prompt.
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { type CollapseReport, type DiagnosisPrompt, collapseReport, DEFAULT_EPS } from "@/ml";

export const USAGE = `Usage: npm run cli -- diagnose FILE.jsonl [--json] [--eps ${DEFAULT_EPS}] [--split test|train|all] [--seed 1]
One line per prompt: {"id", "openness": 0..1, "rewards": [a reward per response],
  "ranking"?: [[response indices], ...] best group first (a group of several is a tie),
  "split"?: "train"|"test"}
--eps is the utility smoothing the reward model was trained with (targets are solved at it; 0 is
the paper's exact theory). Held-out ("test") prompts are judged when there are any.`;

const lineSchema = z
  .object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    openness: z.number().min(0).max(1),
    rewards: z.array(z.number().finite()).min(1).max(512),
    ranking: z.array(z.array(z.number().int().min(0)).min(1)).optional(),
    split: z.enum(["train", "test"]).optional(),
  })
  .superRefine((p, ctx) => {
    if (!p.ranking) return;
    const seen = new Set<number>();
    for (const i of p.ranking.flat()) {
      if (i >= p.rewards.length)
        ctx.addIssue({ code: "custom", message: `ranking names response ${i}, but there are ${p.rewards.length}` });
      if (seen.has(i)) ctx.addIssue({ code: "custom", message: `ranking names response ${i} twice` });
      seen.add(i);
    }
  });

/** Parses a diagnose file; every bad line is reported with its number and reason. */
export function parseDiagnoseFile(text: string): DiagnosisPrompt[] {
  const prompts: DiagnosisPrompt[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      problems.push(`line ${i + 1}: not JSON`);
      return;
    }
    const parsed = lineSchema.safeParse(raw);
    if (!parsed.success)
      problems.push(
        `line ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.length ? `${x.path.join(".")}: ` : ""}${x.message}`).join("; ")}`,
      );
    else prompts.push(parsed.data);
  });
  if (problems.length)
    throw new Error(
      `${problems.slice(0, 20).join("\n")}${problems.length > 20 ? `\n… ${problems.length - 20} more` : ""}`,
    );
  if (prompts.length === 0) throw new Error("the file has no prompt lines");
  return prompts;
}

/** The report as the documented JSON object (snake_case keys). */
export function reportJson(r: CollapseReport) {
  return {
    kind: r.kind,
    verdict: r.verdict,
    rule: r.rule,
    reasons: r.reasons,
    eps: r.eps,
    split: r.split,
    gap: r.gap,
    gap_ci: r.gapCi,
    ideal_gap: r.idealGap,
    normalized_gap: r.normalizedGap,
    normalized_gap_ci: r.normalizedGapCi,
    tracking: {
      slope: r.tracking.slope,
      intercept: r.tracking.intercept,
      r2: r.tracking.r2,
      ci: r.tracking.ci,
      spearman: r.tracking.spearman,
      prompts: r.tracking.prompts,
    },
    accuracy: r.accuracy,
    accuracy_ci: r.accuracyCi,
    prompts: r.prompts,
    n_open: r.nOpen,
    n_closed: r.nClosed,
    flat_share: r.flatShare,
    thresholds: r.thresholds,
    per_prompt: r.perPrompt.map((p) => ({
      id: p.id,
      openness: p.openness,
      split: p.split,
      implied_openness: p.impliedOpenness,
      misfit: p.misfit,
      spread: p.spread,
      accuracy: p.accuracy,
      flat: p.flat,
      flags: p.flags,
    })),
  };
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      eps: { type: "string" },
      split: { type: "string" },
      seed: { type: "string" },
    },
    strict: true,
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new Error(USAGE);
  const eps = values.eps === undefined ? DEFAULT_EPS : Number(values.eps);
  if (!(eps >= 0 && eps <= 10)) throw new Error(`--eps must be a number from 0 to 10, got ${values.eps}`);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  const split = values.split;
  if (split !== undefined && split !== "test" && split !== "train" && split !== "all")
    throw new Error(`--split must be test, train or all, got ${split}`);
  const prompts = parseDiagnoseFile(fs.readFileSync(file, "utf8"));
  const report = collapseReport(prompts, { eps, seed, split });
  if (values.json) {
    console.log(JSON.stringify(reportJson(report)));
    return;
  }
  console.log(`${report.kind}: ${report.verdict}`);
  console.log(`rule: ${report.rule}`);
  for (const r of report.reasons) console.log(`  - ${r}`);
  const flagged = report.perPrompt.filter((p) => p.flags.length > 0);
  if (flagged.length) {
    console.log(`flagged prompts (${flagged.length} of ${report.perPrompt.length}):`);
    for (const p of flagged.slice(0, 20))
      console.log(
        `  ${p.id} (openness ${p.openness}, implied ${p.impliedOpenness === null ? "n/a" : p.impliedOpenness.toFixed(2)}, misfit ${p.misfit.toFixed(3)}): ${p.flags.join(", ")}`,
      );
  }
}
