import { describe, expect, it } from "vitest";
import { annotationInputSchema, saveAnnotation } from "@/lib/annotations/annotations";
import { refreshPromptStats } from "@/lib/datasets/prompt-stats";
import {
  currentReviewState,
  promptReviewHistory,
  reviewAnnotation,
  reviewInputSchema,
  sentBackToAnnotator,
} from "@/lib/annotations/review";
import { collect, freshDbPerTest, seedDataset, seedUser } from "@/lib/test-fixtures";
import { AppError, type ErrorKind } from "@/lib/errors";
import { exportLines, exportOptionsSchema } from "@/lib/datasets/export";
import { getDataset, getPromptDetail } from "@/lib/datasets/queries";
import { loadTrainingPrompts } from "@/lib/runs/training-data";

const temp = freshDbPerTest();

async function annotate(annotator: number, promptId: number, ranking: number[][], comment?: string) {
  const saved = await saveAnnotation(
    temp.store,
    annotator,
    annotationInputSchema.parse({ promptId, ranking, openness: 0.5, comment }),
  );
  return saved.annotation;
}

async function review(
  reviewer: number,
  annotation: { id: number; updatedAt: Date },
  decision: string,
  comment?: string,
) {
  return reviewAnnotation(
    temp.store,
    reviewer,
    reviewInputSchema.parse({
      annotationId: annotation.id,
      version: annotation.updatedAt.getTime(),
      decision,
      comment,
    }),
  );
}

async function expectRefused(run: () => Promise<unknown>, kind: ErrorKind) {
  const before = await temp.side.rows("annotationReviews");
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).kind).toBe(kind);
  expect(await temp.side.rows("annotationReviews")).toEqual(before);
}

