import fs from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { seedDemo } from "@/lib/demo/seed";
import { getDataset } from "@/lib/datasets/queries";
import { parsePromptSearch, searchPrompts } from "@/lib/datasets/prompt-search";
import { refreshPromptStats } from "@/lib/datasets/prompt-stats";
import { exportLines, exportOptionsSchema } from "@/lib/datasets/export";
import { importJsonlFile } from "@/lib/datasets/import";
import { isRankable, promptOpenness, trainingOpenness } from "@/lib/openness/resolve";
import { loadRunRewards } from "@/lib/runs/dashboard";
import { getRunDetail } from "@/lib/runs/lifecycle";
import { createRun } from "@/lib/runs/request-run";
import { runRequestSchema } from "@/lib/runs/schemas";
import { datasetTrainingStats, loadTrainingPrompts } from "@/lib/runs/training-data";
import { executeRun, validateTrainSettings } from "@/lib/runs/training";
import type { Store } from "@/db/store";
import { freshDbPerTest, collect } from "@/lib/test-fixtures";

const ranked = (openness: number | null) => ({ openness, notRankable: false, ranking: [[1], [2]] });

describe("promptOpenness", () => {
  it("takes the imported value first, then the mean of rankable annotations' tags, else nothing", async () => {
    expect(promptOpenness(0.9, [ranked(0), ranked(0)])).toEqual({ value: 0.9, source: "imported" });
    expect(promptOpenness(0, [ranked(1)])).toEqual({ value: 0, source: "imported" });
    expect(promptOpenness(null, [ranked(0.25), ranked(0.75), ranked(null)])).toEqual({
      value: 0.5,
      source: "annotators",
    });
    expect(promptOpenness(null, [ranked(null)])).toEqual({ value: null, source: null });
    expect(promptOpenness(null, [])).toEqual({ value: null, source: null });
  });

  it("ignores the tags of annotations that judge nothing: not rankable, or everything tied", async () => {
    const notRankable = { openness: 0, notRankable: true, ranking: [] };
    const allTied = { openness: 0, notRankable: false, ranking: [[1, 2, 3]] };
    expect(isRankable(notRankable) || isRankable(allTied)).toBe(false);
    expect(promptOpenness(null, [ranked(1), notRankable, allTied]).value).toBe(1);
    expect(promptOpenness(null, [notRankable, allTied]).value).toBeNull();
  });

  it("lets the run's policy decide only when there is no openness", async () => {
    const none = promptOpenness(null, []);
    expect(trainingOpenness(none, { policy: "exclude" })).toBeNull();
    expect(trainingOpenness(none, { policy: "assume", value: 0.3 })).toBe(0.3);
    expect(trainingOpenness(promptOpenness(null, [ranked(1)]), { policy: "assume", value: 0.3 })).toBe(1);
    expect(trainingOpenness(none, { policy: "estimate" }, () => 0.7)).toBe(0.7);
    expect(trainingOpenness(none, { policy: "estimate" })).toBeNull();
    expect(trainingOpenness(promptOpenness(0.1, []), { policy: "estimate" }, () => 0.7)).toBe(0.1);
  });
});

describe("one openness everywhere", () => {
  let store: Store;
  let dir: string;
  const fresh = freshDbPerTest();
  beforeEach(() => ({ dir, store } = fresh));

  it("the dataset page, both exports, training and the run's dashboard agree on each prompt", async () => {
    await seedDemo(store);
    const responses = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff", "ggggggg", "hhhhhhhh"];
    const ranking = responses.map((_, i) => [i]);
    const lines = [
      // Imported 0.9 wins over annotators who all said 0.
      { id: "imported", openness: 0.9, annotations: [{ annotator: "p@x.org", ranking, openness: 0 }] },
      // 0.25 and 0.75 rank; the not-rankable tag 0 and the all-tied tag 0 do not count: 0.5, not 0.25.
      {
        id: "tagged",
        annotations: [
          { annotator: "p@x.org", ranking, openness: 0.25 },
          { annotator: "q@x.org", ranking, openness: 0.75 },
          { annotator: "r@x.org", ranking: [], not_rankable: true, not_rankable_reason: "odd", openness: 0 },
          { annotator: "s@x.org", ranking: [responses.map((_, i) => i)], openness: 0 },
        ],
      },
    ].map((l) => JSON.stringify({ prompt: `Prompt ${l.id}`, responses, ...l }));
    const file = path.join(dir, "openness.jsonl");
    fs.writeFileSync(file, lines.join("\n"));
    const imported = await importJsonlFile(store, file, { slug: "demo" });
    expect(imported.ok ? [] : imported.errors).toEqual([]);
    const datasetId = (await getDataset(store, "demo"))!.id;
    const expected = { imported: 0.9, tagged: 0.5 };

    await refreshPromptStats(store, datasetId);
    const page = (await searchPrompts(store, datasetId, parsePromptSearch({}), 10_000)).rows;
    const exported = async (format: string) =>
      (await collect(exportLines(store, datasetId, exportOptionsSchema.parse({ format })))).map(
        (line) => JSON.parse(line) as { prompt: string; prompt_id: string; openness: number | null },
      );
    const consensus = await exported("consensus");
    const pairs = await exported("pairs");
    const training = (await loadTrainingPrompts(store, datasetId, { policy: "exclude" })).prompts;

    const run = await createRun(
      store,
      validateTrainSettings(runRequestSchema.parse({ datasetId, heldOutShare: 0.25, train: { steps: 10 } })),
      null,
      "cli",
      { workerPid: process.pid },
    );
    expect(await executeRun(store, run.id)).toBe("succeeded");
    const dashboard = await loadRunRewards(store, (await getRunDetail(store, run.id))!);

    for (const [id, openness] of Object.entries(expected)) {
      const text = `Prompt ${id}`;
      expect(page.find((p) => p.text === text)?.openness, `page ${id}`).toBe(openness);
      expect(consensus.find((l) => l.prompt === text)?.openness, `consensus ${id}`).toBe(openness);
      const promptId = consensus.find((l) => l.prompt === text)!.prompt_id;
      const pairOpenness = new Set(pairs.filter((l) => l.prompt_id === promptId).map((l) => l.openness));
      expect([...pairOpenness], `pairs ${id}`).toEqual([openness]);
      expect(training.find((p) => p.text === text)?.openness, `training ${id}`).toBe(openness);
      expect(dashboard.find((p) => p.text === text)?.openness, `dashboard ${id}`).toBe(openness);
    }
    // And every other prompt agrees too, between the page and training.
    const trainingById = new Map(training.map((p) => [Number(p.id), p.openness]));
    for (const p of page) {
      if (trainingById.has(p.id)) expect(p.openness, p.text).toBeCloseTo(trainingById.get(p.id)!, 12);
    }
    // The counts the run form shows use the same notion of "rankable" in SQL.
    const stats = (await datasetTrainingStats(store)).find((d) => d.datasetId === datasetId)!;
    expect(stats.rankedWithOpenness).toBe(training.length);
  });
});
