/**
 * `npm run bench -- data [--lines 100000] [--pairs-annotations 35715]`
 *
 * Import and export in bounded memory. Each measurement runs in its own process so its peak RSS
 * is its own; the reference is the same work at a tenth of the size, measured in the same run, so
 * the figure that matters is the ratio (≈ 1 when memory does not grow with the data).
 *
 * The import file has `lines` prompts × 8 responses; the first `pairs-annotations` lines carry one
 * full ranking each (28 ordered pairs), so the pairs export has 28 × that many lines (1,000,020
 * for the defaults).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { openDatabase } from "../db/index";
import { sqliteStore } from "../db/store";
import { exportOptionsSchema, exportPages, exportStream } from "../lib/datasets/export";
import { importJsonlFile } from "../lib/datasets/import";

type Measurement = { seconds: number; peakRssMb: number; detail: string };

function writeImportFile(file: string, lines: number, annotated: number): number {
  const fd = fs.openSync(file, "w");
  const filler = "This response explains the answer step by step, with one example and a short summary at the end.";
  let buffer = "";
  for (let i = 0; i < lines; i++) {
    const line = {
      id: `b${i}`,
      prompt: `Benchmark prompt number ${i}: explain how to do task ${i % 977} well.`,
      responses: Array.from({ length: 8 }, (_, r) => ({ id: `r${r}`, text: `${r}. ${filler} (${i})` })),
      openness: (i % 5) / 4,
      ...(i < annotated
        ? {
            annotations: [
              {
                annotator: `rater-${i % 7}`,
                ranking: [0, 1, 2, 3, 4, 5, 6, 7].map((r) => [(r + i) % 8]),
                openness: (i % 5) / 4,
              },
            ],
          }
        : {}),
    };
    buffer += JSON.stringify(line) + "\n";
    if (buffer.length > 1 << 20) {
      fs.writeSync(fd, buffer);
      buffer = "";
    }
  }
  fs.writeSync(fd, buffer);
  fs.closeSync(fd);
  return fs.statSync(file).size;
}

async function child(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { child: { type: "string" }, db: { type: "string" }, file: { type: "string" } },
  });
  const start = performance.now();
  const db = openDatabase(values.db!);
  const store = sqliteStore(db);
  let detail: string;
  if (values.child === "import") {
    const result = await importJsonlFile(store, values.file!, { slug: "bench" });
    if (!result.ok) throw new Error(`import failed: ${JSON.stringify(result.errors.slice(0, 3))}`);
    detail = `${result.promptsCreated} prompts, ${result.annotationsCreated} annotations`;
  } else {
    const datasetId = (db.$client.prepare("select id from datasets where slug = 'bench'").get() as { id: number }).id;
    // The same path as the HTTP route: generator → web stream, read to the end like a client would.
    const stream = exportStream(exportPages(store, datasetId, exportOptionsSchema.parse({ format: "pairs" })), false);
    const reader = stream.getReader();
    let bytes = 0;
    let lines = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      for (let at = value.indexOf(10); at !== -1; at = value.indexOf(10, at + 1)) lines++;
    }
    detail = `${lines} pair lines, ${(bytes / 1e6).toFixed(0)} MB`;
  }
  const m: Measurement = {
    seconds: (performance.now() - start) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    detail,
  };
  process.stdout.write(JSON.stringify(m));
}

function measure(args: string[]): Measurement {
  const result = spawnSync(path.join("node_modules", ".bin", "tsx"), ["bench/index.ts", "data", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (result.status !== 0) throw new Error(`child failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as Measurement;
}

export async function run(argv: string[]): Promise<void> {
  if (argv.includes("--child")) return child(argv);
  const { values } = parseArgs({
    args: argv,
    options: {
      lines: { type: "string", default: "100000" },
      "pairs-annotations": { type: "string", default: "35715" },
    },
  });
  const lines = Number(values.lines);
  const annotated = Number(values["pairs-annotations"]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-bench-data-"));
  try {
    const rows: { size: string; importM: Measurement; exportM: Measurement; fileMb: number }[] = [];
    for (const scale of [10, 1]) {
      const n = Math.round(lines / scale);
      const a = Math.round(annotated / scale);
      const file = path.join(dir, `in-${n}.jsonl`);
      const db = path.join(dir, `bench-${n}.db`);
      const fileMb = writeImportFile(file, n, a) / 1e6;
      console.error(`${n} lines (${fileMb.toFixed(0)} MB): importing…`);
      const importM = measure(["--child", "import", "--db", db, "--file", file]);
      console.error(`  ${importM.detail}; exporting pairs…`);
      const exportM = measure(["--child", "export", "--db", db]);
      rows.push({ size: scale === 1 ? "full" : "reference (1/10)", importM, exportM, fileMb });
      fs.rmSync(file);
    }
    const [ref, full] = rows as [(typeof rows)[0], (typeof rows)[0]];
    console.log(`| run | import | import time | import peak RSS | pairs export | export time | export peak RSS |`);
    console.log(`|---|---|---|---|---|---|---|`);
    for (const r of rows) {
      console.log(
        `| ${r.size} | ${r.importM.detail} (${r.fileMb.toFixed(0)} MB) | ${r.importM.seconds.toFixed(1)} s | ${r.importM.peakRssMb.toFixed(0)} MB | ${r.exportM.detail} | ${r.exportM.seconds.toFixed(1)} s | ${r.exportM.peakRssMb.toFixed(0)} MB |`,
      );
    }
    console.log(
      `\nfull / reference: data ×10, import peak RSS ×${(full.importM.peakRssMb / ref.importM.peakRssMb).toFixed(2)}, export peak RSS ×${(full.exportM.peakRssMb / ref.exportM.peakRssMb).toFixed(2)}; ` +
        `throughput: import ${(lines / full.importM.seconds).toFixed(0)} lines/s, export ${((annotated * 28) / full.exportM.seconds).toFixed(0)} pairs/s (${os.cpus().length} cores, Node ${process.version})`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
