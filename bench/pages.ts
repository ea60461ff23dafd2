/**
 * `npm run bench -- pages [--prompts 200000] [--annotated 100000] [--keep path.db]`
 *
 * How long each piece of the dataset page (and the other per-request work that reads a whole
 * dataset) holds the event loop at `prompts` prompts, of which `annotated` carry two rankings
 * with openness tags. Every call is synchronous (better-sqlite3), so its duration is the time
 * every other request waits behind it. Each line is measured cold (just after a change to one
 * annotation, the state a busy team leaves the page in) and warm (nothing changed since).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDatabase, type Db } from "../db/index";
import { sqliteStore } from "../db/store";
import { datasetAggregates, refreshPromptStats } from "../lib/datasets/prompt-stats";
import { listDatasets } from "../lib/datasets/queries";
import { parsePromptSearch, searchPrompts } from "../lib/datasets/prompt-search";
import { storedOpennessEstimates } from "../lib/openness/estimates";
import { exportOptionsSchema, exportPages, exportStream } from "../lib/datasets/export";

const RESPONSES = 4;
const ANNOTATORS = 12;

function build(db: Db, prompts: number, annotated: number): number {
  const sqlite = db.$client;
  const { id } = sqlite
    .prepare(
      "insert into datasets (slug, name, responses_per_prompt, annotations_per_prompt) values ('big', 'Big', ?, 3) returning id",
    )
    .get(RESPONSES) as { id: number };
  const users = Array.from(
    { length: ANNOTATORS },
    (_, i) =>
      (
        sqlite
          .prepare("insert into users (email, name, password_hash, role) values (?, ?, 'x', 'annotator') returning id")
          .get(`a${i}@bench.local`, `Annotator ${i}`) as { id: number }
      ).id,
  );
  const prompt = sqlite.prepare("insert into prompts (dataset_id, external_id, text) values (?, ?, ?) returning id");
  const response = sqlite.prepare(
    "insert into responses (prompt_id, position, external_id, text) values (?, ?, ?, ?) returning id",
  );
  const annotation = sqlite.prepare(
    "insert into annotations (prompt_id, annotator_id, ranking, openness, duration_ms) values (?, ?, ?, ?, ?)",
  );
  sqlite.transaction(() => {
    for (let p = 0; p < prompts; p++) {
      const { id: promptId } = prompt.get(id, `b${p}`, `Benchmark prompt ${p}: explain task ${p % 977} well.`) as {
        id: number;
      };
      const ids: number[] = [];
      for (let r = 0; r < RESPONSES; r++)
        ids.push((response.get(promptId, r, `r${r}`, `Response ${r} to prompt ${p}.`) as { id: number }).id);
      if (p >= annotated) continue;
      for (let k = 0; k < 2; k++) {
        const order = k === 0 ? ids : [...ids].reverse();
        annotation.run(
          promptId,
          users[(p + k) % ANNOTATORS]!,
          JSON.stringify(order.map((i) => [i])),
          (p % 5) / 4,
          1000 + p,
        );
      }
    }
  })();
  return id;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

async function timeAsync<T>(fn: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** A change the page must show: one annotation's openness, then its prompt's stats refreshed. */
async function touch(db: Db, datasetId: number, n: number): Promise<void> {
  db.$client
    .prepare(
      "update annotations set openness = ?, updated_at = ? where id = (select a.id from annotations a join prompts p on p.id = a.prompt_id where p.dataset_id = ? order by a.id limit 1)",
    )
    .run(n % 2 ? 0.25 : 0.75, Date.now() + n, datasetId);
  await refreshPromptStats(sqliteStore(db), datasetId, 10);
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      prompts: { type: "string", default: "200000" },
      annotated: { type: "string", default: "100000" },
      keep: { type: "string" },
    },
  });
  const prompts = Number(values.prompts);
  const annotated = Number(values.annotated);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-bench-pages-"));
  const file = values.keep ?? path.join(dir, "pages.db");
  const fresh = !fs.existsSync(file);
  const db = openDatabase(file);
  const store = sqliteStore(db);
  try {
    let datasetId: number;
    if (fresh) {
      console.error(`Building ${prompts} prompts (${annotated} with 2 rankings) in ${file}…`);
      const built = time(() => build(db, prompts, annotated));
      datasetId = built.value;
      const refreshed = await timeAsync(() => refreshPromptStats(store, datasetId, Number.MAX_SAFE_INTEGER));
      console.error(`  built in ${(built.ms / 1000).toFixed(1)} s, stats in ${(refreshed.ms / 1000).toFixed(1)} s`);
    } else {
      datasetId = (db.$client.prepare("select id from datasets where slug = 'big'").get() as { id: number }).id;
    }
    const rows: [string, number, number][] = [];
    let n = 0;
    const measure = async (name: string, fn: () => unknown) => {
      await touch(db, datasetId, n++);
      const cold = (await timeAsync(fn)).ms;
      const warm = (await timeAsync(fn)).ms;
      rows.push([name, cold, warm]);
      console.error(`  ${name}: cold ${cold.toFixed(1)} ms, warm ${warm.toFixed(1)} ms`);
    };
    await measure("datasetAggregates (summary, histograms, annotators)", () => datasetAggregates(store, datasetId, 3));
    await measure("listDatasets (the datasets page)", () => listDatasets(store));
    for (const q of ["7", "12", "123", "prompt 1999"])
      await measure(`searchPrompts q=${JSON.stringify(q)}`, () =>
        searchPrompts(store, datasetId, parsePromptSearch({ q })),
      );
    await measure("searchPrompts page 1", () => searchPrompts(store, datasetId, parsePromptSearch({})));
    await measure("searchPrompts page 3000, sort by W", () =>
      searchPrompts(store, datasetId, parsePromptSearch({ page: "3000", sort: "w" })),
    );
    await measure("searchPrompts agreement=low", () =>
      searchPrompts(store, datasetId, parsePromptSearch({ agreement: "low" })),
    );
    // The export as the HTTP route streams it: what matters is the longest stretch the event loop
    // is held, seen by a 1 ms ticker that runs whenever the loop is free.
    await touch(db, datasetId, n++);
    for (const format of ["consensus", "annotations"] as const) {
      const stream = exportStream(exportPages(store, datasetId, exportOptionsSchema.parse({ format })), false);
      let last = performance.now();
      let longest = 0;
      const ticker = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      }, 1);
      const start = performance.now();
      const reader = stream.getReader();
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
      }
      clearInterval(ticker);
      longest = Math.max(longest, performance.now() - last);
      const total = performance.now() - start;
      rows.push([`export ${format} (${(bytes / 1e6).toFixed(0)} MB): longest event-loop stall; total`, longest, total]);
      console.error(`  export ${format}: longest stall ${longest.toFixed(1)} ms, total ${total.toFixed(0)} ms`);
    }
    // The page reads the estimates a child process stored (fitting them takes minutes at this size).
    const pageIds = (await searchPrompts(store, datasetId, parsePromptSearch({}))).rows.map((r) => r.id);
    await measure("storedOpennessEstimates (the page's 50 prompts)", () =>
      storedOpennessEstimates(store, datasetId, pageIds),
    );

    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(`${"what".padEnd(width)}  cold ms  warm ms (export: stall, total)`);
    for (const [name, cold, warm] of rows)
      console.log(`${name.padEnd(width)}  ${cold.toFixed(1).padStart(7)}  ${warm.toFixed(1).padStart(7)}`);
    console.log(
      `${prompts} prompts, ${annotated * 2} annotations; ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    );
  } finally {
    db.$client.close();
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}
