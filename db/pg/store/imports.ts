import { sql, type SQL } from "drizzle-orm";
import type { ImportStore, StagedAnnotationRow, StagingRow } from "@/db/store/imports";
import type { PgExecutor } from "./executor";
import { allRows } from "./rows";
import { epochMs } from "./time";

/** The imports store on PostgreSQL: db/store/imports.ts's statements (and the writer's moves and deletes), row for row. */
export function postgresImportStore(db: PgExecutor): ImportStore {
  /** How many rows a write changed. */
  const changes = async (query: SQL) => (await db.execute(query)).rowCount ?? 0;
  const ids = (list: readonly number[]) => sql`${sql.param([...list])}::int[]`;
  const texts = (list: readonly string[]) => sql`${sql.param([...list])}::text[]`;
  return {
    target: async (slug) =>
      (
        await allRows<{ id: number; responses_per_prompt: number }>(
          db,
          sql`select id, responses_per_prompt from datasets where slug = ${slug} and not import_staging`,
        )
      )[0] ?? null,
    settings: async (datasetId) =>
      (
        await allRows<{
          name: string;
          guidelines: string;
          responses_per_prompt: number;
          annotations_per_prompt: number;
        }>(
          db,
          sql`select name, guidelines, responses_per_prompt, annotations_per_prompt from datasets where id = ${datasetId}`,
        )
      )[0] ?? null,
    prompts: async (datasetId, externalIds) =>
      allRows<{ id: number; external_id: string; text: string; messages: string | null }>(
        db,
        sql`select id, external_id, text, messages::text as messages from prompts
          where dataset_id = ${datasetId} and external_id = any(${texts(externalIds)})`,
      ),
    responses: async (promptIds) =>
      allRows<{ prompt_id: number; id: number; external_id: string; text: string }>(
        db,
        sql`select prompt_id, id, external_id, text from responses where prompt_id = any(${ids(promptIds)}) order by prompt_id, position`,
      ),
    usersByEmail: async (emails) =>
      allRows<{ id: number; email: string }>(db, sql`select id, email from users where email = any(${texts(emails)})`),
    register: async (stagingDatasetId, targetDatasetId, targetSlug, ownerPid, now) => {
      await db.execute(
        sql`insert into dataset_imports (staging_dataset_id, target_dataset_id, target_slug, owner_pid, heartbeat_at, created_annotator_ids)
           values (${stagingDatasetId}, ${targetDatasetId}, ${targetSlug}, ${ownerPid}, ${new Date(now)}, '[]')`,
      );
    },
    renewStaging: async (stagingDatasetId, now) =>
      (await changes(
        sql`update dataset_imports set heartbeat_at = ${new Date(now)} where staging_dataset_id = ${stagingDatasetId} and state = 'staging'`,
      )) > 0,
    renewLanding: async (stagingDatasetId, now, ownerPid) =>
      (await changes(
        sql`update dataset_imports set heartbeat_at = ${new Date(now)}, owner_pid = ${ownerPid}
          where staging_dataset_id = ${stagingDatasetId} and state = 'landing'`,
      )) > 0,
    renewAny: async (stagingDatasetId, now) => {
      await db.execute(
        sql`update dataset_imports set heartbeat_at = ${new Date(now)} where staging_dataset_id = ${stagingDatasetId}`,
      );
    },
    setCreatedAnnotators: async (stagingDatasetId, userIds) => {
      await db.execute(
        sql`update dataset_imports set created_annotator_ids = ${JSON.stringify(userIds)}::json where staging_dataset_id = ${stagingDatasetId}`,
      );
    },
    createdAnnotators: async (stagingDatasetId) =>
      (
        await allRows<{ created_annotator_ids: string }>(
          db,
          sql`select created_annotator_ids::text as created_annotator_ids from dataset_imports where staging_dataset_id = ${stagingDatasetId}`,
        )
      )[0]?.created_annotator_ids ?? null,
    stageAnnotations: async (stagingDatasetId, annotations) => {
      if (!annotations.length) return;
      // The version's JSON text is stored as given, as on SQLite.
      await db.execute(
        sql`insert into staged_annotations (staging_dataset_id, prompt_id, annotator_id, version)
          select ${stagingDatasetId}, prompt_id, annotator_id, version::json
          from unnest(${ids(annotations.map((a) => a.promptId))}, ${ids(annotations.map((a) => a.annotatorId))},
            ${texts(annotations.map((a) => a.version))}) with ordinality as given(prompt_id, annotator_id, version, position)
          order by position`,
      );
    },
    slugTaken: async (slug) => (await allRows(db, sql`select 1 from datasets where slug = ${slug}`)).length > 0,
    datasetExists: async (datasetId) =>
      (await allRows(db, sql`select 1 from datasets where id = ${datasetId}`)).length > 0,
    visibleSlug: async (datasetId) =>
      (
        await allRows<{ slug: string }>(
          db,
          sql`select slug from datasets where id = ${datasetId} and not import_staging`,
        )
      )[0]?.slug ?? null,
    landingClashes: async (targetDatasetId, stagingDatasetId) =>
      (
        await allRows<{ external_id: string }>(
          db,
          sql`select s.external_id from prompts s join prompts t on t.external_id = s.external_id
           and (t.dataset_id = ${targetDatasetId} or t.dataset_id in (select staging_dataset_id from dataset_imports
             where target_dataset_id = ${targetDatasetId} and state = 'landing' and staging_dataset_id != ${stagingDatasetId}))
         where s.dataset_id = ${stagingDatasetId} order by s.id limit 5`,
        )
      ).map((r) => r.external_id),
    publish: async (stagingDatasetId, slug) => {
      await db.execute(sql`update datasets set slug = ${slug}, import_staging = false where id = ${stagingDatasetId}`);
      await db.execute(sql`delete from dataset_imports where staging_dataset_id = ${stagingDatasetId}`);
    },
    setState: async (stagingDatasetId, state) => {
      await db.execute(sql`update dataset_imports set state = ${state} where staging_dataset_id = ${stagingDatasetId}`);
    },
    claim: async (stagingDatasetId, ownerPid, now) =>
      (
        await allRows<{ state: "staging" | "landing" | "discarding" }>(
          db,
          sql`update dataset_imports set state = case state when 'landing' then 'landing' else 'discarding' end,
         owner_pid = ${ownerPid}, heartbeat_at = ${new Date(now)} where staging_dataset_id = ${stagingDatasetId} returning state`,
        )
      )[0]?.state ?? null,
    stagings: async () =>
      allRows<StagingRow>(
        db,
        sql`select d.id, i.owner_pid, ${epochMs("i.heartbeat_at")} as heartbeat_at, i.target_dataset_id from datasets d
           left join dataset_imports i on i.staging_dataset_id = d.id where d.import_staging order by d.id`,
      ),
    movePrompts: async (stagingDatasetId, targetDatasetId, limit) => {
      // The writer's moveStagedPrompts: lowest ids first (a negative limit: all of them).
      const moving = (
        await allRows<{ id: number }>(
          db,
          sql`select id from prompts where dataset_id = ${stagingDatasetId} order by id limit ${limit < 0 ? null : limit}`,
        )
      ).map((r) => r.id);
      if (!moving.length) return 0;
      const moved = await changes(
        sql`update prompts set dataset_id = ${targetDatasetId} where id = any(${ids(moving)})`,
      );
      await db.execute(
        sql`update prompt_stats set dataset_id = ${targetDatasetId}, stale = true where prompt_id = any(${ids(moving)})`,
      );
      await db.execute(
        sql`delete from annotation_agreement where dataset_id = ${stagingDatasetId} and prompt_id = any(${ids(moving)})`,
      );
      return moved;
    },
    stagedAnnotations: async (stagingDatasetId, limit) =>
      allRows<StagedAnnotationRow>(
        db,
        sql`select id, prompt_id, annotator_id, version::text as version from staged_annotations
          where staging_dataset_id = ${stagingDatasetId} order by id limit ${limit}`,
      ),
    deleteStagedAnnotations: async (list) => {
      await db.execute(sql`delete from staged_annotations where id = any(${ids(list)})`);
    },
    deletePrompts: async (datasetId, limit) =>
      changes(
        sql`delete from prompts where id in (select id from prompts where dataset_id = ${datasetId} order by id limit ${limit})`,
      ),
    deleteDataset: async (datasetId) => {
      await db.execute(sql`delete from datasets where id = ${datasetId}`);
    },
    removeUnusedExternalUser: async (userId) => {
      await db.execute(
        sql`delete from users where id = ${userId} and external
         and not exists (select 1 from annotations where annotator_id = users.id)
         and not exists (select 1 from staged_annotations where annotator_id = users.id)`,
      );
    },
  };
}
