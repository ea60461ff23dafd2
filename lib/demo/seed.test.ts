import { describe, expect, it } from "vitest";
import { DEMO_ACCOUNTS } from "@/lib/demo/accounts";
import { DEMO_DATASET_SETTINGS, DEMO_FILE, DEMO_FILE_DATED_AT } from "@/lib/demo/dataset";
import { ensureDemoAccounts, seedDemo } from "@/lib/demo/seed";
import { importJsonlFile } from "@/lib/datasets/import";
import { datasetAgreement } from "@/lib/datasets/queries";
import { freshDbPerTest, type Side } from "@/lib/test-fixtures";

/** A dataset's prompts, responses and annotations by their external ids and annotator emails, dates apart. */
async function storedContent(side: Side, slug: string) {
  const dataset = (await side.rows("datasets")).find((d) => d.slug === slug)!;
  const responses = await side.rows("responses");
  const annotations = await side.rows("annotations");
  const emails = new Map((await side.rows("users")).map((u) => [u.id, u.email]));
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const prompts = (await side.rows("prompts"))
    .filter((p) => p.datasetId === dataset.id)
    .sort((a, b) => byText(a.externalId, b.externalId));
  return prompts.map((p) => {
    const own = responses.filter((r) => r.promptId === p.id).sort((a, b) => a.position - b.position);
    const externalIds = new Map(own.map((r) => [r.id, r.externalId]));
    return {
      external_id: p.externalId,
      text: p.text,
      openness: p.openness,
      metadata: p.metadata,
      responses: own.map((r) => ({ position: r.position, external_id: r.externalId, text: r.text })),
      annotations: annotations
        .filter((a) => a.promptId === p.id)
        .map((a) => ({
          email: emails.get(a.annotatorId)!,
          ranking: a.ranking.map((group) => group.map((r) => externalIds.get(r))),
          openness: a.openness,
          not_rankable: a.notRankable,
          comment: a.comment,
          duration_ms: a.durationMs,
          dates: [a.createdAt.getTime(), a.updatedAt.getTime()],
        }))
        .sort((a, b) => byText(a.email, b.email)),
    };
  });
}

describe("the demo file", () => {
  const fresh = freshDbPerTest();

  it("is import input: importing it stores what the seed stores, dated by the file instead of now", async () => {
    const { side, store } = fresh;
    await ensureDemoAccounts(store);
    const imported = await importJsonlFile(store, DEMO_FILE, { slug: "demo-imported", create: DEMO_DATASET_SETTINGS });
    expect(imported).toMatchObject({ ok: true, promptsCreated: 48, annotationsCreated: 99, annotatorsCreated: 0 });
    const before = Date.now();
    await seedDemo(store);
    const after = Date.now();

    const fromImport = await storedContent(side, "demo-imported");
    const fromSeed = await storedContent(side, "demo");
    const undated = (content: typeof fromSeed) =>
      content.map((p) => ({ ...p, annotations: p.annotations.map(({ dates: _, ...a }) => a) }));
    expect(undated(fromSeed)).toEqual(undated(fromImport));

    // The seed moves every date by the time since the file's date, so the demo's work is recent.
    const moves = fromSeed.flatMap((p, i) =>
      p.annotations.flatMap((a, j) => a.dates.map((at, k) => at - fromImport[i]!.annotations[j]!.dates[k]!)),
    );
    expect(new Set(moves).size).toBe(1);
    expect(moves[0]).toBeGreaterThanOrEqual(before - DEMO_FILE_DATED_AT.getTime());
    expect(moves[0]).toBeLessThanOrEqual(after - DEMO_FILE_DATED_AT.getTime());
    const latest = Math.max(...fromSeed.flatMap((p) => p.annotations.flatMap((a) => a.dates)));
    expect(latest).toBeLessThanOrEqual(after);
    expect(latest).toBeGreaterThan(after - 2 * 24 * 3_600_000);
  });
});

describe("demo seed", () => {
  // One seeded database that every test below only reads: seeding for each would repeat the same work.
  const seeded = freshDbPerTest({ shared: true });
  const rowCounts = async () =>
    Promise.all((["prompts", "annotations", "users"] as const).map(async (t) => (await seeded.side.rows(t)).length));

  it("seeds once and changes nothing the second time", async () => {
    expect((await seedDemo(seeded.store)).created).toBe(true);
    const before = await rowCounts();
    expect((await seedDemo(seeded.store)).created).toBe(false);
    expect(await rowCounts()).toEqual(before);
  });

  it("gives every prompt eight responses and leaves the annotator's queue full", async () => {
    const prompts = await seeded.side.rows("prompts");
    expect(prompts.length).toBeGreaterThanOrEqual(40);
    const responses = await seeded.side.rows("responses");
    const responseCount = (promptId: number) => responses.filter((r) => r.promptId === promptId).length;
    expect([...new Set(responses.map((r) => r.promptId))].filter((id) => responseCount(id) !== 8)).toEqual([]);
    const annotator = DEMO_ACCOUNTS.find((a) => a.email === "annotator@octorank.dev")!;
    const annotatorId = (await seeded.store.auth.userByEmail(annotator.email))!.id;
    const annotations = await seeded.side.rows("annotations");
    const left = prompts.filter((p) => {
      const ofPrompt = annotations.filter((a) => a.promptId === p.id);
      return ofPrompt.length < 3 && !ofPrompt.some((a) => a.annotatorId === annotatorId);
    }).length;
    expect(left).toBeGreaterThan(10);
  });

  it("has most prompts already ranked, with disagreement between the demo annotators", async () => {
    const annotations = await seeded.side.rows("annotations");
    const ranked = new Set(annotations.map((a) => a.promptId)).size;
    expect(ranked / (await seeded.side.rows("prompts")).length).toBeGreaterThan(0.6);
    const pairs = annotations.flatMap((a) =>
      annotations.filter((b) => a.promptId === b.promptId && a.annotatorId < b.annotatorId).map((b) => [a, b] as const),
    );
    expect(pairs.length).toBeGreaterThan(20);
    const differing = pairs.filter(([a, b]) => JSON.stringify(a.ranking) !== JSON.stringify(b.ranking)).length;
    expect(differing / pairs.length).toBeGreaterThan(0.5);
    expect(annotations.filter((a) => a.openness !== null && ![0, 0.25, 0.5, 0.75, 1].includes(a.openness))).toEqual([]);
  });

  it("gives the agreement view the hasty annotator, and only them, to flag", async () => {
    const { id } = (await seeded.store.runs.datasetBySlug("demo"))!;
    const flagged = (await datasetAgreement(seeded.store, id)).annotators.filter((a) => a.flagged).map((a) => a.name);
    expect(flagged).toEqual(["Tomás Reyes"]);
  });

  it("stores no password in plain text", async () => {
    const hashes = (await seeded.side.rows("users")).map((u) => u.passwordHash ?? "");
    for (const account of DEMO_ACCOUNTS) expect(hashes.some((h) => h.includes(account.password))).toBe(false);
  });
});
