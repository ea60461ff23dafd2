import { describe, expect, it } from "vitest";
import {
  annotationInputSchema,
  editAnnotation,
  getMyAnnotation,
  listMyAnnotations,
  myAnnotationsQuerySchema,
  saveAnnotation,
  type AnnotationInput,
} from "@/lib/annotations/annotations";
import { findQueueDataset, nextPrompt } from "@/lib/annotations/queue";
import { myAnnotationsPageQuery } from "@/db/store/annotations";
import { freshDbPerTest, seedDataset, seedUser, seedUsers, TEST_BACKEND } from "@/lib/test-fixtures";
import { AppError } from "@/lib/errors";

const temp = freshDbPerTest();

async function snapshot() {
  return {
    annotations: await temp.side.rows("annotations"),
    revisions: await temp.side.rows("annotationRevisions"),
    assignments: await temp.side.rows("assignments"),
  };
}

function input(promptId: number, ranking: number[][], extra: Partial<AnnotationInput> = {}): AnnotationInput {
  return annotationInputSchema.parse({ promptId, ranking, openness: 0.25, durationMs: 4200, ...extra });
}

describe("saveAnnotation", () => {
  it("stores the ranking groups, ties included, and ends the lease", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 1 });
    const user = await seedUser(temp.side, "alice");
    await nextPrompt(temp.store, (await findQueueDataset(temp.store))!, user);
    expect((await snapshot()).assignments).toHaveLength(1);
    const [a, b, c, d, e, f, g, h] = prompts[0]!.responseIds as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const ranking = [[c], [a, b], [d], [e], [h, g, f]];
    const saved = await saveAnnotation(temp.store, user, input(prompts[0]!.id, ranking, { comment: "  fine  " }));
    expect(saved.revised).toBe(false);
    const [row] = await temp.side.rows("annotations");
    expect(row).toMatchObject({
      ranking,
      openness: 0.25,
      notRankable: false,
      comment: "fine",
      durationMs: 4200,
      annotatorId: user,
    });
    expect((await snapshot()).assignments).toHaveLength(0);
  });

  describe("rejects a bad submission and writes nothing", () => {
    /** The AppError a call throws, as plain fields. */
    async function refusal(save: () => Promise<unknown>) {
      try {
        await save();
      } catch (error) {
        if (error instanceof AppError) return { kind: error.kind, message: error.message, details: error.details };
        throw error;
      }
      throw new Error("expected the save to be refused");
    }

    async function setup() {
      const { prompts } = await seedDataset(temp.side, { promptCount: 2 });
      const user = await seedUser(temp.side, "alice");
      await nextPrompt(temp.store, (await findQueueDataset(temp.store))!, user);
      const [p, other] = prompts as [(typeof prompts)[0], (typeof prompts)[0]];
      return { user, p, other, before: await snapshot() };
    }

    it("a missing response", async () => {
      const { user, p, before } = await setup();
      const result = await refusal(() =>
        saveAnnotation(
          temp.store,
          user,
          input(
            p.id,
            p.responseIds.slice(1).map((id) => [id]),
          ),
        ),
      );
      expect(result).toMatchObject({ kind: "invalid", details: { missing: [p.responseIds[0]] } });
      expect(result.message).toContain("Missing");
      expect(await snapshot()).toEqual(before);
    });

    it("a duplicated id", async () => {
      const { user, p, before } = await setup();
      const ids = p.responseIds.map((id) => [id]);
      ids.push([p.responseIds[3]!]);
      const result = await refusal(() => saveAnnotation(temp.store, user, input(p.id, ids)));
      expect(result).toMatchObject({ kind: "invalid", details: { duplicated: [p.responseIds[3]] } });
      expect(await snapshot()).toEqual(before);
    });

    it("an id of another prompt", async () => {
      const { user, p, other, before } = await setup();
      const ids = p.responseIds.slice(1).map((id) => [id]);
      ids.push([other.responseIds[0]!]);
      const result = await refusal(() => saveAnnotation(temp.store, user, input(p.id, ids)));
      expect(result).toMatchObject({
        kind: "invalid",
        details: { foreign: [other.responseIds[0]], missing: [p.responseIds[0]] },
      });
      expect(result.message).toContain("another prompt");
      expect(await snapshot()).toEqual(before);
    });

    it("a prompt that does not exist", async () => {
      const { user, p, before } = await setup();
      expect(
        await refusal(() =>
          saveAnnotation(
            temp.store,
            user,
            input(
              987_654,
              p.responseIds.map((id) => [id]),
            ),
          ),
        ),
      ).toMatchObject({ kind: "not-found" });
      expect(await snapshot()).toEqual(before);
    });
  });

  it("the schema refuses openness off the scale, missing openness and an unexplained cannot-rank", async () => {
    const off = annotationInputSchema.safeParse({ promptId: 1, ranking: [[1]], openness: 0.3 });
    expect(off.success).toBe(false);
    expect(off.error?.issues[0]?.message).toContain("0, 0.25, 0.5, 0.75, 1");
    expect(annotationInputSchema.safeParse({ promptId: 1, ranking: [[1]] }).success).toBe(false);
    expect(annotationInputSchema.safeParse({ promptId: 1, ranking: [[1]], openness: 1.5 }).success).toBe(false);
    expect(annotationInputSchema.safeParse({ promptId: 1, ranking: [], notRankable: true }).success).toBe(false);
    expect(annotationInputSchema.safeParse({ promptId: 1, ranking: [[1], []], openness: 0 }).success).toBe(false);
    const cannot = annotationInputSchema.safeParse({
      promptId: 1,
      notRankable: true,
      notRankableReason: "All identical",
    });
    expect(cannot.success).toBe(true);
  });

  it("cannot-rank stores no ranking and keeps the reason", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 1 });
    const user = await seedUser(temp.side, "alice");
    const saved = await saveAnnotation(
      temp.store,
      user,
      input(prompts[0]!.id, [], { notRankable: true, notRankableReason: "Garbled", openness: null }),
    );
    expect(saved.revised).toBe(false);
    expect((await temp.side.rows("annotations"))[0]).toMatchObject({
      ranking: [],
      notRankable: true,
      notRankableReason: "Garbled",
      openness: null,
    });
  });

  it("an edit keeps the previous version as a revision; others cannot edit it", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 1 });
    const [alice, bob] = await seedUsers(temp.side, "alice", "bob");
    const ids = prompts[0]!.responseIds;
    const first = await saveAnnotation(
      temp.store,
      alice,
      input(
        prompts[0]!.id,
        ids.map((id) => [id]),
        { comment: "first" },
      ),
    );

    const reversed = ids
      .slice()
      .reverse()
      .map((id) => [id]);
    const edited = await editAnnotation(temp.store, alice, first.annotation.id, {
      ranking: reversed,
      openness: 1,
      notRankable: false,
      comment: "second",
    });
    expect(edited).toMatchObject({
      revised: true,
      annotation: { id: first.annotation.id, ranking: reversed, openness: 1 },
    });

    const revisions = await temp.side.rows("annotationRevisions");
    expect(revisions).toHaveLength(1);
    expect(revisions[0]).toMatchObject({
      annotationId: first.annotation.id,
      ranking: ids.map((id) => [id]),
      openness: 0.25,
      comment: "first",
    });
    expect(await temp.side.rows("annotations")).toHaveLength(1);

    const before = await snapshot();
    await expect(
      editAnnotation(temp.store, bob, first.annotation.id, { ranking: reversed, openness: 0, notRankable: false }),
    ).rejects.toThrow(/You have no annotation/);
    expect(await snapshot()).toEqual(before);

    expect((await listMyAnnotations(temp.store, alice)).annotations).toMatchObject([
      { id: first.annotation.id, edits: 1, openness: 1 },
    ]);
    expect(await listMyAnnotations(temp.store, bob)).toEqual({ annotations: [], total: 0, next: null });
    expect(await getMyAnnotation(temp.store, bob, first.annotation.id)).toBeNull();
    expect((await getMyAnnotation(temp.store, alice, first.annotation.id))?.responses).toHaveLength(8);
  });
});

