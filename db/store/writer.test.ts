import fs from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { schema, type Db } from "@/db";
import { saveAnnotation } from "@/lib/annotations/annotations";
import { importJsonlFile } from "@/lib/datasets/import";
import { EXTERNAL_EMAIL_DOMAIN, insertDataset, insertPrompt, writeAnnotation } from "@/db/store/writer";
import { ensureSyntheticLengthDataset } from "@/lib/runs/repro";
import { freshDbPerTest, seedUser } from "@/lib/test-fixtures";

let db: Db;
let dir: string;
const fresh = freshDbPerTest();
beforeEach(() => ({ db, dir } = fresh));

function onePrompt() {
  const dataset = insertDataset(db, {
    slug: "w",
    name: "W",
    guidelines: "",
    responsesPerPrompt: 3,
    annotationsPerPrompt: 2,
  });
  const { promptId, responseIds } = insertPrompt(db, dataset.id, {
    externalId: "p",
    text: "Pick one.",
    responses: ["a", "b", "c"].map((t) => ({ externalId: t, text: t })),
  });
  return { promptId, ids: [...responseIds.values()] };
}

describe("writeAnnotation", () => {
  it("keeps each replaced version as a revision, and the same content again only when told to", async () => {
    const { promptId, ids } = onePrompt();
    const user = await seedUser(fresh.side, "alice");
    const first = { ranking: ids.map((id) => [id]), openness: 0, notRankable: false };
    expect(writeAnnotation(db, promptId, user, first).outcome).toBe("created");
    expect(writeAnnotation(db, promptId, user, first).outcome).toBe("unchanged");
    expect(db.select().from(schema.annotationRevisions).all()).toHaveLength(0);
    expect(writeAnnotation(db, promptId, user, first, "revise").outcome).toBe("updated");
    const reversed = { ...first, ranking: [...first.ranking].reverse() };
    const updated = writeAnnotation(db, promptId, user, reversed);
    expect(updated.outcome).toBe("updated");
    expect(updated.annotation.ranking).toEqual(reversed.ranking);
    const revisions = db.select().from(schema.annotationRevisions).all();
    expect(revisions.map((r) => r.ranking)).toEqual([first.ranking, first.ranking]);
  });

  it("stores no ranking for a not-rankable annotation, through the API and through import alike", async () => {
    const { promptId, ids } = onePrompt();
    const alice = await seedUser(fresh.side, "alice");
    const sent = { ranking: ids.map((id) => [id]), openness: null, notRankable: true, notRankableReason: "Garbled" };
    expect(writeAnnotation(db, promptId, alice, sent).annotation.ranking).toEqual([]);
    const bob = await seedUser(fresh.side, "bob");
    expect((await saveAnnotation(fresh.store, bob, { promptId, ...sent })).annotation.ranking).toEqual([]);

    const file = path.join(dir, "not-rankable.jsonl");
    const line = {
      id: "p",
      prompt: "Pick one.",
      responses: [
        { id: "a", text: "a" },
        { id: "b", text: "b" },
        { id: "c", text: "c" },
      ],
      annotations: [
        { annotator: "Ext", ranking: [["a"], ["b"], ["c"]], not_rankable: true, not_rankable_reason: "Garbled" },
      ],
    };
    fs.writeFileSync(file, JSON.stringify(line));
    expect((await importJsonlFile(fresh.store, file, { slug: "w" })).ok).toBe(true);
    const rows = db.select().from(schema.annotations).where(eq(schema.annotations.notRankable, true)).all();
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.ranking).toEqual([]);
    // Re-importing the same file changes nothing.
    expect(await importJsonlFile(fresh.store, file, { slug: "w" })).toMatchObject({
      ok: true,
      annotationsUnchanged: 1,
    });
  });
});

describe("external annotators", () => {
  it("get accounts under one domain, whether an import or the paper repro names them", async () => {
    const { ids } = onePrompt();
    expect(ids).toHaveLength(3);
    const file = path.join(dir, "external.jsonl");
    fs.writeFileSync(
      file,
      JSON.stringify({
        id: "q",
        prompt: "Another.",
        responses: ["x", "y", "z"],
        annotations: [{ annotator: "Ext", ranking: [[0], [1], [2]] }],
      }),
    );
    expect((await importJsonlFile(fresh.store, file, { slug: "w" })).ok).toBe(true);
    await ensureSyntheticLengthDataset(fresh.store, 8, 1);
    const external = db.select().from(schema.users).where(eq(schema.users.external, true)).all();
    expect(external).toHaveLength(2);
    for (const user of external) {
      expect(user.email.endsWith(`@${EXTERNAL_EMAIL_DOMAIN}`), user.email).toBe(true);
      expect(user.passwordHash).toBeNull();
    }
  });
});
