/**
 * The queue priorities store (db/store/queue-priorities.ts, db/pg/store/queue-priorities.ts): one
 * test body on both backends, every method.
 */
import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS } from "../test-database";
import { seedAnnotating } from "./annotating-fixtures";

describe.each(TEST_BACKENDS)("the queue priorities store on %s", (backend) => {
  const fresh = databasePerTest(backend);

  it("finds the latest trained run and its weights", async () => {
    const { datasets } = await seedAnnotating(fresh);
    const { queuePriorities } = fresh.store;
    expect(await queuePriorities.latestTrainedRun(datasets.demo)).toBeNull();
    const weights = Buffer.from([0, 1, 254, 255]);
    const run = (datasetId: number, status: "succeeded" | "failed", stored: Buffer | null) => ({
      datasetId,
      config: {},
      status,
      weights: stored,
    });
    const [trained, , , elsewhere] = await fresh.side.insert("trainingRuns", [
      run(datasets.demo, "succeeded", weights),
      run(datasets.demo, "failed", weights),
      run(datasets.demo, "succeeded", null),
      run(datasets.other, "succeeded", weights),
    ]);
    expect(await queuePriorities.latestTrainedRun(datasets.demo)).toBe(trained);
    expect(await queuePriorities.latestTrainedRun(datasets.other)).toBe(elsewhere);
    expect(Buffer.from((await queuePriorities.runWeights(trained!))!)).toStrictEqual(weights);
    expect(await queuePriorities.runWeights(trained! + 2)).toBeNull();
    expect(await queuePriorities.runWeights(9999)).toBeNull();
  });

  it("reads a dataset's prompts and a prompt's response texts in board order", async () => {
    const { demo, datasets } = await seedAnnotating(fresh);
    const { queuePriorities } = fresh.store;
    const prompts = await queuePriorities.prompts(datasets.demo);
    expect(prompts.sort((a, b) => a.id - b.id)).toStrictEqual(
      demo.map((p, i) => ({ id: p.id, text: `Prompt d${i + 1} — ünïcode 👍` })),
    );
    expect(await queuePriorities.prompts(9999)).toStrictEqual([]);
    expect(await queuePriorities.responseTexts(demo[0]!.id)).toStrictEqual(["First é", "Second 👍"]);
    expect(await queuePriorities.responseTexts(9999)).toStrictEqual([]);
  });

  it("writes priorities of the dataset's own prompts (NaN as none) and the version they are of", async () => {
    const { demo, other, datasets } = await seedAnnotating(fresh);
    const { queuePriorities } = fresh.store;
    expect(await queuePriorities.isOrder(datasets.demo, "fill")).toBe(true);
    expect(await queuePriorities.isOrder(datasets.demo, "uncertain-openness")).toBe(false);
    expect(await queuePriorities.isOrder(9999, "fill")).toBe(false);
    expect(await queuePriorities.version(datasets.demo)).toStrictEqual({ version: null });
    expect(await queuePriorities.version(9999)).toBeNull();

    await queuePriorities.setPriorities(datasets.other, []);
    await queuePriorities.setPriorities(datasets.other, [
      [other[0]!.id, -0.25],
      [other[1]!.id, Number.NaN],
      [demo[0]!.id, 7],
      [other[2]!.id, 1e300],
    ]);
    await queuePriorities.setVersion(datasets.other, "run 3 ✓");
    const priorities = new Map((await fresh.side.rows("prompts")).map((p) => [p.id, p.queuePriority]));
    expect([other[0]!.id, other[1]!.id, other[2]!.id, demo[0]!.id].map((id) => priorities.get(id))).toStrictEqual([
      -0.25,
      null,
      1e300,
      null,
    ]);
    expect(await queuePriorities.version(datasets.other)).toStrictEqual({ version: "run 3 ✓" });
    expect(await queuePriorities.version(datasets.demo)).toStrictEqual({ version: null });
  });
});
