import { beforeEach, describe, expect, it } from "vitest";
import { simulatedAnnotators, simulateAnnotation, mulberry32 } from "@/ml";
import {
  computeAndStoreOpennessEstimates,
  datasetOpennessEstimates,
  MIN_TAGGED_FOR_ESTIMATE,
  storedOpennessEstimates,
} from "@/lib/openness/estimates";
import { loadTrainingPrompts } from "@/lib/runs/training-data";
import type { Store } from "@/db/store";
import { freshDbPerTest, seedSimulatedDataset, seedUsers } from "@/lib/test-fixtures";

let store: Store;
const fresh = freshDbPerTest();
beforeEach(() => ({ store } = fresh));

/** A real dataset of simulated prompts; the first `tagged` prompts get tags, every prompt gets 2 rankings. */
async function seed(promptCount: number, tagged: number) {
  const { dataset, sim, prompts } = await seedSimulatedDataset(fresh, { slug: "est", promptCount, seed: 5 });
  const users = await seedUsers(fresh.side, "a1", "a2");
  const annotators = simulatedAnnotators(2, 5);
  const r = mulberry32(5);
  for (const [i, p] of sim.entries()) {
    for (const [k, a] of annotators.entries()) {
      const ann = simulateAnnotation(p, a, r);
      await store.annotations.write(
        prompts[i]!.promptId,
        users[k]!,
        {
          ranking: ann.ranking.map((g) => g.map((x) => prompts[i]!.responseIds.get(x)!)),
          openness: i < tagged ? ann.openness : null,
          notRankable: false,
        },
        "keep",
      );
    }
  }
  return { datasetId: dataset.id, ids: prompts.map((p) => p.promptId), sim };
}

describe("dataset openness estimates", () => {
  it("says why there is no estimate with too few tagged prompts", async () => {
    const { datasetId } = await seed(12, MIN_TAGGED_FOR_ESTIMATE - 1);
    const e = await datasetOpennessEstimates(store, datasetId);
    expect(e.unavailable).toMatch(/at least 8 tagged prompts/);
    expect([...e.byPrompt.values()].every((p) => p.estimate === null)).toBe(true);
  });

  it("estimates untagged prompts from text and rankings, and a run's `estimate` policy trains on them", async () => {
    const { datasetId, ids, sim } = await seed(60, 40);
    const e = await datasetOpennessEstimates(store, datasetId);
    expect(e.unavailable).toBeNull();
    expect(e.evaluation?.text.vsMeanTag.mae).not.toBeNull();
    const untagged = ids.slice(40).map((id) => e.byPrompt.get(id)!);
    for (const p of untagged) {
      expect(p.tags).toEqual([]);
      expect(p.text).not.toBeNull();
      expect(p.rankings).not.toBeNull();
      expect(p.estimate!.sd).toBeLessThanOrEqual(Math.min(p.text!.sd, p.rankings!.sd) + 1e-12);
    }
    const err =
      untagged.reduce((a, p, i) => a + Math.abs(p.estimate!.estimate - sim[40 + i]!.openness), 0) / untagged.length;
    expect(err).toBeLessThan(0.25);
    // Tags make a prompt's posterior tighter than the estimate alone.
    const tagged = e.byPrompt.get(ids[0]!)!;
    expect(tagged.posterior!.sd).toBeLessThan(tagged.estimate!.sd);

    expect((await loadTrainingPrompts(store, datasetId, { policy: "exclude" })).prompts).toHaveLength(40);
    const estimated = await loadTrainingPrompts(store, datasetId, { policy: "estimate" });
    expect(estimated.prompts).toHaveLength(60);
    expect(estimated.prompts.find((p) => p.id === String(ids[50]))!.openness).toBeCloseTo(
      e.byPrompt.get(ids[50]!)!.estimate!.estimate,
      9,
    );
    // Memoised until the annotations change.
    expect(await datasetOpennessEstimates(store, datasetId)).toBe(e);
    await fresh.side.update("annotations", { openness: 1 }, { promptId: ids[59]! });
    expect(await datasetOpennessEstimates(store, datasetId)).not.toBe(e);
  });

  it("the dataset page reads stored estimates for its prompts, and knows when the data changed since", async () => {
    const { datasetId, ids } = await seed(40, 30);
    const never = await storedOpennessEstimates(store, datasetId, ids);
    expect([never.computedAt, never.current, never.byPrompt.size]).toEqual([null, false, 0]);
    expect(never.unavailable).toMatch(/Being computed/);

    await computeAndStoreOpennessEstimates(store, datasetId);
    const page = ids.slice(5, 15);
    const stored = await storedOpennessEstimates(store, datasetId, page);
    expect(stored.current).toBe(true);
    expect([...stored.byPrompt.keys()].sort((a, b) => a - b)).toEqual(page);
    const full = await datasetOpennessEstimates(store, datasetId);
    for (const id of page) expect(stored.byPrompt.get(id)!.estimate).toEqual(full.byPrompt.get(id)!.estimate);
    expect(stored.evaluation).toEqual(JSON.parse(JSON.stringify(full.evaluation)));
    expect(stored.taggedPrompts).toBe(30);

    await fresh.side.update("annotations", { openness: 0 }, { promptId: ids[0]! });
    expect((await storedOpennessEstimates(store, datasetId, page)).current).toBe(false);
    // Storing again replaces the old rows rather than adding to them.
    await computeAndStoreOpennessEstimates(store, datasetId);
    const count = (await fresh.side.rows("opennessEstimates")).filter((e) => e.datasetId === datasetId).length;
    expect(count).toBe(40);
    expect((await storedOpennessEstimates(store, datasetId, page)).current).toBe(true);
  });
});
