import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db";
import { splitPrompts } from "@/ml/trainer";
import { REPRO, reproducePaper } from "@/lib/runs/repro";
import { requestRun } from "@/lib/runs/request-run";
import { runConfigOf } from "@/lib/runs/schemas";
import { toTrainConfig } from "@/lib/runs/training";
import { loadTrainingPrompts } from "@/lib/runs/training-data";
import { addDataset, addUser, openTempDb } from "@/lib/test-fixtures";

let db: Db;
let cleanup: () => void;
beforeEach(() => {
  ({ db, cleanup } = openTempDb());
});
afterEach(() => cleanup());

describe("reproducePaper", () => {
  it("holds out prompts from templates never used in training: no held-out text is a training text", () => {
    const { log, conditioned } = reproducePaper(db, addUser(db, "r", "researcher"));
    for (const run of [log, conditioned]) {
      const config = runConfigOf(run);
      expect(config.heldOutPromptIds).toHaveLength(REPRO.testPrompts);
      const { prompts } = loadTrainingPrompts(db, run.datasetId, config.missingOpenness);
      const split = splitPrompts(prompts, toTrainConfig(config));
      expect(split.train).toHaveLength(REPRO.prompts);
      expect(split.test).toHaveLength(REPRO.testPrompts);
      const trainTexts = new Set(split.train.map((i) => prompts[i]!.text));
      const leaked = split.test.filter((i) => trainTexts.has(prompts[i]!.text));
      expect(leaked).toEqual([]);
      // Both kinds of prompt are held out, or the openness-aware verdict could not be judged.
      expect(new Set(split.test.map((i) => prompts[i]!.openness))).toEqual(new Set([0, 1]));
    }
    // A second click reuses the dataset and holds out the same prompts.
    const again = reproducePaper(db, addUser(db, "s", "researcher"));
    expect(again.log.datasetId).toBe(log.datasetId);
    expect(runConfigOf(again.log).heldOutPromptIds).toEqual(runConfigOf(log).heldOutPromptIds);
  });

  it("refuses held-out prompt ids that are not the dataset's", () => {
    const { conditioned } = reproducePaper(db, addUser(db, "r", "researcher"));
    const other = addDataset(db, { slug: "other" });
    const heldOut = runConfigOf(conditioned).heldOutPromptIds!;
    expect(() =>
      requestRun(
        db,
        { datasetId: other.dataset.id, heldOutPromptIds: heldOut.slice(0, 2) },
        { userId: null, origin: "api" },
      ),
    ).toThrow(/not in dataset other/);
  });
});
