import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/db";
import { DEMO_ACCOUNTS, seedDemo } from "@/lib/demo/seed";
import { datasetAgreement } from "@/lib/datasets/queries";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-seed-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("demo seed", () => {
  const db = openDatabase(path.join(dir, "seed.db"));
  const count = (sql: string) => (db.$client.prepare(sql).get() as { n: number }).n;

  it("seeds once and changes nothing the second time", () => {
    expect(seedDemo(db).created).toBe(true);
    const before = [
      count("select count(*) n from prompts"),
      count("select count(*) n from annotations"),
      count("select count(*) n from users"),
    ];
    expect(seedDemo(db).created).toBe(false);
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

  it("gives the agreement view the hasty annotator, and only them, to flag", () => {
    const { id } = db.$client.prepare("select id from datasets where slug = 'demo'").get() as { id: number };
    const flagged = datasetAgreement(db, id)
      .annotators.filter((a) => a.flagged)
      .map((a) => a.name);
    expect(flagged).toEqual(["Tomás Reyes"]);
  });

  it("stores no password in plain text", () => {
    const hashes = db.$client.prepare("select password_hash h from users").all() as { h: string }[];
    for (const account of DEMO_ACCOUNTS) expect(hashes.some((x) => x.h.includes(account.password))).toBe(false);
  });
});
