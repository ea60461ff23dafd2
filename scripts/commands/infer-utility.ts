/**
 * `npm run cli -- infer-utility FILE.jsonl [--json] [--eps E] [--link identity|logit] [--split train|test|all] [--utility U]`
 *
 * The utility a reward model was trained with, read back from its rewards (ml/diagnosis/implied-utility.ts):
 * the Box-Cox γ and, unless --eps names it, the smoothing eps, fitted jointly. FILE is the one
 * scores format (lib/runs/scores-file.ts, as `diagnose` reads it; openness is optional here) or a
 * `repro --out` file, picking one utility with --utility. By default the training prompts are used
 * when the file marks splits (the objective shaped those), else every prompt.
 */
import { readTextFile } from "../dispatch";
import { parseArgs } from "node:util";
import { EPS_GRID, GAMMA_RANGE, impliedUtility, tieGroups, type UtilityProfile } from "@/ml";
import { diagnosisPrompts, parseScoresFile } from "@/lib/runs/scores-file";
import { parseLink } from "./diagnose";

export const USAGE = `Usage: npm run cli -- infer-utility FILE.jsonl [--json] [--eps E] [--link identity|logit] [--split train|test|all] [--utility U (repro files)]
Fits the Box-Cox gamma in [${GAMMA_RANGE.min}, ${GAMMA_RANGE.max}] and, without --eps, the smoothing eps in {${EPS_GRID.join(", ")}} jointly.`;

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
      link: { type: "string" },
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
  const eps = values.eps === undefined ? undefined : Number(values.eps);
  if (eps !== undefined && !(Number.isFinite(eps) && eps >= 0 && eps <= 10))
    throw new Error(`--eps must be a number from 0 to 10, got ${values.eps}`);
  if (!["auto", "train", "test", "all"].includes(values.split ?? "auto"))
    throw new Error("--split must be train, test or all");

  let prompts = diagnosisPrompts(
    parseScoresFile(readTextFile(file), {
      source: "cli",
      opennessOptional: true,
      link: parseLink(values.link),
      utility: values.utility,
    }),
  );
  const split =
    values.split === "auto" ? (prompts.some((p) => p.split === "train") ? "train" : "all") : (values.split ?? "all");
  if (split !== "all") prompts = prompts.filter((p) => p.split === split);
  if (!prompts.length) throw new Error(`${file}: no prompts to read with --split ${split}`);

  const profiles: UtilityProfile[] = prompts.map((p) => ({
    id: p.id,
    rewards: p.rewards,
    groups: p.ranking ? (tieGroups(p.rewards.length, [p.ranking]) ?? undefined) : undefined,
    openness: Number.isFinite(p.openness) ? p.openness : null,
  }));
  const result = impliedUtility(profiles, { eps });
  const out = {
    gamma: result.gamma,
    gamma_ci: result.gammaCi,
    identifiable: result.identifiable,
    reason: result.reason,
    eps: result.eps,
    eps_fitted: result.epsFitted,
    eps_plausible: result.epsPlausible,
    edge: result.edge,
    in_family: result.inFamily,
    family_rmse: result.familyRmse,
    noise_rmse: result.noiseRmse,
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
    `  ${out.prompts} prompts with a shape (split ${split}, eps ${out.eps}${out.eps_fitted ? " fitted" : " given"}); profile RMSE from the fitted targets ${out.fit_rmse ?? "—"}${out.in_family ? "" : "; NOT in the Box-Cox family"}${out.edge ? `; at the ${out.edge} edge` : ""}`,
  );
  const fixed = out.per_prompt.filter((p) => p.identifiable).length;
  console.log(`  per prompt: ${fixed} of ${out.per_prompt.length} identifiable on their own (--json for all)`);
}
