import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { sql } from "drizzle-orm";
import { firstOpenPromptQuery } from "@/db/store/queue";
import { findQueueDataset, LEASE_MS, nextPrompt, queueProgress, skipPrompt } from "@/lib/annotations/queue";
import { saveAnnotation } from "@/lib/annotations/annotations";
import { AppError } from "@/lib/errors";
import { freshDbPerTest, seedDataset, seedUsers, TEST_BACKEND, type Select, type Side } from "@/lib/test-fixtures";

const fresh = freshDbPerTest();

type Tables = {
  prompts: Select<"prompts">[];
  annotations: Select<"annotations">[];
  assignments: Select<"assignments">[];
  fill: Select<"datasetFill">[];
};

/** The rows the definitions below read, on either backend. */
async function tables(side: Side): Promise<Tables> {
  return {
    prompts: await side.rows("prompts"),
    annotations: await side.rows("annotations"),
    assignments: await side.rows("assignments"),
    fill: await side.rows("datasetFill"),
  };
}

const annotationsOf = ({ annotations }: Tables, promptId: number) =>
  annotations.filter((a) => a.promptId === promptId).length;

/** What the maintained counts must equal, computed the slow way. */
function recount(t: Tables) {
  const counts = t.prompts.map((p) => ({ id: p.id, kept: p.annotationCount, real: annotationsOf(t, p.id) }));
  type Fill = { datasetId: number; annotationCount: number; prompts: number };
  const inOrder = (x: Fill, y: Fill) => x.datasetId - y.datasetId || x.annotationCount - y.annotationCount;
  const fill = t.fill
    .filter((f) => f.prompts > 0)
    .map(({ datasetId, annotationCount, prompts }) => ({ datasetId, annotationCount, prompts }))
    .sort(inOrder);
  const groups = new Map<string, Fill>();
  for (const p of t.prompts) {
    const annotationCount = annotationsOf(t, p.id);
    const key = `${p.datasetId}:${annotationCount}`;
    const group = groups.get(key) ?? { datasetId: p.datasetId, annotationCount, prompts: 0 };
    group.prompts++;
    groups.set(key, group);
  }
  return { counts, fill, expected: [...groups.values()].sort(inOrder) };
}

/** The open-to-me count by brute force, the definition the maintained counts must match. */
function openByDefinition(t: Tables, datasetId: number, me: number, at: number, k: number): number {
  const live = t.assignments.filter((s) => s.leasedUntil.getTime() > at);
  return t.prompts.filter(
    (p) =>
      p.datasetId === datasetId &&
      !t.annotations.some((a) => a.promptId === p.id && a.annotatorId === me) &&
      !live.some((s) => s.promptId === p.id && s.annotatorId === me && s.skipped) &&
      annotationsOf(t, p.id) + live.filter((s) => s.promptId === p.id && s.annotatorId !== me && !s.skipped).length < k,
  ).length;
}

describe("queue at any size", () => {
  // SQLite's plan; db/pg/store/queue.test.ts checks PostgreSQL's on a big dataset.
  it.skipIf(TEST_BACKEND !== "sqlite")(
    "the next prompt is an index lookup: no scan of the prompts, no sort",
    async () => {
      const { db, store } = fresh;
      await seedDataset(fresh.side, { promptCount: 3, k: 2 });
      const dataset = (await findQueueDataset(store))!;
      const plan = db
        .all<{ detail: string }>(sql`explain query plan ${firstOpenPromptQuery(dataset, 1, Date.now())}`)
        .map((r) => r.detail);
      expect(plan.join("\n")).toMatch(/SEARCH p USING (COVERING )?INDEX prompts_queue/);
      expect(plan.join("\n")).not.toMatch(/TEMP B-TREE/);
      expect(plan.some((d) => /^SCAN p\b/.test(d))).toBe(false);
    },
  );

  it("maintained counts and progress match their definitions after random claims, rankings, skips and deletes", async () => {
    // Each run writes its own two datasets and annotators into the test's database (and deletes
    // its datasets at the end): the definitions cover every row there is.
    let run = 0;
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
          const { store, side } = fresh;
          run++;
          const { prompts } = await seedDataset(side, { slug: `demo${run}`, promptCount: 6, perPrompt: 2, k });
          const other = await seedDataset(side, { slug: `other${run}`, promptCount: 2, perPrompt: 2, k });
          const users = await seedUsers(side, ...[0, 1, 2, 3].map((i) => `u${i}-${run}`));
          const dataset = (await findQueueDataset(store, `demo${run}`))!;
          let clock = new Date("2030-01-01T00:00:00Z").getTime();
          for (const step of steps) {
            const me = users[step.user]!;
            const prompt = prompts[step.prompt]!;
            if (step.action === "next") await nextPrompt(store, dataset, me, new Date(clock));
            else if (step.action === "annotate") {
              try {
                await saveAnnotation(store, me, {
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
            } else if (step.action === "skip") await skipPrompt(store, prompt.id, me, new Date(clock));
            else if (step.action === "deleteAnnotation")
              await side.remove("annotations", { promptId: prompt.id, annotatorId: me });
            else clock += LEASE_MS + 1;
            const rows = await tables(side);
            for (const u of users) {
              const progress = await queueProgress(store, dataset, u, new Date(clock));
              expect(progress.leftForMe).toBe(openByDefinition(rows, dataset.id, u, clock, k));
            }
          }
          const { counts, fill, expected } = recount(await tables(side));
          for (const c of counts) expect(c.kept).toBe(c.real);
          expect(fill).toEqual(expected);
          // Deleting a dataset takes its counts with it.
          await side.remove("datasets", { id: other.dataset.id });
          const after = recount(await tables(side));
          expect(after.fill).toEqual(after.expected);
          // Keeps the rows the next run reads few.
          await side.remove("datasets", { id: dataset.id });
        },
      ),
      { numRuns: 30 },
    );
  });
});
