import { beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { sql } from "drizzle-orm";
import { openDatabase, type Db } from "@/db";
import { sqliteStore, type Store } from "@/db/store";
import { firstOpenPromptQuery } from "@/db/store/queue";
import { findQueueDataset, LEASE_MS, nextPrompt, queueProgress, skipPrompt } from "@/lib/annotations/queue";
import { saveAnnotation } from "@/lib/annotations/annotations";
import { AppError } from "@/lib/errors";
import { addDataset, addUser, freshDbPerTest } from "@/lib/test-fixtures";

let db: Db;
let store: Store;
const fresh = freshDbPerTest();
beforeEach(() => ({ db, store } = fresh));

/** What the maintained counts must equal, computed the slow way. */
function recount(db: Db) {
  const counts = db.$client
    .prepare(
      "select p.id, p.annotation_count as kept, (select count(*) from annotations a where a.prompt_id = p.id) as real from prompts p",
    )
    .all() as { id: number; kept: number; real: number }[];
  const fill = db.$client
    .prepare("select dataset_id, annotation_count, prompts from dataset_fill where prompts > 0 order by 1, 2")
    .all();
  const expected = db.$client
    .prepare(
      `select dataset_id, c as annotation_count, count(*) as prompts from
         (select p.dataset_id, (select count(*) from annotations a where a.prompt_id = p.id) as c from prompts p)
       group by 1, 2 order by 1, 2`,
    )
    .all();
  return { counts, fill, expected };
}

/** The open-to-me count by brute force, the definition the maintained counts must match. */
function openByDefinition(db: Db, datasetId: number, me: number, at: number, k: number): number {
  return (
    db.$client
      .prepare(
        `select count(*) as n from prompts p where p.dataset_id = ?
          and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ?)
          and not exists (select 1 from assignments s where s.prompt_id = p.id and s.annotator_id = ? and s.skipped = 1 and s.leased_until > ?)
          and (select count(*) from annotations a where a.prompt_id = p.id)
            + (select count(*) from assignments s where s.prompt_id = p.id and s.annotator_id != ? and s.skipped = 0 and s.leased_until > ?) < ?`,
      )
      .get(datasetId, me, me, at, me, at, k) as { n: number }
  ).n;
}

describe("queue at any size", () => {
  it("the next prompt is an index lookup: no scan of the prompts, no sort", async () => {
    addDataset(db, { promptCount: 3, k: 2 });
    const dataset = (await findQueueDataset(store))!;
    const plan = db
      .all<{ detail: string }>(sql`explain query plan ${firstOpenPromptQuery(dataset, 1, Date.now())}`)
      .map((r) => r.detail);
    expect(plan.join("\n")).toMatch(/SEARCH p USING (COVERING )?INDEX prompts_queue/);
    expect(plan.join("\n")).not.toMatch(/TEMP B-TREE/);
    expect(plan.some((d) => /^SCAN p\b/.test(d))).toBe(false);
  });

  it("maintained counts and progress match their definitions after random claims, rankings, skips and deletes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            user: fc.integer({ min: 0, max: 3 }),
            action: fc.constantFrom("next", "annotate", "skip", "deleteAnnotation", "expire"),
            prompt: fc.integer({ min: 0, max: 5 }),
          }),
          { maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 3 }),
        async (steps, k) => {
          const tdb = openDatabase(":memory:");
          const tstore = sqliteStore(tdb);
          try {
            const { prompts } = addDataset(tdb, { promptCount: 6, perPrompt: 2, k });
            addDataset(tdb, { slug: "other", promptCount: 2, perPrompt: 2, k });
            const users = [0, 1, 2, 3].map((i) => addUser(tdb, `u${i}`));
            const dataset = (await findQueueDataset(tstore))!;
            let clock = new Date("2030-01-01T00:00:00Z").getTime();
            for (const step of steps) {
              const me = users[step.user]!;
              const prompt = prompts[step.prompt]!;
              if (step.action === "next") await nextPrompt(tstore, dataset, me, new Date(clock));
              else if (step.action === "annotate") {
                try {
                  await saveAnnotation(tstore, me, {
                    promptId: prompt.id,
                    ranking: prompt.responseIds.map((id) => [id]),
                    openness: 0.5,
                    notRankable: false,
                  });
                } catch (error) {
                  // A first submission without a lease on a prompt that is full is refused (write-rule.ts).
                  expect(error).toBeInstanceOf(AppError);
                  expect((error as AppError).kind).toBe("conflict");
                }
              } else if (step.action === "skip") await skipPrompt(tstore, prompt.id, me, new Date(clock));
              else if (step.action === "deleteAnnotation")
                tdb.$client
                  .prepare("delete from annotations where prompt_id = ? and annotator_id = ?")
                  .run(prompt.id, me);
              else clock += LEASE_MS + 1;
              for (const u of users) {
                const progress = await queueProgress(tstore, dataset, u, new Date(clock));
                expect(progress.leftForMe).toBe(openByDefinition(tdb, dataset.id, u, clock, k));
              }
            }
            const { counts, fill, expected } = recount(tdb);
            for (const c of counts) expect(c.kept).toBe(c.real);
            expect(fill).toEqual(expected);
            // Deleting a dataset takes its counts with it.
            tdb.$client.prepare("delete from datasets where slug = 'other'").run();
            expect(recount(tdb).fill).toEqual(recount(tdb).expected);
          } finally {
            tdb.$client.close();
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
