import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { beforeEach, describe, expect, it } from "vitest";
import type { Store } from "@/db/store";
import { freshDbPerTest, collect } from "@/lib/test-fixtures";
import { seedDemo } from "@/lib/demo/seed";
import { orderedPairCount } from "@/lib/annotations/agreement";
import { exportLines, exportOptionsSchema, exportPages, exportStream, ExportError } from "./export";
import { importJsonlFile } from "./import";
import { getDataset } from "./queries";

let dir: string;
let store: Store;

async function datasetId(slug: string): Promise<number> {
  return (await getDataset(store, slug))!.id;
}

async function exportAll(slug: string, query: Record<string, string>): Promise<Record<string, unknown>[]> {
  const options = exportOptionsSchema.parse(query);
  return (await collect(exportLines(store, await datasetId(slug), options))).map(
    (line) => JSON.parse(line) as Record<string, unknown>,
  );
}

function writeLines(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

const fresh = freshDbPerTest();
beforeEach(async () => {
  ({ dir, store } = fresh);
  await seedDemo(store);
  // One not-rankable annotation and an external annotator with a tie, so every path is exercised.
  const file = writeLines("extra.jsonl", [
    JSON.stringify({
      id: "extra-1",
      prompt: "Name a colour.",
      responses: ["red", "blue", "green", "teal", "mauve", "ochre", "grey", "pink"],
      openness: 1,
      annotations: [
        { annotator: "Ext Person", ranking: [[0, 1], [2], [3], [4], [5], [6], [7]], openness: 1 },
        {
          annotator: "mina@octorank.dev",
          ranking: [],
          not_rankable: true,
          not_rankable_reason: "All fine",
          openness: null,
        },
      ],
    }),
    JSON.stringify({
      id: "extra-unranked",
      prompt: "Nobody has ranked this yet.",
      responses: ["1", "2", "3", "4", "5", "6", "7", "8"],
    }),
  ]);
  expect((await importJsonlFile(store, file, { slug: "demo" })).ok).toBe(true);
});

describe("exportLines", () => {
  it("annotations → import into a new dataset → export again gives the same rankings", async () => {
    const first = await exportAll("demo", { format: "annotations" });
    expect(first.length).toBeGreaterThan(40);
    const file = writeLines(
      "roundtrip.jsonl",
      first.map((l) => JSON.stringify(l)),
    );
    const imported = await importJsonlFile(store, file, { slug: "copy", create: { name: "Copy" } });
    const annotationCount = first.filter((l) => (l.annotations as unknown[]).length).length;
    const demo = await datasetId("demo");
    const promptCount = (await fresh.side.rows("prompts")).filter((p) => p.datasetId === demo).length;
    expect(imported).toMatchObject({
      ok: true,
      annotationsCreated: annotationCount,
      promptsCreated: promptCount,
      annotatorsCreated: 0,
    });
    expect(first.length).toBeGreaterThan(annotationCount);
    const second = await exportAll("copy", { format: "annotations" });
    expect(second).toEqual(first);
  });

  it("pairs: one line per ordered pair between groups of each rankable annotation", async () => {
    const annotations = await exportAll("demo", { format: "annotations" });
    const expected = annotations
      .flatMap((l) => l.annotations as { ranking: string[][]; not_rankable: boolean }[])
      .filter((a) => !a.not_rankable)
      .reduce((sum, a) => sum + orderedPairCount(a.ranking), 0);
    const pairs = await exportAll("demo", { format: "pairs" });
    expect(pairs.length).toBe(expected);
    expect(Object.keys(pairs[0]!)).toEqual(
      expect.arrayContaining(["prompt", "chosen", "rejected", "openness", "prompt_id", "annotator"]),
    );
    const colour = pairs.filter((p) => p.prompt_id === "extra-1");
    expect(colour).toHaveLength(27);
    // red and blue are tied: no pair between them either way.
    const tiedPair = (p: Record<string, unknown>) =>
      [p.chosen_id, p.rejected_id].sort().join() === "extra-1-0,extra-1-1";
    expect(colour.filter(tiedPair)).toEqual([]);
    expect(colour.every((p) => p.annotator === "Ext Person")).toBe(true);
  });

  it("consensus: one line per prompt with a Borda ranking, mean openness, annotator count and W", async () => {
    const lines = await exportAll("demo", { format: "consensus" });
    const colour = lines.find((l) => l.prompt_id === "extra-1")!;
    expect(colour).toMatchObject({ annotators: 1, kendall_w: null, openness: 1 });
    expect((colour.consensus as string[][])[0]).toEqual(["extra-1-0", "extra-1-1"]);
    const rich = lines.filter((l) => (l.annotators as number) >= 2);
    expect(rich.length).toBeGreaterThan(10);
    for (const l of rich) expect(l.kendall_w as number).toBeGreaterThanOrEqual(0);
  });

  it("applies the filters: min annotators, min agreement, skip not rankable", async () => {
    const all = await exportAll("demo", { format: "consensus" });
    const two = await exportAll("demo", { format: "consensus", min_annotators: "2" });
    expect(two.length).toBe(all.filter((l) => (l.annotators as number) >= 2).length);
    const agreeing = await exportAll("demo", { format: "consensus", min_agreement: "0.8" });
    expect(agreeing.length).toBe(all.filter((l) => l.kendall_w !== null && (l.kendall_w as number) >= 0.8).length);
    expect(agreeing.length).toBeLessThan(all.length);
    const withSkipped = await exportAll("demo", { format: "annotations" });
    const skipped = await exportAll("demo", { format: "annotations", skip_not_rankable: "1" });
    const count = (lines: Record<string, unknown>[]) => lines.flatMap((l) => l.annotations as unknown[]).length;
    expect(count(withSkipped) - count(skipped)).toBe(1);
  });

  it("reads the filter form's empty fields as no filter", async () => {
    const blank = { format: "consensus", min_annotators: "", min_agreement: "", run: "" };
    expect(await exportAll("demo", blank)).toEqual(await exportAll("demo", { format: "consensus" }));
    expect(exportOptionsSchema.safeParse({ format: "pairs", run: "0" }).success).toBe(false);
  });

  it("adds a run's rewards, and refuses a run of another dataset", async () => {
    const demo = await datasetId("demo");
    const [run] = await fresh.side.insert("trainingRuns", [{ datasetId: demo, config: {} }]);
    const prompt = (await fresh.side.rows("prompts")).find((p) => p.datasetId === demo)!;
    const response = (await fresh.side.rows("responses")).find((r) => r.promptId === prompt.id)!;
    await fresh.side.insert("runRewards", [{ runId: run!, responseId: response.id, split: "train", reward: 0.75 }]);
    const lines = await exportAll("demo", { format: "consensus", run: String(run) });
    const line = lines.find((l) => l.prompt_id === prompt.externalId)!;
    expect(
      (line.responses as { id: string; reward: number | null }[]).find((r) => r.id === response.externalId)!.reward,
    ).toBe(0.75);
    await importJsonlFile(store, writeLines("other.jsonl", []), { slug: "other" });
    await expect(
      collect(
        exportLines(store, await datasetId("other"), exportOptionsSchema.parse({ format: "pairs", run: String(run) })),
      ),
    ).rejects.toThrow(ExportError);
  });

  it("streams gzip that decompresses to the same lines", async () => {
    const options = exportOptionsSchema.parse({ format: "pairs", gzip: "1" });
    const demo = await datasetId("demo");
    const stream = exportStream(exportPages(store, demo, options), true);
    const buffer = Buffer.from(await new Response(stream).arrayBuffer());
    const text = zlib.gunzipSync(buffer).toString("utf8");
    expect(text.trimEnd().split("\n")).toEqual(await collect(exportLines(store, demo, options)));
  });

  it("lets other work run while a slow export streams to a reader that asks again at once", async () => {
    // Pages that each take a while; most give a line, some nothing (a filter dropping prompts).
    async function* slowPages(): AsyncGenerator<string[]> {
      for (let i = 0; i < 40; i++) {
        const until = performance.now() + 3;
        while (performance.now() < until);
        yield i % 10 === 9 ? [] : [`line ${i}`];
      }
    }
    let otherWorkRan = 0;
    const other = setInterval(() => otherWorkRan++, 0);
    const text = await new Response(exportStream(slowPages(), false)).text();
    clearInterval(other);
    expect(text.split("\n")).toHaveLength(37);
    expect(otherWorkRan).toBeGreaterThan(1);
  });
});
