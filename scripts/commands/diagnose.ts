/**
 * `npm run cli -- diagnose FILE.jsonl [--json] [--eps E] [--link identity|logit] [--split test|train|all]
 * [--seed S] [--utility U]`: the collapse verdict (ml/diagnosis/verdict.ts) on any reward model's scores, in
 * the one scores format (lib/runs/scores-file.ts), one line per prompt.
 */
import { readTextFile } from "../dispatch";
import { parseArgs } from "node:util";
import {
  type CollapseReport,
  type DiagnosisPrompt,
  collapseReport,
  DEFAULT_EPS,
  REWARD_LINKS,
  type RewardLink,
} from "@/ml";
import { diagnosisPrompts, parseScoresFile } from "@/lib/runs/scores-file";

export const USAGE = `Usage: npm run cli -- diagnose FILE.jsonl [--json] [--eps ${DEFAULT_EPS}] [--link identity|logit] [--split test|train|all] [--seed 1] [--utility U]
One line per prompt: {"prompt_id", "rewards": {response_id: score, ...}, "openness": 0..1,
  "ranking"?: [[response ids], ...] best group first (a group of several is a tie; it must name every
  response exactly once), "split"?: "train"|"test", "cluster"?: template}
(the older {"id", "openness", "rewards": [...], "ranking"?: [[indices]]} and repro --out files, with
--utility, are read too). --eps is the utility smoothing the reward model was trained with (targets
are solved at it; 0 is the paper's exact theory). --link logit reads the scores as logits (a
Bradley-Terry model's output) and judges sigmoid(score), the bounded reward the theory is about;
identity (default) reads them as that reward. Held-out ("test") prompts are judged when there are any.`;

/** Parses a CLI scores file; every bad line is reported with its number and reason. */
export function parseDiagnoseFile(
  text: string,
  options: { link?: RewardLink; utility?: string } = {},
): DiagnosisPrompt[] {
  return diagnosisPrompts(parseScoresFile(text, { source: "cli", ...options }));
}

export function parseLink(value: string | undefined): RewardLink {
  if (value === undefined) return "identity";
  if (!(REWARD_LINKS as readonly string[]).includes(value))
    throw new Error(`--link must be ${REWARD_LINKS.join(" or ")}, got ${value}`);
  return value as RewardLink;
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
    model: {
      theta0: r.model.theta0,
      theta1: r.model.theta1,
      beta: r.model.beta,
      beta_ci: r.model.betaCi,
      permutation_p: r.model.permutationP,
      collapsed_gamma: r.model.collapsedGamma,
      prompts: r.model.prompts,
    },
    chance: r.chance,
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
    all_tied: r.allTied,
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
      admitted: p.admitted,
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
      link: { type: "string" },
      utility: { type: "string" },
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
  const prompts = parseDiagnoseFile(readTextFile(file), {
    link: parseLink(values.link),
    utility: values.utility,
  });
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
