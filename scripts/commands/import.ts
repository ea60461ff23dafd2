import { readTextFile } from "../dispatch";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { getStore } from "../../lib/db";
import { describeImport, ImportTooLargeError, importJsonlFile, MAX_IMPORT_BYTES } from "../../lib/datasets/import";
import { IMPORT_FORMATS, type ImportFormat } from "../../lib/datasets/preference-files";

export const USAGE = `Usage: npm run cli -- import --dataset <slug> FILE.jsonl [--format ${IMPORT_FORMATS.join("|")}]
  [--annotator NAME] [--rating-key FIELD]
  [--name N] [--guidelines-file F.md] [--responses-per-prompt 8] [--annotations-per-prompt 3] [--json]
A slug that does not exist yet is created with these settings. --format trl reads TRL preference rows
(rows of one prompt merge), --format ratings rated completions (UltraFeedback style; equal ratings tie);
--annotator names who their rankings are by when rows do not say (docs/data.md).`;

export async function run(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dataset: { type: "string" },
      name: { type: "string" },
      "guidelines-file": { type: "string" },
      "responses-per-prompt": { type: "string" },
      "annotations-per-prompt": { type: "string" },
      format: { type: "string", default: "octorank" },
      annotator: { type: "string" },
      "rating-key": { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (!(IMPORT_FORMATS as readonly string[]).includes(values.format))
    throw new Error(`--format is one of ${IMPORT_FORMATS.join(", ")}.\n${USAGE}`);
  const file = positionals[0];
  if (!values.dataset || !file || positionals.length > 1) throw new Error(USAGE);
  if (!fs.existsSync(file)) throw new Error(`No such file: ${file}`);
  if (fs.statSync(file).size > MAX_IMPORT_BYTES) throw new ImportTooLargeError();
  const result = await importJsonlFile(getStore(), file, {
    slug: values.dataset,
    format: values.format as ImportFormat,
    annotator: values.annotator,
    ratingKey: values["rating-key"],
    create: {
      name: values.name,
      guidelines: values["guidelines-file"] ? readTextFile(values["guidelines-file"]) : undefined,
      responsesPerPrompt: values["responses-per-prompt"] ? Number(values["responses-per-prompt"]) : undefined,
      annotationsPerPrompt: values["annotations-per-prompt"] ? Number(values["annotations-per-prompt"]) : undefined,
    },
  });
  console.log(values.json ? JSON.stringify(result) : describeImport(result));
  if (!result.ok) process.exitCode = 1;
}
