/**
 * Gold prompts and the quality checks' pauses on PostgreSQL: db/store/quality.ts's statements, with
 * the same rows. Gold answers, settings, rankings and response id lists travel as JSON text, as
 * SQLite stores them: PostgreSQL's `json` keeps the text as written, so `::text` gives it back.
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { QualityStore, QualityWindowRow } from "@/db/store/quality";
import { schema } from "../index";
import type { PgExecutor } from "./executor";
import { allRows, firstRow } from "./rows";
import { visibleDatasetCondition } from "./visible";

export function postgresQualityStore(db: PgExecutor): QualityStore {
  return {
    async settings(datasetId) {
      const row = await firstRow<{ quality: string }>(
        db,
        sql`select quality::text as quality from datasets where id = ${datasetId}`,
      );
      return row?.quality ?? null;
    },
    async responseIds(promptId) {
      const rows = await db
        .select({ id: schema.responses.id })
        .from(schema.responses)
        .where(eq(schema.responses.promptId, promptId))
        .orderBy(schema.responses.id);
      return rows.map((r) => r.id);
    },
    async setGold(promptId, gold) {
      await db.execute(sql`update prompts set gold = ${gold}::json where id = ${promptId}`);
      // Gold prompts stay out of the agreement statistics: recompute the prompt's.
      await db.execute(sql`update prompt_stats set stale = true where prompt_id = ${promptId} and not stale`);
    },
    async datasetId(slug) {
      const [row] = await db
        .select({ id: schema.datasets.id })
        .from(schema.datasets)
        .where(and(eq(schema.datasets.slug, slug), visibleDatasetCondition));
      return row?.id ?? null;
    },
    async promptId(datasetId, externalId) {
      const [row] = await db
        .select({ id: schema.prompts.id })
        .from(schema.prompts)
        .where(and(eq(schema.prompts.datasetId, datasetId), eq(schema.prompts.externalId, externalId)));
      return row?.id ?? null;
    },
    responsesWithExternalIds: (promptId) =>
      db
        .select({ id: schema.responses.id, external_id: schema.responses.externalId })
        .from(schema.responses)
        .where(eq(schema.responses.promptId, promptId))
        .orderBy(schema.responses.id),
    async gold(promptId) {
      const row = await firstRow<{ gold: string | null }>(
        db,
        sql`select gold::text as gold from prompts where id = ${promptId}`,
      );
      return row?.gold ?? null;
    },
    async goldCount(datasetId) {
      const row = await firstRow<{ n: number }>(
        db,
        sql`select count(*)::int as n from prompts where dataset_id = ${datasetId} and gold is not null`,
      );
      return row!.n;
    },
    // SQLite's integers are 64-bit: the product is bigint here too (its literal is beyond int4).
    async goldPromptFor(datasetId, annotatorId, atMs, except) {
      const at = new Date(atMs);
      const row = await firstRow<{ id: number }>(
        db,
        sql`
      select p.id as id from prompts p
      where p.dataset_id = ${datasetId} and p.gold is not null and p.id != ${except ?? -1}
        and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        and not exists (
          select 1 from assignments s
          where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and s.skipped and s.leased_until > ${at})
      order by (p.id * 2654435761 + ${annotatorId}::bigint) % 1000003, p.id
      limit 1`,
      );
      return row?.id ?? null;
    },
    async activePause(datasetId, annotatorId) {
      const { annotatorPauses: ap } = schema;
      const [row] = await db
        .select({ id: ap.id, reason: ap.reason, pausedAt: ap.pausedAt })
        .from(ap)
        .where(and(eq(ap.datasetId, datasetId), eq(ap.annotatorId, annotatorId), isNull(ap.resumedAt)))
        .orderBy(desc(ap.id))
        .limit(1);
      return row ?? null;
    },
    window: (datasetId, size, annotatorId) =>
      allRows<QualityWindowRow>(
        db,
        sql`select * from (
         select a.annotator_id, u.name, u.email, a.duration_ms, a.not_rankable::int as not_rankable,
           a.ranking::text as ranking, p.gold::text as gold,
           (select coalesce(sum(length(r.text)), 0)::int from responses r where r.prompt_id = a.prompt_id) as chars,
           (select coalesce('[' || string_agg(r.id::text, ',' order by r.id) || ']', '[]')
              from responses r where r.prompt_id = a.prompt_id) as response_ids,
           (row_number() over (partition by a.annotator_id order by a.updated_at desc, a.id desc))::int as n
         from annotations a join prompts p on p.id = a.prompt_id join users u on u.id = a.annotator_id
         where p.dataset_id = ${datasetId} ${annotatorId === undefined ? sql`` : sql`and a.annotator_id = ${annotatorId}`}
           and a.updated_at > coalesce((select max(ap.resumed_at) from annotator_pauses ap
                 where ap.dataset_id = p.dataset_id and ap.annotator_id = a.annotator_id), to_timestamp(0))
       ) windowed where n <= ${size} order by annotator_id, n`,
      ),
    async user(userId) {
      const [row] = await db
        .select({ name: schema.users.name, email: schema.users.email })
        .from(schema.users)
        .where(eq(schema.users.id, userId));
      return row ?? null;
    },
    async pause(datasetId, annotatorId, reason) {
      await db.insert(schema.annotatorPauses).values({ datasetId, annotatorId, reason });
    },
    async resume(pauseId, adminId, at) {
      const { annotatorPauses: ap } = schema;
      const resumed = await db
        .update(ap)
        .set({ resumedAt: new Date(at), resumedBy: adminId })
        .where(and(eq(ap.id, pauseId), isNull(ap.resumedAt)))
        .returning({ id: ap.id });
      return resumed.length > 0;
    },
    pauses: () => {
      const { annotatorPauses: ap, datasets: d, users: u } = schema;
      return db
        .select({
          id: ap.id,
          reason: ap.reason,
          pausedAt: ap.pausedAt,
          datasetSlug: d.slug,
          datasetName: d.name,
          email: u.email,
          name: u.name,
        })
        .from(ap)
        .innerJoin(d, eq(d.id, ap.datasetId))
        .innerJoin(u, eq(u.id, ap.annotatorId))
        .where(isNull(ap.resumedAt))
        .orderBy(desc(ap.id));
    },
  };
}
