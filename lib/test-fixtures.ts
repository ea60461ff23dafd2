import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, schema, type Db } from "@/db";

/** A migrated SQLite file in a fresh temp folder (`dir`, free for other test files), for unit tests that use the real database. */
export function openTempDb(): { db: Db; dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-test-"));
  const db = openDatabase(path.join(dir, "test.db"));
  return {
    db,
    dir,
    cleanup: () => {
      db.$client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function addUser(db: Db, name: string, role: "annotator" | "researcher" | "admin" = "annotator"): number {
  return db
    .insert(schema.users)
    .values({ email: `${name}@test.local`, name, role, passwordHash: "x" })
    .returning({ id: schema.users.id })
    .get().id;
}

/** A dataset of `promptCount` prompts with `perPrompt` responses each; returns the ids. */
export function addDataset(
  db: Db,
  {
    slug = "demo",
    promptCount = 3,
    perPrompt = 8,
    k = 3,
  }: { slug?: string; promptCount?: number; perPrompt?: number; k?: number } = {},
) {
  const dataset = db
    .insert(schema.datasets)
    .values({ slug, name: `Dataset ${slug}`, guidelines: "Rank best first.", annotationsPerPrompt: k })
    .returning()
    .get();
  const prompts = Array.from({ length: promptCount }, (_, p) => {
    const prompt = db
      .insert(schema.prompts)
      .values({ datasetId: dataset.id, externalId: `${slug}-p${p}`, text: `Prompt ${p} of ${slug}` })
      .returning()
      .get();
    const responseIds = Array.from(
      { length: perPrompt },
      (_, i) =>
        db
          .insert(schema.responses)
          .values({ promptId: prompt.id, position: i, externalId: `r${i}`, text: `Response ${i} to prompt ${p}` })
          .returning({ id: schema.responses.id })
          .get().id,
    );
    return { id: prompt.id, responseIds };
  });
  return { dataset, prompts };
}
