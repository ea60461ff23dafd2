import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { freshDbPerTest } from "@/lib/test-fixtures";
import { AGREEMENT_THRESHOLDS, datasetAgreement, getDataset, getDatasetProgress, getPromptDetail } from "./queries";
import { importJsonlFile } from "./import";

const temp = freshDbPerTest();

it("flags the annotator who ranks against everyone else, and the prompts they spoil", async () => {
  const order = [[0], [1], [2], [3]];
  const reversed = [...order].reverse();
  const lines = Array.from({ length: 4 }, (_, i) => ({
    id: `p${i}`,
    prompt: `Prompt ${i}`,
    responses: ["a", "b", "c", "d"],
    annotations: [
      { annotator: "careful-1", ranking: order, openness: 0.25, duration_ms: 60_000 },
      { annotator: "careful-2", ranking: order, openness: 0.25, duration_ms: 80_000 },
      { annotator: "careless", ranking: reversed, openness: 1, duration_ms: 5_000 },
    ],
  }));
  const file = path.join(temp.dir, "in.jsonl");
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n"));
  expect((await importJsonlFile(temp.store, file, { slug: "agree", create: { annotationsPerPrompt: 3 } })).ok).toBe(
    true,
  );
  const dataset = (await getDataset(temp.store, "agree"))!;
  expect(await getDatasetProgress(temp.store, "agree")).toMatchObject({
    prompts: 4,
    annotations: 12,
    completePrompts: 4,
    annotators: 3,
  });

  const agreement = await datasetAgreement(temp.store, dataset.id);
  const careless = agreement.annotators.find((a) => a.name === "careless")!;
  expect(careless).toMatchObject({
    annotations: 4,
    comparedPrompts: 4,
    tauVsConsensus: -1,
    medianSeconds: 5,
    flagged: true,
  });
  expect(agreement.annotators.filter((a) => a.flagged)).toHaveLength(1);
  // Rank sums a 1+1+4 = 6, b 7, c 8, d 4+4+1 = 9 → S = 5, W = 12·5 / (9·60) = 1/9.
  expect(agreement.prompts[0]!.kendallW).toBeCloseTo(1 / 9, 10);
  expect(agreement.prompts.every((p) => p.flagged === p.kendallW! < AGREEMENT_THRESHOLDS.promptW)).toBe(true);
  expect(agreement.opennessAlpha!).toBeLessThan(AGREEMENT_THRESHOLDS.opennessAlpha);

  const promptId = agreement.prompts[0]!.id;
  const detail = (await getPromptDetail(temp.store, dataset.id, promptId))!;
  expect(detail.annotations).toHaveLength(3);
  expect(detail.responses.map((r) => r.externalId)).toEqual(["p0-0", "p0-1", "p0-2", "p0-3"]);
  expect(await getPromptDetail(temp.store, dataset.id + 1, promptId)).toBeNull();
});
