import { eq } from "drizzle-orm";
import type { DatasetStore } from "@/db/store/datasets";
import { externalAnnotatorEmail, type NewPrompt } from "@/db/store/writer";
import { schema } from "../index";
import type { PgExecutor } from "./executor";

/** The datasets store on PostgreSQL: db/store/writer.ts's inserts, row for row. */
export function postgresDatasetStore(db: PgExecutor): DatasetStore {
  return {
    insertDataset: async (dataset) => (await db.insert(schema.datasets).values(dataset).returning())[0]!,
    insertPrompt: async (datasetId: number, prompt: NewPrompt) => {
      const [{ id: promptId }] = (await db
        .insert(schema.prompts)
        .values({
          datasetId,
          externalId: prompt.externalId,
          text: prompt.text,
          messages: prompt.messages ?? null,
          openness: prompt.openness ?? null,
          metadata: prompt.metadata ?? null,
        })
        .returning({ id: schema.prompts.id })) as [{ id: number }];
      const responseIds = new Map<string, number>();
      if (prompt.responses.length === 0) return { promptId, responseIds };
      // One statement for all of the prompt's responses.
      const inserted = await db
        .insert(schema.responses)
        .values(
          prompt.responses.map((r, position) => ({
            promptId,
            position,
            externalId: r.externalId,
            text: r.text,
            embedding: r.embedding ?? null,
          })),
        )
        .returning({ id: schema.responses.id, externalId: schema.responses.externalId });
      for (const r of inserted) responseIds.set(r.externalId, r.id);
      return { promptId, responseIds };
    },
    ensureExternalAnnotator: async (name) => {
      const email = externalAnnotatorEmail(name);
      const [existing] = await db
        .select({ id: schema.users.id })
        .from(schema.users)
        .where(eq(schema.users.email, email));
      if (existing) return { id: existing.id, created: false };
      // Another server's import may create the same account meanwhile: then it is found, not created.
      const [created] = await db
        .insert(schema.users)
        .values({ email, name, role: "annotator", external: true, passwordHash: null })
        .onConflictDoNothing({ target: schema.users.email })
        .returning({ id: schema.users.id });
      if (created) return { id: created.id, created: true };
      const [found] = await db.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.email, email));
      return { id: found!.id, created: false };
    },
  };
}