describe("a stale board's write", () => {
  it("is refused with the stored version when another tab submitted first, and nothing is written", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 1 });
    const alice = await seedUser(temp.side, "alice");
    const promptId = prompts[0]!.id;
    const ids = prompts[0]!.responseIds;
    const forward = ids.map((id) => [id]);
    const backward = forward.slice().reverse();
    // Two tabs opened the same prompt; the first submits.
    const first = await saveAnnotation(temp.store, alice, input(promptId, forward, { baseVersion: null }));
    const before = await snapshot();
    let refused: unknown;
    try {
      await saveAnnotation(temp.store, alice, input(promptId, backward, { baseVersion: null }));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({
      kind: "conflict",
      details: { stale: true, annotationId: first.annotation.id, updatedAt: first.annotation.updatedAt.getTime() },
    });
    expect(await snapshot()).toEqual(before);

    // An edit opened on the current version goes through; one opened on an older version does not.
    const base = first.annotation.updatedAt.getTime();
    const edited = await editAnnotation(temp.store, alice, first.annotation.id, {
      ranking: backward,
      openness: 1,
      notRankable: false,
      baseVersion: base,
    });
    expect(edited.annotation.updatedAt.getTime()).toBeGreaterThan(base);
    await expect(
      editAnnotation(temp.store, alice, first.annotation.id, {
        ranking: forward,
        openness: 0,
        notRankable: false,
        baseVersion: base,
      }),
    ).rejects.toThrow(/changed .* after you opened it/);
    expect((await temp.side.rows("annotations"))[0]).toMatchObject({ ranking: backward, openness: 1 });
    // Without a base version (an API client resubmitting on purpose) the write replaces the stored one.
    expect((await saveAnnotation(temp.store, alice, input(promptId, forward))).revised).toBe(true);
    // A base version for an annotation that does not exist yet is not a conflict: nothing is replaced.
    const bob = await seedUser(temp.side, "bob");
    expect((await saveAnnotation(temp.store, bob, input(promptId, forward, { baseVersion: 12345 }))).revised).toBe(
      false,
    );
  });
});

