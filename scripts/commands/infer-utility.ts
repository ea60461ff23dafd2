/**
 * `npm run cli -- infer-utility FILE.jsonl [--json] [--eps 0.1] [--split train|test|all] [--utility U]`
 *
 * The utility a reward model was trained with, read back from its rewards (ml/implied-utility.ts).
 * FILE is the `diagnose` format, one prompt per line: {"id", "openness", "rewards": [per response],
 * "ranking"?: [[response indices], ...] best group first, "split"?: "train" | "test"}; `repro
 * --out` files (prompt_id, one line per utility) are read too, picking one utility with --utility.
 * By default the training prompts are used when the file marks splits (the objective shaped
 * those), else every prompt.
 */
import fs from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { DEFAULT_EPS } from "../../ml/utility";
import { impliedUtility, type UtilityProfile } from "../../ml/implied-utility";
import { tieGroups } from "../../ml/verdict";

export const USAGE =
  "Usage: npm run cli -- infer-utility FILE.jsonl [--json] [--eps E (default 0.1, the trainer's)] [--split train|test|all] [--utility U (repro files)]";

const lineSchema = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    prompt_id: z.union([z.string(), z.number()]).optional(),
    openness: z.number().min(0).max(1).nullable().optional(),
    rewards: z.array(z.number().finite()).min(1),
    ranking: z.array(z.array(z.number().int().min(0))).optional(),
    split: z.enum(["train", "test"]).optional(),
    utility: z.string().optional(),
  })
  .refine((l) => l.id !== undefined || l.prompt_id !== undefined, { message: "each line needs an id" })
  .refine(
    (l) => !l.ranking || l.ranking.flat().every((i) => i < l.rewards.length),
    "ranking indices must point into rewards",
  );
type Line = z.infer<typeof lineSchema>;

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

  let lines: Line[] = fs
    .readFileSync(file, "utf8")
    .split("\n")
    .flatMap((text, i) => {
      if (!text.trim()) return [];
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new Error(`${file}:${i + 1}: not JSON`);
      }
      const parsed = lineSchema.safeParse(json);
      if (!parsed.success) throw new Error(`${file}:${i + 1}: ${parsed.error.issues[0]?.message}`);
      return [parsed.data];
    });
  const utilities = [...new Set(lines.flatMap((l) => (l.utility ? [l.utility] : [])))];
  if (values.utility) lines = lines.filter((l) => l.utility === values.utility);
  else if (utilities.length > 1)
    throw new Error(`${file} holds several utilities (${utilities.join(", ")}): pick one with --utility`);
  const split =
    values.split === "auto" ? (lines.some((l) => l.split === "train") ? "train" : "all") : (values.split ?? "all");
  if (split !== "all") lines = lines.filter((l) => l.split === split);
  if (!lines.length)
    throw new Error(
      `${file}: no prompts to read (after --split ${split}${values.utility ? ` --utility ${values.utility}` : ""})`,
    );

  const profiles: UtilityProfile[] = lines.map((l) => ({
    id: String(l.id ?? l.prompt_id),
    rewards: l.rewards,
    groups: l.ranking ? (tieGroups(l.rewards.length, [l.ranking]) ?? undefined) : undefined,
    openness: l.openness ?? null,
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
