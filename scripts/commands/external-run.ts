import { readTextFile } from "../dispatch";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { getDb } from "../../lib/db";
import { datasetIdBySlug } from "../../lib/runs/request-run";
import { createExternalRun, externalRunSchema, MAX_SCORES_BYTES } from "../../lib/runs/external";
import { describeZodError } from "../../lib/http/body";
import { REWARD_LINKS, UTILITY_NAMES } from "@/ml";

export const USAGE = `Usage: npm run cli -- external-run FILE.jsonl --dataset <slug> [--name N]
  [--utility ${UTILITY_NAMES.join("|")}] [--eps 0.1] [--link ${REWARD_LINKS.join("|")}] [--json]
Records a reward model trained elsewhere as an external run of the dataset and prints its verdicts, as the
upload on /runs/external does. FILE: one line per prompt, {"prompt_id", "rewards": {response id: score}, "split"};
score the consensus export's responses and copy its split (docs/data.md).`;

export async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dataset: { type: "string" },
      name: { type: "string" },
      utility: { type: "string" },
      eps: { type: "string" },
      link: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const file = positionals[0];
  if (!values.dataset || !file || positionals.length > 1) throw new Error(USAGE);
  if (!fs.existsSync(file)) throw new Error(`No such file: ${file}`);
  if (fs.statSync(file).size > MAX_SCORES_BYTES) throw new Error("The scores file is over 20 MB.");
  const db = getDb();
  const datasetId = datasetIdBySlug(db, values.dataset);
  if (datasetId === null) throw new Error(`There is no dataset "${values.dataset}".`);
  const request = externalRunSchema.safeParse({
    datasetId,
    name: values.name,
    utility: values.utility,
    eps: values.eps,
    link: values.link,
  });
  if (!request.success) throw new Error(`${describeZodError(request.error)}\n${USAGE}`);
  const run = createExternalRun(db, request.data, readTextFile(file), null);
  if (values.json) {
    console.log(JSON.stringify({ run, dashboard: `/runs/${run.id}` }));
    return;
  }
  const lines = [`External run ${run.id} on ${run.datasetSlug}: ${run.status}; dashboard /runs/${run.id}`];
  for (const split of ["test", "train"] as const) {
    const collapse = run.summary?.collapse[split];
    if (collapse) lines.push(`${split}: ${collapse.verdictKind ?? "verdict"} · ${collapse.verdict}`);
  }
  console.log(lines.join("\n"));
}
