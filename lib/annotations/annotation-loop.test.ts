/**
 * The annotation loop through lib (the queue's hand-outs, submissions, skips, gold checks and
 * pauses) as one test body on both backends: the rules of lib/annotations over SQLite's store and
 * PostgreSQL's must give annotators the same prompts, refusals and progress.
 */
import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS } from "@/db/pg/test-database";
import { MINUTE, NOW, seedAnnotating } from "@/db/pg/store/annotating-fixtures";
import { saveAnnotation } from "@/lib/annotations/annotations";
import { listPauses, resumeAnnotator, setGold } from "@/lib/annotations/quality";
import {
  findQueueDataset,
  listSkipped,
  nextPrompt,
  queueProgress,
  reopenSkipped,
  skipPrompt,
  type QueueResult,
} from "@/lib/annotations/queue";

describe.each(TEST_BACKENDS)("the annotation loop on %s", (backend) => {
  const fresh = databasePerTest(backend);
  const now = new Date(NOW);
  const setUp = async () => {
    const seeded = await seedAnnotating(fresh);
    const store = fresh.store;
    const dataset = (await findQueueDataset(store, "demo"))!;
    const next = (annotator: number, at = now) => nextPrompt(store, dataset, annotator, at);
    const promptOf = (result: QueueResult) => (result.status === "prompt" ? result.prompt.id : result.status);
    const submit = (annotator: number, promptId: number, durationMs = 60_000, at = now) =>
      saveAnnotation(
        store,
        annotator,
        {
          promptId,
          ranking: seeded.demo.find((p) => p.id === promptId)!.responses.map((id) => [id]),
          openness: 0.5,
          notRankable: false,
          durationMs,
        },
        at,
      );
    return { ...seeded, store, dataset, next, promptOf, submit };
  };

  it("hands a prompt to k annotators, then the next, and keeps each one's prompt across reloads", async () => {
    const { users, demo, next, promptOf, submit, store, dataset } = await setUp();
    const first = await next(users.alice);
    expect(first).toMatchObject({ status: "prompt", leasedUntil: new Date(NOW + 15 * MINUTE) });
    expect(promptOf(first)).toBe(demo[0]!.id);
    expect(first.status === "prompt" && first.responses.map((r) => r.label).sort()).toStrictEqual(["A", "B"]);
    expect(first.progress).toStrictEqual({
      doneByMe: 0,
      leftForMe: 6,
      totalPrompts: 6,
      completePrompts: 0,
      target: 2,
    });
    expect(promptOf(await next(users.alice))).toBe(demo[0]!.id);
    expect(promptOf(await next(users.bob))).toBe(demo[0]!.id);
    expect(promptOf(await next(users.carol))).toBe(demo[1]!.id);

    await submit(users.alice, demo[0]!.id);
    // Fill order: the prompt closest to its target first, once a slot of it is free.
    expect(promptOf(await next(users.dave))).toBe(demo[1]!.id);
    expect(promptOf(await next(users.alice))).toBe(demo[2]!.id);
    await submit(users.bob, demo[0]!.id);
    expect(await queueProgress(store, dataset, users.alice, now)).toStrictEqual({
      doneByMe: 1,
      leftForMe: 4,
      totalPrompts: 6,
      completePrompts: 1,
      target: 2,
    });
    // Leases end: their prompts are open again.
    expect(promptOf(await next(users.bob, new Date(NOW + 15 * MINUTE)))).toBe(demo[1]!.id);
  });

  it("refuses a submission for the last slot others hold, and says so when every prompt is taken", async () => {
    const { users, other, store } = await setUp();
    const dataset = (await findQueueDataset(store, "other"))!;
    // "other" has k = 1: alice's and bob's leases take two of its three prompts.
    for (const annotator of [users.alice, users.bob])
      expect((await nextPrompt(store, dataset, annotator, now, "fill")).status).toBe("prompt");
    const taken = (await fresh.side.rows("assignments")).find((a) => a.annotatorId === users.alice)!.promptId;
    const ranking = other.find((p) => p.id === taken)!.responses.map((id) => [id]);
    await expect(
      saveAnnotation(store, users.carol, { promptId: taken, ranking, openness: 0.5, notRankable: false }, now),
    ).rejects.toThrow(/already has the 1 annotation/);
    expect((await nextPrompt(store, dataset, users.carol, now, "fill")).status).toBe("prompt");
    const done = await nextPrompt(store, dataset, users.dave, now, "fill");
    expect(done.status).toBe("done");
    expect(done.progress).toMatchObject({ leftForMe: 0, totalPrompts: 3, completePrompts: 0, target: 1 });
  });

  it("gives the last open prompt to one of two annotators asking at once, and tells the other it is done", async () => {
    const { users, store } = await setUp();
    const dataset = (await findQueueDataset(store, "other"))!;
    for (const annotator of [users.carol, users.dave])
      expect((await nextPrompt(store, dataset, annotator, now, "fill")).status).toBe("prompt");
    const asked = await Promise.all(
      [users.alice, users.bob].map((annotator) => nextPrompt(store, dataset, annotator, now, "fill")),
    );
    expect(asked.map((r) => r.status).sort()).toStrictEqual(["done", "prompt"]);
    expect((await fresh.side.rows("assignments")).filter((a) => a.leasedUntil.getTime() > NOW)).toHaveLength(3);
  });

  it("skips a prompt, lists it, and takes it back unless others filled it meanwhile", async () => {
    const { users, demo, next, promptOf, submit, store } = await setUp();
    expect(promptOf(await next(users.alice))).toBe(demo[0]!.id);
    expect(await skipPrompt(store, demo[0]!.id, users.alice, now, "  too long  ")).toBe(true);
    expect(await skipPrompt(store, 9999, users.alice, now)).toBe(false);
    expect(promptOf(await next(users.alice))).toBe(demo[1]!.id);
    expect(await listSkipped(store, users.alice, now)).toStrictEqual([
      expect.objectContaining({ promptId: demo[0]!.id, reason: "too long", datasetSlug: "demo" }),
    ]);
    expect(await reopenSkipped(store, demo[0]!.id, users.alice, now)).toStrictEqual({
      status: "reopened",
      datasetSlug: "demo",
    });
    expect(await reopenSkipped(store, demo[0]!.id, users.alice, now)).toStrictEqual({ status: "not-skipped" });
    await skipPrompt(store, demo[0]!.id, users.alice, now);
    for (const annotator of [users.bob, users.carol]) {
      expect(promptOf(await next(annotator))).toBe(demo[0]!.id);
      await submit(annotator, demo[0]!.id);
    }
    expect(await reopenSkipped(store, demo[0]!.id, users.alice, now)).toStrictEqual({ status: "full" });
  });

  it("mixes in gold prompts and pauses an annotator the checks catch, until an admin resumes them", async () => {
    const { users, demo, datasets, next, promptOf, submit, store } = await setUp();
    await fresh.side.update(
      "datasets",
      { quality: { goldRate: 1, minChecks: 1, floorSeconds: 30, floorSecondsPer1000Chars: 0 } },
      { id: datasets.demo },
    );
    await setGold(store, demo[5]!.id, { best: demo[5]!.responses[1]! });
    const gold = await next(users.alice);
    expect(promptOf(gold)).toBe(demo[5]!.id);
    expect(gold.status === "prompt" && gold.suggestion).toBeNull();
    // Ranked against the gold answer, and too fast.
    await submit(users.alice, demo[5]!.id, 1_000);
    const paused = await next(users.alice);
    expect(paused.status).toBe("paused");
    expect(paused.status === "paused" && paused.reason).toMatch(/^Paused by the quality checks/);
    await expect(submit(users.alice, demo[0]!.id)).rejects.toThrow(/Paused by the quality checks/);
    const [pause] = await listPauses(store);
    expect(pause).toMatchObject({ datasetSlug: "demo", name: "Alice Ünal" });
    await resumeAnnotator(store, pause!.id, users.dave);
    await expect(resumeAnnotator(store, pause!.id, users.dave)).rejects.toThrow(/not active/);
    // The gold prompt answered, the regular ones come.
    expect(promptOf(await next(users.alice))).toBe(demo[0]!.id);
  });
});
