/**
 * `npm run bench -- openness [--prompts 600] [--annotators 12] [--per-prompt 1,3] [--seed 1] [--json]`
 *
 * The two openness estimators (prompt text; rankings) on simulated annotators
 * (ml/simulation/synthetic-annotations.ts), each trained on 75% of the tagged prompts and judged on the rest
 * against the mean tag and against the annotators' own leave-one-annotator-out ceiling.
 */
import { parseArgs } from "node:util";
import {
  evaluateOpennessEstimator,
  type OpennessEvaluation,
  fitRankingOpenness,
  fitTextOpennessOn,
  annotateAll,
  simulatedAnnotators,
  syntheticOpennessPrompts,
} from "@/ml";

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      prompts: { type: "string", default: "600" },
      annotators: { type: "string", default: "12" },
      "per-prompt": { type: "string", default: "1,3" },
      seed: { type: "string", default: "1" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "Usage: npm run bench -- openness [--prompts 600] [--annotators 12] [--per-prompt 1,3] [--seed 1] [--json]",
    );
    return;
  }
  const prompts = Number(values.prompts);
  const seed = Number(values.seed);
  const perPrompt = String(values["per-prompt"]).split(",").map(Number);
  if (!(prompts >= 8) || perPrompt.some((k) => !(k >= 1) || k > Number(values.annotators)))
    throw new Error("--prompts must be >= 8 and each --per-prompt between 1 and --annotators");
  const sim = syntheticOpennessPrompts({ prompts, seed });
  const annotators = simulatedAnnotators(Number(values.annotators), seed);
  const rows: (OpennessEvaluation & { perPrompt: number })[] = [];
  for (const k of perPrompt) {
    const data = annotateAll(sim, annotators, k, seed);
    for (const fit of [fitTextOpennessOn, fitRankingOpenness])
      rows.push({ perPrompt: k, ...evaluateOpennessEstimator(data, fit, { seed }) });
  }
  if (values.json) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const f = (x: number | null | undefined) => (x === null || x === undefined ? "—" : x.toFixed(3));
  console.log(`${prompts} simulated prompts, ${values.annotators} annotators, 25% held out, seed ${seed}.`);
  console.log(
    "| tags/prompt | estimator | MAE vs mean tag | Spearman vs mean tag | MAE vs others (ceiling) | Spearman vs others (ceiling) | baseline MAE | 95% coverage |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const r of rows)
    console.log(
      `| ${r.perPrompt} | ${r.estimator} | ${f(r.vsMeanTag.mae)} | ${f(r.vsMeanTag.spearman)} | ${f(r.vsOthers.mae)} (${f(r.ceiling?.mae)}) | ${f(r.vsOthers.spearman)} (${f(r.ceiling?.spearman)}) | ${f(r.baseline.mae)} | ${f(r.coverage95)} |`,
    );
}
