import { eq, sql } from "drizzle-orm";
import type {
  AgreementAnnotationRow,
  AgreementPromptRow,
  DatasetProgressRow,
  DatasetStore,
  ExportAnnotationRow,
  ExportPage,
  ExportPromptRow,
  ExportResponseRow,
  PromptPageRow,
  ReviewedAnnotationRow,
  RewardedResponseRow,
  VisibleDataset,
} from "@/db/store/datasets";
import { acceptedSql, reviewStateSql } from "@/db/store/review";
import { externalAnnotatorEmail, type NewPrompt } from "@/db/store/writer";
import { schema } from "../index";
import type { PgExecutor } from "./executor";
import { insertRows } from "./many-rows";
import { allRows } from "./rows";
import { epochMs } from "./time";
import { visibleDatasetText } from "./visible";

/** A dataset's columns under VisibleDataset's names; the date as epoch ms (toDataset makes it a Date). */
const DATASET_COLUMNS = sql`d.id, d.slug, d.name, d.guidelines, d.responses_per_prompt as "responsesPerPrompt",
  d.annotations_per_prompt as "annotationsPerPrompt", d.synthetic, d.ranking_mode as "rankingMode",
  d.queue_order as "queueOrder", ${epochMs("d.created_at")} as "createdAt"`;

function toDataset<Row extends VisibleDataset>(row: Omit<Row, "createdAt"> & { createdAt: number }): Row {
  return { ...row, createdAt: new Date(row.createdAt) } as Row;
}

// From the counts triggers maintain (dataset_fill, dataset_annotators), as on SQLite.
const PROGRESS_SQL = sql`
  select ${DATASET_COLUMNS},
    (select coalesce(sum(f.prompts), 0)::int from dataset_fill f where f.dataset_id = d.id) as prompts,
    (select coalesce(sum(f.prompts * f.annotation_count), 0)::int from dataset_fill f where f.dataset_id = d.id)
      as annotations,
    (select count(*)::int from dataset_annotators da where da.dataset_id = d.id and da.annotations > 0) as annotators,
    (select coalesce(sum(f.prompts), 0)::int from dataset_fill f
       where f.dataset_id = d.id and f.annotation_count >= d.annotations_per_prompt) as "completePrompts"
  from datasets d
  where ${sql.raw(visibleDatasetText("d"))}`;

/** An annotation's columns as SQLite's raw rows hold them (StoredAnnotation): flags 0/1, JSON as text, dates as ms. */
const ANNOTATION_COLUMNS = sql`a.id, a.prompt_id, a.annotator_id, a.ranking::text as ranking, a.openness,
  a.not_rankable::int as not_rankable, a.not_rankable_reason, a.comment, a.duration_ms, a.suggestion_run_id,
  a.suggested_ranking::text as suggested_ranking, a.suggestion_distance, ${epochMs("a.created_at")} as created_at,
  ${epochMs("a.updated_at")} as updated_at`;