describe("the rule for writing an annotation", () => {
  const rank = (promptId: number, responseIds: number[]) => input(promptId, [responseIds]);
  const refusal = async (run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      if (error instanceof AppError) return error.kind;
      throw error;
    }
    return null;
  };

  it("takes a first submission only under k, counting others' live leases, unless the caller holds a lease", async () => {
    const { dataset, prompts } = await seedDataset(temp.side, { promptCount: 1, k: 2 });
    const [p] = prompts as [{ id: number; responseIds: number[] }];
    const queueDataset = (await findQueueDataset(temp.store, dataset.slug))!;
    const [a, b, c, d] = await seedUsers(temp.side, "a", "b", "c", "d");
    const now = new Date();
    await nextPrompt(temp.store, queueDataset, a, now); // a holds the first slot
    expect(await refusal(() => saveAnnotation(temp.store, b, rank(p.id, p.responseIds), now))).toBeNull();
    // One annotation and a's live lease fill k = 2: c, who holds no lease, is refused and nothing is written.
    const before = await snapshot();
    expect(await refusal(() => saveAnnotation(temp.store, c, rank(p.id, p.responseIds), now))).toBe("conflict");
    expect(await snapshot()).toEqual(before);
    // a's lease keeps a's slot; once used, the prompt is full for everyone else.
    expect(await refusal(() => saveAnnotation(temp.store, a, rank(p.id, p.responseIds), now))).toBeNull();
    expect(await refusal(() => saveAnnotation(temp.store, d, rank(p.id, p.responseIds), now))).toBe("conflict");
    // Edits of one's own annotation stay allowed on a full prompt.
    expect(
      await refusal(() => saveAnnotation(temp.store, b, input(p.id, [p.responseIds.toReversed()]), now)),
    ).toBeNull();
    expect(await temp.side.rows("annotations")).toHaveLength(2);
  });

  it("lets a slot freed by an expired lease be taken", async () => {
    const { dataset, prompts } = await seedDataset(temp.side, { promptCount: 1, k: 1 });
    const [p] = prompts as [{ id: number; responseIds: number[] }];
    const [a, b] = await seedUsers(temp.side, "a", "b");
    const then = new Date(Date.now() - 60 * 60_000);
    await nextPrompt(temp.store, (await findQueueDataset(temp.store, dataset.slug))!, a, then);
    expect(
      await refusal(() => saveAnnotation(temp.store, b, rank(p.id, p.responseIds), new Date(then.getTime() + 60_000))),
    ).toBe("conflict");
    expect(await refusal(() => saveAnnotation(temp.store, b, rank(p.id, p.responseIds)))).toBeNull();
  });

  it("refuses any annotator's write into a synthetic dataset", async () => {
    const { dataset, prompts } = await seedDataset(temp.side, { promptCount: 1, k: 3 });
    const [before] = await temp.side.rows("datasets");
    await temp.side.update("datasets", { synthetic: true }, { id: dataset.id });
    const [p] = prompts as [{ id: number; responseIds: number[] }];
    const a = await seedUser(temp.side, "a");
    expect(await refusal(() => saveAnnotation(temp.store, a, rank(p.id, p.responseIds)))).toBe("forbidden");
    expect(await temp.side.rows("annotations")).toHaveLength(0);
    expect(before!.synthetic).toBe(false);
  });
});

