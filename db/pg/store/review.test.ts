import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS, type Side } from "@/db/pg/test-database";

const at = (ms: number) => new Date(ms);

/** Two prompts of one dataset, an annotator and two reviewers (one named, one by email), three annotations. */
async function seedReviews(side: Side) {
  const [dataset, other] = await side.insert("datasets", [
    { slug: "d", name: "D" },
    { slug: "o", name: "O" },
  ]);
  const [p1, p2, p3] = await side.insert("prompts", [
    { datasetId: dataset!, externalId: "p1", text: "one" },
    { datasetId: dataset!, externalId: "p2", text: "two" },
    { datasetId: other!, externalId: "p3", text: "three" },
  ]);
  const [annotator, rita, anon] = await side.insert("users", [
    { email: "a@test.local", name: "A", role: "annotator", passwordHash: "x" },
    { email: "rita@test.local", name: "Rita", role: "researcher", passwordHash: "x" },
    { email: "anon@test.local", name: "", role: "admin", passwordHash: "x" },
  ]);
  const [a1, a2, a3] = await side.insert("annotations", [
    { promptId: p1!, annotatorId: annotator!, ranking: [[1]], updatedAt: at(1_000_001) },
    { promptId: p2!, annotatorId: annotator!, ranking: [[1]], updatedAt: at(2_000_002) },
    { promptId: p3!, annotatorId: annotator!, ranking: [[1]], updatedAt: at(3_000_003) },
  ]);
  return {
    dataset: dataset!,
    other: other!,
    p1: p1!,
    p2: p2!,
    annotator: annotator!,
    rita: rita!,
    anon: anon!,
    a1: a1!,
    a2: a2!,
    a3: a3!,
  };
}

describe.each(TEST_BACKENDS)("the review store on %s", (backend) => {
  const fresh = databasePerTest(backend);

  it("reads an annotation's current version, and records decisions as stored", async () => {
    const s = await seedReviews(fresh.side);
    const { review } = fresh.store;
    expect(await review.annotation(s.a1)).toEqual({ promptId: s.p1, annotatorId: s.annotator, updatedAt: 1_000_001 });
    expect(await review.annotation(999)).toBeNull();
    const decision = await review.addDecision(s.a1, s.anon, "send_back", "Tie 2 and 3 ✓", 1_000_001);
    expect(decision).toMatchObject({
      annotationId: s.a1,
      reviewerId: s.anon,
      reviewer: "anon@test.local",
      decision: "send_back",
      comment: "Tie 2 and 3 ✓",
    });
    expect(decision.versionAt.getTime()).toBe(1_000_001);
    expect(decision.createdAt).toBeInstanceOf(Date);
  });

  it("lists decisions by prompt and by annotations, oldest first, grouped by annotation", async () => {
    const s = await seedReviews(fresh.side);
    const { review } = fresh.store;
    const first = await review.addDecision(s.a2, s.rita, "reject", null, 2_000_002);
    const second = await review.addDecision(s.a1, s.rita, "accept", null, 1_000_001);
    const third = await review.addDecision(s.a2, s.anon, "accept", "ok", 2_000_002);
    await review.addDecision(s.a3, s.rita, "accept", null, 3_000_003);
    const byPrompt = await review.byPrompt(s.p2);
    expect([...byPrompt.keys()]).toEqual([s.a2]);
    expect(byPrompt.get(s.a2)).toEqual([first, third]);
    const byAnnotations = await review.byAnnotations([s.a1, s.a2, 999]);
    expect([...byAnnotations.entries()]).toEqual([
      [s.a2, [first, third]],
      [s.a1, [second]],
    ]);
    expect((await review.byAnnotations([])).size).toBe(0);
  });

  it("lists an annotator's annotations whose current version was last sent back, in one dataset", async () => {
    const s = await seedReviews(fresh.side);
    const { review } = fresh.store;
    // a1: sent back, then accepted: not listed. a2: accepted, then sent back: listed.
    await review.addDecision(s.a1, s.rita, "send_back", "redo", 1_000_001);
    await review.addDecision(s.a1, s.rita, "accept", null, 1_000_001);
    await review.addDecision(s.a2, s.rita, "accept", null, 2_000_002);
    await review.addDecision(s.a2, s.anon, "send_back", "tie them", 2_000_002);
    // A send-back of an older version does not count once the annotation changed.
    await review.addDecision(s.a3, s.rita, "send_back", "old", 1);
    const sent = await review.sentBack(s.dataset, s.annotator);
    expect(sent).toEqual([
      {
        annotationId: s.a2,
        promptId: s.p2,
        reviewer: "anon@test.local",
        comment: "tie them",
        sentBackAt: expect.any(Date),
      },
    ]);
    expect(await review.sentBack(s.other, s.annotator)).toEqual([]);
    expect(await review.sentBack(s.dataset, s.rita)).toEqual([]);
  });

  it("counts each annotation's revisions of a prompt", async () => {
    const s = await seedReviews(fresh.side);
    const revision = { annotationId: s.a1, ranking: [[1]], notRankable: false, versionAt: at(1) };
    await fresh.side.insert("annotationRevisions", [revision, { ...revision, versionAt: at(2) }]);
    const counts = await fresh.store.review.revisionCounts(s.p1);
    expect([...counts.entries()]).toEqual([[s.a1, 2]]);
    expect((await fresh.store.review.revisionCounts(s.p2)).size).toBe(0);
  });
});