/** The datasets store on PostgreSQL: db/store/writer.ts's inserts, row for row. */
export function postgresDatasetStore(db: PgExecutor): DatasetStore {
  /** Prompts and their responses in one statement per table, in order (ids follow it). */
  const insertPrompts = async (
    datasetId: number,
    prompts: readonly NewPrompt[],
  ): Promise<{ promptId: number; responseIds: Map<string, number> }[]> => {
    const inserted = await insertRows<typeof schema.prompts, { id: number }>(
      db,
      schema.prompts,
      ["datasetId", "externalId", "text", "messages", "openness", "metadata"],
      prompts.map((prompt) => ({
        datasetId,
        externalId: prompt.externalId,
        text: prompt.text,
        messages: prompt.messages ?? null,
        openness: prompt.openness ?? null,
        metadata: prompt.metadata ?? null,
      })),
      { returning: sql`id` },
    );
    const promptIds = inserted.map((row) => row.id);
    const responses = await insertRows<typeof schema.responses, { id: number; prompt_id: number; external_id: string }>(
      db,
      schema.responses,
      ["promptId", "position", "externalId", "text", "embedding"],
      prompts.flatMap((prompt, p) =>
        prompt.responses.map((r, position) => ({
          promptId: promptIds[p]!,
          position,
          externalId: r.externalId,
          text: r.text,
          embedding: r.embedding ?? null,
        })),
      ),
      { returning: sql`id, prompt_id, external_id` },
    );
    const responseIds = new Map(promptIds.map((id) => [id, new Map<string, number>()]));
    for (const r of responses) responseIds.get(r.prompt_id)!.set(r.external_id, r.id);
    return promptIds.map((promptId) => ({ promptId, responseIds: responseIds.get(promptId)! }));
  };
  return {
    insertDataset: async (dataset) => (await db.insert(schema.datasets).values(dataset).returning())[0]!,
    insertPrompt: async (datasetId: number, prompt: NewPrompt) => (await insertPrompts(datasetId, [prompt]))[0]!,
    insertPrompts: (datasetId, prompts) => insertPrompts(datasetId, prompts),
    ensureExternalAnnotators: async (names) => {
      const emails = names.map(externalAnnotatorEmail);
      const idByEmail = async () =>
        new Map(
          (
            await allRows<{ id: number; email: string }>(
              db,
              sql`select id, email from users where email = any(${sql.param(emails)}::text[])`,
            )
          ).map((u) => [u.email, u.id]),
        );
      const existing = await idByEmail();
      const missing = names.filter((_, i) => !existing.has(emails[i]!));
      // Another server's import may create some of the same accounts meanwhile: those are found, not created.
      const created = await insertRows<typeof schema.users, { id: number; email: string }>(
        db,
        schema.users,
        ["email", "name", "role", "external"],
        missing.map((name) => ({ email: externalAnnotatorEmail(name), name, role: "annotator", external: true })),
        { returning: sql`id, email`, onConflict: sql`on conflict (email) do nothing` },
      );
      const createdIds = new Map(created.map((u) => [u.email, u.id]));
      const found = created.length < missing.length ? await idByEmail() : existing;
      return emails.map((email) => {
        const id = createdIds.get(email);
        return id === undefined ? { id: found.get(email)!, created: false } : { id, created: true };
      });
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
    visible: async (slug) => {
      const [row] = await allRows<Omit<VisibleDataset, "createdAt"> & { createdAt: number }>(
        db,
        sql`select ${DATASET_COLUMNS} from datasets d where d.slug = ${slug} and ${sql.raw(visibleDatasetText("d"))}`,
      );
      return row ? toDataset<VisibleDataset>(row) : null;
    },
    listProgress: async () =>
      (
        await allRows<Omit<DatasetProgressRow, "createdAt"> & { createdAt: number }>(
          db,
          sql`${PROGRESS_SQL} order by d.created_at, d.id`,
        )
      ).map((row) => toDataset<DatasetProgressRow>(row)),
    progress: async (slug) => {
      const [row] = await allRows<Omit<DatasetProgressRow, "createdAt"> & { createdAt: number }>(
        db,
        sql`${PROGRESS_SQL} and d.slug = ${slug}`,
      );
      return row ? toDataset<DatasetProgressRow>(row) : null;
    },
    agreementPrompts: async (datasetId) =>
      allRows<AgreementPromptRow>(
        db,
        sql`select id, external_id, text, openness from prompts where dataset_id = ${datasetId} order by id`,
      ),
    agreementAnnotations: async (datasetId) =>
      allRows<AgreementAnnotationRow>(
        db,
        sql`select a.prompt_id, a.annotator_id, a.ranking::text as ranking, a.openness, a.not_rankable::int as not_rankable,
            a.duration_ms, u.name, u.email, u.external::int as external
       from annotations a join prompts p on p.id = a.prompt_id join users u on u.id = a.annotator_id
       where p.dataset_id = ${datasetId} order by a.prompt_id, a.annotator_id`,
      ),
    promptPage: async (datasetId, promptId) =>
      (
        await allRows<PromptPageRow>(
          db,
          sql`select id, external_id, text, messages::text as messages, openness, metadata::text as metadata
            from prompts where id = ${promptId} and dataset_id = ${datasetId}`,
        )
      )[0] ?? null,
    rewardedResponses: async (promptId, runId) =>
      allRows<RewardedResponseRow>(
        db,
        sql`select r.id, r.external_id, r.position, r.text, rr.reward from responses r
       left join run_rewards rr on rr.response_id = r.id and rr.run_id = ${runId ?? -1}
       where r.prompt_id = ${promptId} order by r.position`,
      ),
    reviewedAnnotations: async (promptId) =>
      allRows<ReviewedAnnotationRow>(
        db,
        sql`select ${ANNOTATION_COLUMNS}, ${sql.raw(reviewStateSql("a"))} as review_state, u.name, u.email,
            u.external::int as external
       from annotations a join users u on u.id = a.annotator_id
       where a.prompt_id = ${promptId} order by a.created_at, a.id`,
      ),
    runDatasetId: async (runId) =>
      (await allRows<{ dataset_id: number }>(db, sql`select dataset_id from training_runs where id = ${runId}`))[0]
        ?.dataset_id ?? null,
    exportPage: async (datasetId, after, limit, runId): Promise<ExportPage> => {
      const prompts = await allRows<ExportPromptRow>(
        db,
        sql`select id, external_id, text, messages::text as messages, openness, metadata::text as metadata,
            gold::text as gold
          from prompts where dataset_id = ${datasetId} and id > ${after} order by id limit ${limit}`,
      );
      if (!prompts.length) return { prompts, responses: [], annotations: [], rewards: [] };
      const first = prompts[0]!.id;
      const last = prompts.at(-1)!.id;
      // The id range, as on SQLite: rows of other datasets' prompts in it come along and are never looked up.
      const responses = await allRows<ExportResponseRow>(
        db,
        sql`select r.id, r.prompt_id, r.external_id, r.text, r.embedding::text as embedding from responses r
     where r.prompt_id between ${first} and ${last} order by r.prompt_id, r.position`,
      );
      const annotations = await allRows<ExportAnnotationRow>(
        db,
        sql`select a.prompt_id, a.ranking::text as ranking, a.openness, a.not_rankable::int as not_rankable,
            a.not_rankable_reason, a.comment, a.duration_ms, a.suggestion_run_id, a.suggestion_distance,
            ${epochMs("a.created_at")} as created_at, ${epochMs("a.updated_at")} as updated_at,
            u.email, u.name, u.external::int as external, (${sql.raw(acceptedSql("a"))})::int as accepted
     from annotations a join users u on u.id = a.annotator_id
     where a.prompt_id between ${first} and ${last} order by a.prompt_id, a.id`,
      );
      const rewards =
        runId === null
          ? []
          : await allRows<{ response_id: number; reward: number }>(
              db,
              sql`select rr.response_id, rr.reward from responses r join run_rewards rr on rr.run_id = ${runId} and rr.response_id = r.id
     where r.prompt_id between ${first} and ${last} order by rr.response_id`,
            );
      return { prompts, responses, annotations, rewards };
    },
    runsOf: async (datasetId) =>
      allRows<{ id: number; name: string | null; status: string }>(
        db,
        sql`select id, name, status from training_runs where dataset_id = ${datasetId} order by id desc`,
      ),
  };
}
