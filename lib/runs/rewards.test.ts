import { beforeEach, describe, expect, it } from "vitest";
import { seedDemo } from "@/lib/demo/seed";
import { runDashboard } from "@/lib/runs/dashboard";
import { getRun } from "@/lib/runs/lifecycle";
import { createRun } from "@/lib/runs/request-run";
import { groupRewardsByPrompt, responsesPerPrompt, storedRewards } from "@/lib/runs/rewards";
import { runRequestSchema, runSummarySchema } from "@/lib/runs/schemas";
import { executeRun, validateTrainSettings } from "@/lib/runs/training";
import type { Store } from "@/db/store";
import { freshDbPerTest, TEST_BACKEND } from "@/lib/test-fixtures";

describe("grouping rewards by prompt", () => {
  // No database here: the sqlite project runs it, the postgres project need not run it again.
  it.skipIf(TEST_BACKEND === "postgres")(
    "keeps the order, takes the stored openness first and a neutral one when nothing is known",
    async () => {
      const grouped = groupRewardsByPrompt(
        [
          { promptId: 2, responseId: 20, split: "train", reward: 0.2, openness: 1 },
          { promptId: 1, responseId: 10, split: "test", reward: 0.1, openness: null },
          { promptId: 2, responseId: 21, split: "train", reward: 0.3, openness: 1 },
          { promptId: 3, responseId: 30, split: "test", reward: 0.4, openness: null },
        ],
        (id) => (id === 3 ? undefined : { externalId: `p${id}`, text: `t${id}`, openness: 0.25, rankings: [[[10]]] }),
      );
      expect(grouped.map((p) => [p.promptId, p.openness, [...p.rewards.keys()]])).toEqual([
        [2, 1, [20, 21]],
        [1, 0.25, [10]],
        [3, 0.5, [30]],
      ]);
      expect(responsesPerPrompt(grouped)).toBe(1);
      expect(responsesPerPrompt([])).toBe(8);
    },
  );

  describe("a trained run", () => {
    let store: Store;
    const fresh = freshDbPerTest();
    beforeEach(() => ({ store } = fresh));

    it("has the same accuracy and collapse numbers in its stored summary and on its dashboard", async () => {
      await seedDemo(store);
      const datasetId = (await store.runs.datasetBySlug("demo"))!.id;
      const run = await createRun(
        store,
        validateTrainSettings(runRequestSchema.parse({ datasetId, heldOutShare: 0.25, train: { steps: 20 } })),
        null,
        "cli",
        { workerPid: process.pid },
      );
      expect(await executeRun(store, run.id)).toBe("succeeded");
      const summary = runSummarySchema.parse((await getRun(store, run.id))!.summary);
      const dashboard = (await runDashboard(store, run.id))!;
      for (const split of ["train", "test"] as const) {
        expect(dashboard.splits[split]?.accuracy, split).toBe(summary[`${split}Accuracy`]);
        expect(dashboard.splits[split]?.gap, split).toBe(summary.collapse[split]?.gap);
        expect(dashboard.splits[split]?.verdictKind, split).toBe(summary.collapse[split]?.verdictKind);
      }
      expect(dashboard.splits.train!.prompts + dashboard.splits.test!.prompts).toBe(
        summary.prompts.train + summary.prompts.test,
      );
      expect(new Set((await storedRewards(store, run.id)).map((r) => r.promptId)).size).toBe(
        summary.prompts.train + summary.prompts.test,
      );
    });
  });
});
