/**
 * The datasets store, one set of tests on both backends (db/store/datasets.ts on SQLite,
 * db/pg/store/datasets.ts on PostgreSQL): the writer's inserts leave the same rows on both.
 */
import { describe, expect, it } from "vitest";
import type { DatasetStore } from "@/db/store/datasets";
import { databasePerTest, TEST_BACKENDS, type Backend, type Side } from "../test-database";

/** A fresh database per test on `backend`: its Side (to seed and read rows) and its datasets store. */
function perTest(backend: Backend): () => { side: Side; datasets: DatasetStore } {
  const fresh = databasePerTest(backend);
  return () => ({ side: fresh.side, datasets: fresh.store.datasets });
}

describe.each(TEST_BACKENDS)("datasets store on %s", (backend) => {
  const open = perTest(backend);

  it("inserts datasets and prompts with their responses, keeping JSON as written", async () => {
    const { side, datasets } = open();
    const dataset = await datasets.insertDataset({
      slug: "d",
      name: "D",
      guidelines: "Rank them.",
      responsesPerPrompt: 2,
      annotationsPerPrompt: 3,
      importStaging: true,
    });
    expect(dataset).toMatchObject({
      slug: "d",
      synthetic: false,
      importStaging: true,
      quality: {},
      rankingMode: "ranking",
    });
    expect(dataset.createdAt).toBeInstanceOf(Date);
    await expect(
      datasets.insertDataset({
        slug: "d",
        name: "again",
        guidelines: "",
        responsesPerPrompt: 2,
        annotationsPerPrompt: 1,
      }),
    ).rejects.toThrow();

    const first = await datasets.insertPrompt(dataset.id, {
      externalId: "p1",
      text: "user: hi",
      messages: [{ role: "user", content: "hi ✓" }],
      openness: 0.5,
      metadata: { z: 1, a: { y: [1, "é"] } },
      responses: [
        { externalId: "r-b", text: "B", embedding: [0.25, -1] },
        { externalId: "r-a", text: "A" },
      ],
    });
    const empty = await datasets.insertPrompt(dataset.id, { externalId: "p2", text: "no responses", responses: [] });
    expect(empty.responseIds).toEqual(new Map());
    const prompts = await side.rows("prompts");
    expect(prompts.map((p) => [p.id, p.externalId, p.openness, p.messages, p.metadata])).toEqual([
      [first.promptId, "p1", 0.5, [{ role: "user", content: "hi ✓" }], { z: 1, a: { y: [1, "é"] } }],
      [empty.promptId, "p2", null, null, null],
    ]);
    // A user's metadata keeps its key order.
    expect(Object.keys(prompts[0]!.metadata!)).toEqual(["z", "a"]);
    const responses = await side.rows("responses");
    expect(responses.map((r) => [r.id, r.promptId, r.position, r.externalId, r.embedding])).toEqual([
      [first.responseIds.get("r-b"), first.promptId, 0, "r-b", [0.25, -1]],
      [first.responseIds.get("r-a"), first.promptId, 1, "r-a", null],
    ]);
    // The same external id twice in a dataset, or for two responses of a prompt, is refused.
    await expect(datasets.insertPrompt(dataset.id, { externalId: "p1", text: "x", responses: [] })).rejects.toThrow();
    await expect(
      datasets.insertPrompt(dataset.id, {
        externalId: "p3",
        text: "x",
        responses: [
          { externalId: "same", text: "1" },
          { externalId: "same", text: "2" },
        ],
      }),
    ).rejects.toThrow();
  });

  it("finds an external annotator's account by name, or creates one that cannot sign in", async () => {
    const { side, datasets } = open();
    const created = await datasets.ensureExternalAnnotator("rater-a");
    expect(created.created).toBe(true);
    expect(await datasets.ensureExternalAnnotator("rater-a")).toEqual({ id: created.id, created: false });
    expect((await datasets.ensureExternalAnnotator("Rater-A")).created).toBe(true);
    const users = await side.rows("users");
    expect(users.map((u) => [u.id, u.email, u.name, u.role, u.external, u.passwordHash])).toEqual([
      [created.id, "rater-a@external.invalid", "rater-a", "annotator", true, null],
      [users[1]!.id, "Rater-A@external.invalid", "Rater-A", "annotator", true, null],
    ]);
  });
});
