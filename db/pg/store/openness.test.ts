import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS, type Side } from "@/db/pg/test-database";

/** A dataset of two prompts (responses inserted out of position order) with annotations, and an empty one. */
async function seedOpenness(side: Side) {
  const [dataset, empty] = await side.insert("datasets", [
    { slug: "d", name: "D" },
    { slug: "e", name: "E" },
  ]);
  const [p1, p2] = await side.insert("prompts", [
    { datasetId: dataset!, externalId: "p1", text: "Écris un poème" },
    { datasetId: dataset!, externalId: "p2", text: "2 + 2?" },
  ]);
  const [r12, r11, r21] = await side.insert("responses", [
    { promptId: p1!, position: 1, externalId: "b", text: "b" },
    { promptId: p1!, position: 0, externalId: "a", text: "a" },
    { promptId: p2!, position: 0, externalId: "c", text: "c" },
  ]);
  const [u1, u2] = await side.insert("users", [
    { email: "u1@test.local", name: "U1", role: "annotator", passwordHash: "x" },
    { email: "u2@test.local", name: "U2", role: "annotator", passwordHash: "x" },
  ]);
  await side.insert("annotations", [
    { promptId: p2!, annotatorId: u1!, ranking: [[r21!]], openness: 0.25 },
    { promptId: p1!, annotatorId: u2!, ranking: [[r11!], [r12!]], openness: null, notRankable: true },
    { promptId: p1!, annotatorId: u1!, ranking: [[r12!, r11!]], openness: 1 },
  ]);
  return { dataset: dataset!, empty: empty!, p1: p1!, p2: p2!, r11: r11!, r12: r12!, r21: r21!, u1: u1!, u2: u2! };
}

describe.each(TEST_BACKENDS)("the openness store on %s", (backend) => {
  const fresh = databasePerTest(backend);

  it("reads a dataset's prompts, responses by position and annotations oldest first, ranking as stored JSON", async () => {
    const s = await seedOpenness(fresh.side);
    const rows = await fresh.store.openness.sourceRows(s.dataset);
    expect(rows.prompts).toEqual([
      { id: s.p1, text: "Écris un poème" },
      { id: s.p2, text: "2 + 2?" },
    ]);
    expect(rows.responses).toEqual([
      { id: s.r11, promptId: s.p1 },
      { id: s.r12, promptId: s.p1 },
      { id: s.r21, promptId: s.p2 },
    ]);
    expect(rows.annotations.map((a) => ({ ...a, ranking: JSON.parse(a.ranking) }))).toEqual([
      { promptId: s.p2, annotatorId: s.u1, ranking: [[s.r21]], openness: 0.25, notRankable: 0 },
      { promptId: s.p1, annotatorId: s.u2, ranking: [[s.r11], [s.r12]], openness: null, notRankable: 1 },
      { promptId: s.p1, annotatorId: s.u1, ranking: [[s.r12, s.r11]], openness: 1, notRankable: 0 },
    ]);
    expect(await fresh.store.openness.sourceRows(s.empty)).toEqual({ prompts: [], responses: [], annotations: [] });
  });

  it("reads the dataset's maintained count of changes and prompts", async () => {
    const s = await seedOpenness(fresh.side);
    expect(await fresh.store.openness.dataVersion(s.dataset)).toEqual({ changes: 3, prompts: 2 });
    expect(await fresh.store.openness.dataVersion(999)).toBeNull();
  });

  it("stores, replaces, reads and clears per-prompt estimates", async () => {
    const s = await seedOpenness(fresh.side);
    const { openness } = fresh.store;
    await openness.putEstimates(s.dataset, [
      { promptId: s.p2, estimate: 0.5, sd: 0.1 },
      { promptId: s.p1, estimate: -1.25, sd: 0 },
    ]);
    await openness.putEstimates(s.dataset, [{ promptId: s.p2, estimate: 0.75, sd: 0.2 }]);
    await openness.putEstimates(s.dataset, []);
    expect(await openness.estimates(s.dataset, [s.p2, s.p1, 999])).toEqual([
      { prompt_id: s.p1, estimate: -1.25, sd: 0 },
      { prompt_id: s.p2, estimate: 0.75, sd: 0.2 },
    ]);
    expect(await openness.estimates(s.dataset, [])).toEqual([]);
    expect(await openness.estimates(s.empty, [s.p1])).toEqual([]);
    await openness.clearEstimates(s.dataset);
    expect(await openness.estimates(s.dataset, [s.p1, s.p2])).toEqual([]);
  });

  it("stores and replaces the dataset's summary, its evaluation kept as written", async () => {
    const s = await seedOpenness(fresh.side);
    const { openness } = fresh.store;
    expect(await openness.summary(s.dataset)).toBeNull();
    const summary = {
      version: "3:2",
      taggedPrompts: 2,
      tagSd: 0.375,
      unavailable: null,
      evaluation: '{"rmse":0.5,"baseline":0.75}',
      computedAt: 1_700_000_000_123,
    };
    await openness.putSummary(s.dataset, { ...summary, version: "1:1", unavailable: "too few tags", evaluation: null });
    await openness.putSummary(s.dataset, summary);
    expect(await openness.summary(s.dataset)).toEqual({
      dataset_id: s.dataset,
      version: "3:2",
      tagged_prompts: 2,
      tag_sd: 0.375,
      unavailable: null,
      evaluation: '{"rmse":0.5,"baseline":0.75}',
      computed_at: 1_700_000_000_123,
    });
  });
});