describe("review workflow", () => {
  it("keeps every decision, derives the state from the last one about the current version", async () => {
    const { dataset, prompts } = await seedDataset(temp.side, { promptCount: 2, perPrompt: 3 });
    const annotator = await seedUser(temp.side, "ann");
    const reviewer = await seedUser(temp.side, "rev", "researcher");
    const [a, b, c] = prompts[0]!.responseIds as [number, number, number];
    const first = await annotate(annotator, prompts[0]!.id, [[a], [b], [c]]);

    await review(reviewer, first, "send_back", "C is clearly best: read the guidelines on length.");
    let history = (await promptReviewHistory(temp.store, prompts[0]!.id)).get(first.id)!;
    expect(currentReviewState(history, first.updatedAt)).toBe("sent_back");
    expect(await sentBackToAnnotator(temp.store, dataset.id, annotator)).toEqual([
      expect.objectContaining({
        annotationId: first.id,
        promptId: prompts[0]!.id,
        reviewer: "rev",
        comment: "C is clearly best: read the guidelines on length.",
      }),
    ]);

    // The annotator resubmits: the old version goes to revisions, the state is pending again.
    const second = await annotate(annotator, prompts[0]!.id, [[c], [a], [b]]);
    expect(second.id).toBe(first.id);
    expect(await temp.side.rows("annotationRevisions")).toHaveLength(1);
    history = (await promptReviewHistory(temp.store, prompts[0]!.id)).get(first.id)!;
    expect(currentReviewState(history, second.updatedAt)).toBe("pending");
    expect(await sentBackToAnnotator(temp.store, dataset.id, annotator)).toEqual([]);

    // A decision about the old version is refused: the reviewer must look at the new one.
    await expectRefused(() => review(reviewer, first, "accept"), "conflict");
    await review(reviewer, second, "accept");
    history = (await promptReviewHistory(temp.store, prompts[0]!.id)).get(first.id)!;
    expect(history.map((r) => r.decision)).toEqual(["send_back", "accept"]);
    expect(currentReviewState(history, second.updatedAt)).toBe("accepted");
  });

  it("refuses a reviewer's own annotation, a deleted one, and a send-back without a comment", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 1, perPrompt: 2 });
    const researcher = await seedUser(temp.side, "res", "researcher");
    const [a, b] = prompts[0]!.responseIds as [number, number];
    const own = await annotate(researcher, prompts[0]!.id, [[a], [b]]);
    await expectRefused(() => review(researcher, own, "accept"), "forbidden");
    await expectRefused(
      () =>
        reviewAnnotation(
          temp.store,
          researcher,
          reviewInputSchema.parse({ annotationId: 9999, version: 1, decision: "accept" }),
        ),
      "not-found",
    );
    for (const decision of ["send_back", "reject"]) {
      expect(reviewInputSchema.safeParse({ annotationId: own.id, version: 1, decision, comment: "   " }).success).toBe(
        false,
      );
    }
    expect(reviewInputSchema.safeParse({ annotationId: own.id, version: 1, decision: "approve" }).success).toBe(false);
    expect(reviewInputSchema.safeParse({ annotationId: "1; drop table", version: 1, decision: "accept" }).success).toBe(
      false,
    );
  });

  it("is append-only in the database too", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 1, perPrompt: 2 });
    const annotator = await seedUser(temp.side, "ann");
    const reviewer = await seedUser(temp.side, "rev", "researcher");
    const [a, b] = prompts[0]!.responseIds as [number, number];
    await review(reviewer, await annotate(annotator, prompts[0]!.id, [[a], [b]]), "reject", "Ranked at random.");
    const refusal = await temp.side.update("annotationReviews", { decision: "accept" }, {}).then(
      () => null,
      (error: Error) => error,
    );
    // drizzle wraps PostgreSQL's error (its words are the cause's), not SQLite's.
    expect(String((refusal?.cause as Error | undefined)?.message ?? refusal?.message)).toMatch(/append-only/);
  });

  it("counts review states per prompt once stale prompts are refreshed", async () => {
    const { dataset, prompts } = await seedDataset(temp.side, { promptCount: 1, perPrompt: 2, k: 4 });
    const reviewer = await seedUser(temp.side, "rev", "researcher");
    const [a, b] = prompts[0]!.responseIds as [number, number];
    const states = ["accept", "reject", "send_back", null] as const;
    for (const [i, decision] of states.entries()) {
      const annotation = await annotate(await seedUser(temp.side, `ann${i}`), prompts[0]!.id, [[a], [b]]);
      if (decision) await review(reviewer, annotation, decision, "why");
    }
    expect(await refreshPromptStats(temp.store, dataset.id)).toBe(0);
    expect((await temp.side.rows("promptStats"))[0]).toMatchObject({
      stale: false,
      annotations: 4,
      reviewAccepted: 1,
      reviewRejected: 1,
      reviewSentBack: 1,
      reviewPending: 1,
    });
  });

  it("restricts exports, the consensus and training to accepted annotations when asked", async () => {
    const { dataset, prompts } = await seedDataset(temp.side, { promptCount: 2, perPrompt: 2 });
    const reviewer = await seedUser(temp.side, "rev", "researcher");
    const [a, b] = prompts[0]!.responseIds as [number, number];
    const good = await annotate(await seedUser(temp.side, "good"), prompts[0]!.id, [[a], [b]]);
    const bad = await annotate(await seedUser(temp.side, "bad"), prompts[0]!.id, [[b], [a]]);
    const [c, d] = prompts[1]!.responseIds as [number, number];
    await annotate(await seedUser(temp.side, "unreviewed"), prompts[1]!.id, [[c], [d]]);
    await review(reviewer, good, "accept");
    await review(reviewer, bad, "reject", "Reversed the scale.");

    const lines = async (extra: Record<string, string>) =>
      (
        await collect(exportLines(temp.store, dataset.id, exportOptionsSchema.parse({ format: "pairs", ...extra })))
      ).map((l) => JSON.parse(l) as { annotator: string; chosen_id: string });
    expect((await lines({})).map((l) => l.annotator).sort()).toEqual([
      "bad@test.local",
      "good@test.local",
      "unreviewed@test.local",
    ]);
    expect(await lines({ accepted_only: "1" })).toEqual([
      expect.objectContaining({ annotator: "good@test.local", chosen_id: "r0" }),
    ]);
    const consensus = await collect(
      exportLines(temp.store, dataset.id, exportOptionsSchema.parse({ format: "consensus", accepted_only: "1" })),
    );
    expect(consensus).toHaveLength(1);
    expect(JSON.parse(consensus[0]!)).toMatchObject({ consensus: [["r0"], ["r1"]], annotators: 1 });

    const all = (await getPromptDetail(temp.store, dataset.id, prompts[0]!.id))!;
    expect(all.consensus).toEqual([[a, b]]); // one each way: a tie
    expect(
      await getPromptDetail(temp.store, dataset.id, prompts[0]!.id, undefined, { acceptedOnly: true }),
    ).toMatchObject({
      consensus: [[a], [b]],
      consensusOf: 1,
    });

    const assume = { policy: "assume", value: 0.5 } as const;
    expect((await loadTrainingPrompts(temp.store, dataset.id, assume)).prompts.map((p) => p.rankings.length)).toEqual([
      2, 1,
    ]);
    expect((await loadTrainingPrompts(temp.store, dataset.id, assume, { acceptedOnly: true })).prompts).toEqual([
      expect.objectContaining({ id: String(prompts[0]!.id), rankings: [[[String(a)], [String(b)]]] }),
    ]);
    // Once the accepted annotation is edited, it is no longer accepted: it waits for review again.
    await annotate((await temp.side.rows("annotations"))[0]!.annotatorId, prompts[0]!.id, [[b], [a]]);
    expect((await loadTrainingPrompts(temp.store, dataset.id, assume, { acceptedOnly: true })).prompts).toEqual([]);
    expect((await getDataset(temp.store, "demo"))!.rankingMode).toBe("ranking");
  });
});
