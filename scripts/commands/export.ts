import fs from "node:fs";
import zlib from "node:zlib";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { getStore } from "../../lib/db";
import { getDataset } from "../../lib/datasets/queries";
import { exportLines, exportOptionsSchema } from "../../lib/datasets/export";
import { describeZodError } from "../../lib/http/body";

export const USAGE = `Usage: npm run cli -- export --dataset <slug> --format annotations|consensus|pairs|pairs-text
  [--gzip] [--min-annotators N] [--min-agreement W] [--skip-not-rankable] [--accepted-only] [--run ID]
  [--margin] [--weight] [--split-seed 1] [--held-out-share 0.2] [--out FILE]
Writes JSONL to stdout (or FILE). pairs: TRL's conversational preference format (docs/data.md);
--margin adds each pair's rank distance, --weight writes one line per distinct pair with the number
of annotators who ordered it so; the split column is the held-out split runs with that seed and share use.`;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: "string" },
      format: { type: "string" },
      gzip: { type: "boolean", default: false },
      "min-annotators": { type: "string" },
      "min-agreement": { type: "string" },
      "skip-not-rankable": { type: "boolean", default: false },
      "accepted-only": { type: "boolean", default: false },
      run: { type: "string" },
      margin: { type: "boolean", default: false },
      weight: { type: "boolean", default: false },
      "split-seed": { type: "string" },
      "held-out-share": { type: "string" },
      out: { type: "string" },
    },
  });
  if (!values.dataset) throw new Error(USAGE);
  const parsed = exportOptionsSchema.safeParse({
    format: values.format,
    gzip: values.gzip,
    min_annotators: values["min-annotators"],
    min_agreement: values["min-agreement"],
    skip_not_rankable: values["skip-not-rankable"],
    accepted_only: values["accepted-only"],
    run: values.run,
    margin: values.margin,
    weight: values.weight,
    split_seed: values["split-seed"],
    held_out_share: values["held-out-share"],
  });
  if (!parsed.success) throw new Error(`${describeZodError(parsed.error)}\n${USAGE}`);
  const store = getStore();
  const dataset = await getDataset(store, values.dataset);
  if (!dataset) throw new Error(`There is no dataset "${values.dataset}".`);
  const lines = exportLines(store, dataset.id, parsed.data);
  // Readable.from pulls one line at a time and respects the destination's backpressure.
  const source = Readable.from(
    (async function* () {
      for await (const line of lines) yield line + "\n";
    })(),
  );
  const destination = values.out ? fs.createWriteStream(values.out) : process.stdout;
  try {
    if (parsed.data.gzip) await pipeline(source, zlib.createGzip(), destination);
    else await pipeline(source, destination);
  } catch (error) {
    // The reader went away (`… | head`): that is the reader's choice, not a failed export.
    if ((error as NodeJS.ErrnoException).code !== "EPIPE") throw error;
  }
}
