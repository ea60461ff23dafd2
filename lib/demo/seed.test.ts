import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db";
import { sqliteStore } from "@/db/store";
import { DEMO_ACCOUNTS } from "@/lib/demo/accounts";
import { DEMO_DATASET_SETTINGS, DEMO_FILE, DEMO_FILE_DATED_AT } from "@/lib/demo/dataset";
import { ensureDemoAccounts, seedDemo } from "@/lib/demo/seed";
import { importJsonlFile } from "@/lib/datasets/import";
import { datasetAgreement } from "@/lib/datasets/queries";
import { freshDbPerTest, openTempDb } from "@/lib/test-fixtures";

/** A dataset's prompts, responses and annotations by their external ids and annotator emails, dates apart. */
function storedContent(db: Db, slug: string) {
  const sqlite = db.$client;
  const prompts = sqlite
    .prepare(
      `select p.id, p.external_id, p.text, p.openness, p.metadata from prompts p
       join datasets d on d.id = p.dataset_id where d.slug = ? order by p.external_id`,
    )
    .all(slug) as { id: number; external_id: string; text: string; openness: number | null; metadata: string }[];
  return prompts.map(({ id, ...prompt }) => {
    const responses = sqlite
      .prepare("select id, position, external_id, text from responses where prompt_id = ? order by position")
      .all(id) as { id: number; position: number; external_id: string; text: string }[];
    const externalIds = new Map(responses.map((r) => [r.id, r.external_id]));
    const annotations = (
      sqlite
        .prepare(
          `select u.email, a.ranking, a.openness, a.not_rankable, a.comment, a.duration_ms, a.created_at, a.updated_at
           from annotations a join users u on u.id = a.annotator_id where a.prompt_id = ? order by u.email`,
        )
        .all(id) as { ranking: string; created_at: number; updated_at: number }[]
    ).map(({ ranking, created_at, updated_at, ...a }) => ({
      ...a,
      ranking: (JSON.parse(ranking) as number[][]).map((group) => group.map((r) => externalIds.get(r))),
      dates: [created_at, updated_at],
    }));
    return { ...prompt, responses: responses.map(({ id: _, ...r }) => r), annotations };
  });
}

describe("the demo file", () => {
  const fresh = freshDbPerTest();

  it("is import input: importing it stores what the seed stores, dated by the file instead of now", async () => {
    const { db, store } = fresh;
    await ensureDemoAccounts(store);
    const imported = await importJsonlFile(store, DEMO_FILE, { slug: "demo-imported", create: DEMO_DATASET_SETTINGS });
    expect(imported).toMatchObject({ ok: true, promptsCreated: 48, annotationsCreated: 99, annotatorsCreated: 0 });
    const before = Date.now();
    await seedDemo(store);
    const after = Date.now();

    const fromImport = storedContent(db, "demo-imported");
    const fromSeed = storedContent(db, "demo");
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
  let temp: ReturnType<typeof openTempDb>;
  let db: Db;
  beforeAll(() => {
    temp = openTempDb();
    db = temp.db;
  });
  afterAll(() => temp.cleanup());
  const count = (sql: string) => (db.$client.prepare(sql).get() as { n: number }).n;

  it("seeds once and changes nothing the second time", async () => {
    expect((await seedDemo(temp.store)).created).toBe(true);
    const before = [
      count("select count(*) n from prompts"),
      count("select count(*) n from annotations"),
      count("select count(*) n from users"),
    ];
    expect((await seedDemo(temp.store)).created).toBe(false);
    expect([
      count("select count(*) n from prompts"),
      count("select count(*) n from annotations"),
      count("select count(*) n from users"),
    ]).toEqual(before);
  });

  it("gives every prompt eight responses and leaves the annotator's queue full", () => {
    expect(count("select count(*) n from prompts")).toBeGreaterThanOrEqual(40);
    expect(
      count("select count(*) n from (select prompt_id from responses group by prompt_id having count(*) <> 8)"),
    ).toBe(0);
    const annotator = DEMO_ACCOUNTS.find((a) => a.email === "annotator@octorank.dev")!;
    const left = count(`select count(*) n from prompts p where
      (select count(*) from annotations a where a.prompt_id = p.id) < 3
      and not exists (select 1 from annotations a join users u on u.id = a.annotator_id where a.prompt_id = p.id and u.email = '${annotator.email}')`);
    expect(left).toBeGreaterThan(10);
  });

  it("has most prompts already ranked, with disagreement between the demo annotators", () => {
    const ranked = count("select count(distinct prompt_id) n from annotations");
    expect(ranked / count("select count(*) n from prompts")).toBeGreaterThan(0.6);
    const pairs = db.$client
      .prepare(
        `select a.ranking ra, b.ranking rb from annotations a join annotations b
                on a.prompt_id = b.prompt_id and a.annotator_id < b.annotator_id`,
      )
      .all() as { ra: string; rb: string }[];
    expect(pairs.length).toBeGreaterThan(20);
    const differing = pairs.filter((p) => p.ra !== p.rb).length;
    expect(differing / pairs.length).toBeGreaterThan(0.5);
    expect(count("select count(*) n from annotations where openness not in (0, 0.25, 0.5, 0.75, 1)")).toBe(0);
  });

  it("gives the agreement view the hasty annotator, and only them, to flag", async () => {
    const { id } = db.$client.prepare("select id from datasets where slug = 'demo'").get() as { id: number };
    const flagged = (await datasetAgreement(sqliteStore(db), id)).annotators
      .filter((a) => a.flagged)
      .map((a) => a.name);
    expect(flagged).toEqual(["Tomás Reyes"]);
  });

  it("stores no password in plain text", () => {
    const hashes = db.$client.prepare("select password_hash h from users").all() as { h: string }[];
    for (const account of DEMO_ACCOUNTS) expect(hashes.some((x) => x.h.includes(account.password))).toBe(false);
  });
});
