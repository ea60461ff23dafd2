/**
 * `npm run cli -- infer-utility FILE.jsonl [--json] [--eps 0.1] [--split train|test|all] [--utility U]`
 *
 * The utility a reward model was trained with, read back from its rewards (ml/diagnosis/implied-utility.ts).
 * FILE is the `diagnose` format, one prompt per line: {"id", "openness", "rewards": [per response],
 * "ranking"?: [[response indices], ...] best group first, "split"?: "train" | "test"}; `repro
 * --out` files (prompt_id, one line per utility) are read too, picking one utility with --utility.
 * By default the training prompts are used when the file marks splits (the objective shaped
 * those), else every prompt.
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_EPS, impliedUtility, type UtilityProfile, tieGroups } from "@/ml";
import { parseDiagnoseFile } from "./diagnose";

export const USAGE =
  "Usage: npm run cli -- infer-utility FILE.jsonl [--json] [--eps E (default 0.1, the trainer's)] [--split train|test|all] [--utility U (repro files)]";

/**
 * A `repro --out` file (prompt_id, one line per utility) as diagnose lines of one utility; other
 * files are read as they are.
 */
function asDiagnoseText(text: string, utility: string | undefined): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  let first: { prompt_id?: unknown; utility?: unknown } = {};
  try {
    first = JSON.parse(lines[0] ?? "{}") as typeof first;
  } catch {
    return text; // the diagnose parser names the bad line
  }
  if (first.prompt_id === undefined || first.utility === undefined) return text;
  const rows = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const utilities = [...new Set(rows.map((r) => String(r.utility)))];
  if (!utility && utilities.length > 1)
    throw new Error(`this repro file holds several utilities (${utilities.join(", ")}): pick one with --utility`);
  const chosen = utility ?? utilities[0];
  const picked = rows.filter((r) => r.utility === chosen);
  if (!picked.length) throw new Error(`no lines for utility ${chosen} (the file has ${utilities.join(", ")})`);
  return picked
    .map(({ prompt_id, openness, rewards, split }) => JSON.stringify({ id: prompt_id, openness, rewards, split }))
    .join("\n");
}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    allowNegative: true,
    options: {
      json: { type: "boolean", default: false },
      eps: { type: "string" },
      split: { type: "string", default: "auto" },
      utility: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new Error(USAGE);
  const eps = values.eps === undefined ? DEFAULT_EPS : Number(values.eps);
  if (!Number.isFinite(eps) || eps < 0) throw new Error("--eps must be a number >= 0");
  if (!["auto", "train", "test", "all"].includes(values.split ?? "auto"))
    throw new Error("--split must be train, test or all");

  let prompts = parseDiagnoseFile(asDiagnoseText(fs.readFileSync(file, "utf8"), values.utility));
  const split =
    values.split === "auto" ? (prompts.some((p) => p.split === "train") ? "train" : "all") : (values.split ?? "all");
  if (split !== "all") prompts = prompts.filter((p) => p.split === split);
  if (!prompts.length) throw new Error(`${file}: no prompts to read with --split ${split}`);

  const profiles: UtilityProfile[] = prompts.map((p) => ({
    id: p.id,
    rewards: p.rewards,
    groups: p.ranking ? (tieGroups(p.rewards.length, [p.ranking]) ?? undefined) : undefined,
    openness: p.openness,
  }));
  const result = impliedUtility(profiles, { eps });
  const out = {
    gamma: result.gamma,
    gamma_ci: result.gammaCi,
    identifiable: result.identifiable,
    reason: result.reason,
    eps,
    split,
    prompts: result.prompts,
    fit_rmse: result.fitRmse,
    per_prompt: result.perPrompt.map((p, i) => ({
      id: p.id,
      gamma: p.gamma,
      gamma_ci: p.gammaCi,
      openness_implied: p.opennessImplied,
      openness_tagged: profiles[i]?.openness ?? null,
      identifiable: p.identifiable,
      fit_rmse: p.fitRmse,
    })),
  };
  if (values.json) {
    console.log(JSON.stringify(out));
    return;
  }
  const ci = out.gamma_ci ? `[${out.gamma_ci.map((x) => x.toFixed(2)).join(", ")}]` : "—";
  console.log(
    `effective utility: gamma ${out.gamma === null ? "—" : out.gamma.toFixed(2)} ${ci} (log 0, inverse -1, linear 1), ${out.identifiable ? "identifiable" : "NOT identifiable"}`,
  );
  console.log(`  ${out.reason}`);
  console.log(
    `  ${out.prompts} prompts with a shape (split ${split}, eps ${eps}); profile RMSE from the fitted targets ${out.fit_rmse ?? "—"}`,
  );
  const fixed = out.per_prompt.filter((p) => p.identifiable).length;
  console.log(`  per prompt: ${fixed} of ${out.per_prompt.length} identifiable on their own (--json for all)`);
}