describe("listMyAnnotations pages", () => {
  async function annotateAll(count: number) {
    const { prompts } = await seedDataset(temp.side, { promptCount: count, perPrompt: 2 });
    const alice = await seedUser(temp.side, "alice");
    const ids: number[] = [];
    for (const p of prompts)
      ids.push(
        (
          await saveAnnotation(
            temp.store,
            alice,
            input(
              p.id,
              p.responseIds.map((id) => [id]),
            ),
          )
        ).annotation.id,
      );
    return { alice, ids, prompts };
  }

  async function walk(annotatorId: number, limit: number) {
    const seen: number[][] = [];
    let page = await listMyAnnotations(temp.store, annotatorId, { limit });
    seen.push(page.annotations.map((a) => a.id));
    while (page.next) {
      const after = myAnnotationsQuerySchema.parse({ after: page.next }).after;
      page = await listMyAnnotations(temp.store, annotatorId, { limit, after });
      seen.push(page.annotations.map((a) => a.id));
    }
    return { pages: seen, total: page.total };
  }

  it("walks the whole history newest first, each annotation once, ties in time broken by id", async () => {
    const { alice, ids } = await annotateAll(7);
    // Three saved in the same millisecond: the cursor must still not skip or repeat one of them.
    await temp.side.update("annotations", { updatedAt: new Date(1000) }, { id: [ids[1]!, ids[2]!, ids[3]!] });
    const newestFirst = (await listMyAnnotations(temp.store, alice, { limit: 200 })).annotations.map((a) => a.id);
    expect(newestFirst).toHaveLength(7);
    expect(newestFirst.slice(-3)).toEqual([ids[3], ids[2], ids[1]]);
    for (const limit of [1, 2, 3, 7, 8]) {
      const { pages, total } = await walk(alice, limit);
      expect(total).toBe(7);
      expect(pages.flat()).toEqual(newestFirst);
      expect(pages.every((p) => p.length <= limit)).toBe(true);
      expect(pages.length).toBe(Math.ceil(7 / limit));
    }
  });

  it("puts an edited annotation first and reads past the end as an empty last page", async () => {
    const { alice, ids, prompts } = await annotateAll(3);
    for (const { id, updatedAt } of await temp.side.rows("annotations"))
      await temp.side.update("annotations", { updatedAt: new Date(updatedAt.getTime() - 60_000) }, { id });
    const oldest = prompts[0]!;
    await editAnnotation(temp.store, alice, ids[0]!, {
      ranking: oldest.responseIds.map((id) => [id]).reverse(),
      openness: 1,
      notRankable: false,
    });
    const first = await listMyAnnotations(temp.store, alice, { limit: 1 });
    expect(first).toMatchObject({ total: 3, annotations: [{ id: ids[0], edits: 1 }] });
    const beyond = myAnnotationsQuerySchema.parse({ after: "1.1" }).after;
    expect(await listMyAnnotations(temp.store, alice, { limit: 5, after: beyond })).toEqual({
      annotations: [],
      total: 3,
      next: null,
    });
  });

  it("refuses a cursor or page size it cannot read", async () => {
    for (const bad of [
      { after: "x" },
      { after: "12" },
      { after: "1.0" },
      { after: "-1.2" },
      { limit: 0 },
      { limit: 201 },
      { limit: true },
    ]) {
      expect(myAnnotationsQuerySchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(myAnnotationsQuerySchema.parse({ limit: "" })).toEqual({ limit: 50 });
  });

  // SQLite's own query and plan (EXPLAIN QUERY PLAN over its builder): SQLite only.
  it.skipIf(TEST_BACKEND !== "sqlite")(
    "reads a page from the annotator's index, without sorting their history",
    async () => {
      const { alice } = await annotateAll(2);
      for (const after of [undefined, { updatedAt: Date.now(), id: 1_000_000 }]) {
        const { sql, params } = myAnnotationsPageQuery(temp.db, alice, { after, limit: 3 }).toSQL();
        const plan = temp.db.$client.prepare(`explain query plan ${sql}`).all(...params) as { detail: string }[];
        const details = plan.map((p) => p.detail).join("\n");
        expect(details).toMatch(/SEARCH a(nnotations)? USING (COVERING )?INDEX annotations_annotator_recent/);
        expect(details).not.toMatch(/TEMP B-TREE/);
      }
    },
  );
});
