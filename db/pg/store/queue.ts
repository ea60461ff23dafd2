/**
 * The annotation queue on PostgreSQL: db/store/queue.ts's statements in PostgreSQL's dialect, with
 * the same rows in the same order. Times come in as epoch ms and go into SQL as Dates.
 *
 * The queue's invariant (a prompt's annotations plus others' live leases never exceed k) rests on
 * the caller's transaction, as on SQLite: lib/annotations/queue.ts reads the open prompt and leases
 * it in one "serial" (or "low-durability") transaction, which here is serializable. Two servers
 * racing for a prompt's last slot each read its leases and each insert one; serializable isolation
 * sees that read-write cycle and fails one of them (40001), whose whole work the transaction
 * primitive runs again, on a snapshot where the slot is taken. No `FOR UPDATE SKIP LOCKED` here:
 * the fill order hands one prompt to up to k annotators at once, and skipping a prompt another
 * transaction holds would send the second annotator elsewhere while slots remain.
 */
import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import type { QueueCounts, QueueDatasetRow, QueueStore } from "@/db/store/queue";
import type { QueueOrderName } from "@/lib/domain";
import { schema } from "../index";
import type { PgExecutor } from "./executor";
import { firstRow } from "./rows";
import { visibleDatasetCondition } from "./visible";

const datasetColumns = {
  id: schema.datasets.id,
  slug: schema.datasets.slug,
  name: schema.datasets.name,
  guidelines: schema.datasets.guidelines,
  annotationsPerPrompt: schema.datasets.annotationsPerPrompt,
  queueOrder: schema.datasets.queueOrder,
};

const queueable = and(eq(schema.datasets.synthetic, false), visibleDatasetCondition);

/** db/store/queue.ts's openToMe: not mine, not skipped by me, and a slot left counting others' live leases. */
const openToMe = (annotatorId: number, at: Date, k: number) => sql`
  not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
  and not exists (
    select 1 from assignments s
    where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and s.skipped and s.leased_until > ${at})
  and p.annotation_count
    + (select count(*) from assignments s
       where s.prompt_id = p.id and s.annotator_id != ${annotatorId} and not s.skipped and s.leased_until > ${at})
    < ${k}`;

/**
 * db/store/queue.ts's QUEUE_ORDERS, each served by its index of db/pg/schema.ts. A never-prioritised
 * prompt (queue_priority NULL) comes first, as SQLite sorts NULLs first ascending.
 */
const QUEUE_ORDERS = {
  fill: sql`p.annotation_count desc, p.id asc`,
  "least-annotated": sql`p.annotation_count asc, p.id asc`,
  "uncertain-openness": sql`p.queue_priority asc nulls first, p.annotation_count asc, p.id asc`,
  "uncertain-rewards": sql`p.queue_priority asc nulls first, p.annotation_count asc, p.id asc`,
} as const satisfies Record<QueueOrderName, SQL>;

/**
 * The query for the first prompt open to this annotator in the given order: a walk of the order's
 * index that stops at the first row passing the per-row checks (exported for its query-plan test).
 */
export function firstOpenPromptQuery(
  dataset: QueueDatasetRow,
  annotatorId: number,
  at: number,
  order: QueueOrderName,
  except: number | null,
) {
  const k = dataset.annotationsPerPrompt;
  return sql`
    select p.id as id from prompts p
    where p.dataset_id = ${dataset.id} and p.annotation_count < ${k} and ${openToMe(annotatorId, new Date(at), k)}
      and p.gold is null
      ${except === null ? sql`` : sql`and p.id != ${except}`}
    order by ${QUEUE_ORDERS[order]}
    limit 1`;
}

export function postgresQueueStore(db: PgExecutor): QueueStore {
  const count = async (query: SQL) => (await firstRow<{ n: number }>(db, query))?.n ?? 0;
  const rankedBy = (datasetId: number, annotatorId: number) =>
    count(sql`
    select count(*)::int as n from annotations a join prompts p on p.id = a.prompt_id
    where a.annotator_id = ${annotatorId} and p.dataset_id = ${datasetId}`);
  return {
    datasets: () => db.select(datasetColumns).from(schema.datasets).where(queueable).orderBy(asc(schema.datasets.id)),
    async dataset(slug) {
      const [row] = await db
        .select(datasetColumns)
        .from(schema.datasets)
        .where(and(eq(schema.datasets.slug, slug), queueable));
      return row ?? null;
    },
    async prompt(promptId) {
      const [row] = await db
        .select({
          id: schema.prompts.id,
          externalId: schema.prompts.externalId,
          text: schema.prompts.text,
          messages: schema.prompts.messages,
        })
        .from(schema.prompts)
        .where(eq(schema.prompts.id, promptId));
      return row ?? null;
    },
    promptResponses: (promptId) =>
      db
        .select({ id: schema.responses.id, position: schema.responses.position, text: schema.responses.text })
        .from(schema.responses)
        .where(eq(schema.responses.promptId, promptId))
        .orderBy(asc(schema.responses.position)),
    async counts(dataset, annotatorId, atMs): Promise<QueueCounts> {
      const k = dataset.annotationsPerPrompt;
      const at = new Date(atMs);
      const fill = await firstRow<{ total: number | null; complete: number | null }>(
        db,
        sql`
    select sum(prompts)::int as total, sum(case when annotation_count >= ${k} then prompts else 0 end)::int as complete
    from dataset_fill where dataset_id = ${dataset.id}`,
      );
      const gold = await firstRow<{ total: number; complete: number | null; open: number | null }>(
        db,
        sql`
    select count(*)::int as total, sum((p.annotation_count >= ${k})::int)::int as complete,
      sum((not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        and not exists (
          select 1 from assignments s
          where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and s.skipped and s.leased_until > ${at}))::int)::int as open
    from prompts p where p.dataset_id = ${dataset.id} and p.gold is not null`,
      );
      return {
        totalPrompts: (fill?.total ?? 0) - (gold?.total ?? 0),
        completePrompts: (fill?.complete ?? 0) - (gold?.complete ?? 0),
        goldOpenToMe: gold?.open ?? 0,
        doneByMe: await rankedBy(dataset.id, annotatorId),
        doneByMeIncomplete: await count(sql`
    select count(*)::int as n from annotations a join prompts p on p.id = a.prompt_id
    where a.annotator_id = ${annotatorId} and p.dataset_id = ${dataset.id} and p.annotation_count < ${k}
      and p.gold is null`),
        skippedByMe: await count(sql`
    select count(*)::int as n from assignments s join prompts p on p.id = s.prompt_id
    where s.annotator_id = ${annotatorId} and s.skipped and s.leased_until > ${at}
      and p.dataset_id = ${dataset.id} and p.annotation_count < ${k} and p.gold is null
      and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})`),
        filledByLeases: await count(sql`
    select count(*)::int as n from (
      select p.id from assignments s join prompts p on p.id = s.prompt_id
      where not s.skipped and s.leased_until > ${at} and s.annotator_id != ${annotatorId}
        and p.dataset_id = ${dataset.id} and p.annotation_count < ${k} and p.gold is null
        and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        and not exists (
          select 1 from assignments m
          where m.prompt_id = p.id and m.annotator_id = ${annotatorId} and m.skipped and m.leased_until > ${at})
      group by p.id having p.annotation_count + count(*) >= ${k}) filled`),
      };
    },
    async renewLease(promptId, annotatorId, at, until) {
      await db
        .update(schema.assignments)
        .set({ leasedUntil: new Date(until) })
        .where(
          and(
            eq(schema.assignments.promptId, promptId),
            eq(schema.assignments.annotatorId, annotatorId),
            eq(schema.assignments.skipped, false),
            sql`${schema.assignments.leasedUntil} > ${new Date(at)}`,
          ),
        );
    },
    async heldPrompt(datasetId, annotatorId, atMs, except) {
      const at = new Date(atMs);
      const notAhead = except === null ? sql`true` : sql`p.id != ${except}`;
      const row = await firstRow<{ id: number }>(
        db,
        sql`
        select p.id as id from assignments s join prompts p on p.id = s.prompt_id
        where s.annotator_id = ${annotatorId} and not s.skipped and s.leased_until > ${at} and p.dataset_id = ${datasetId}
          and ${notAhead}
          and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        order by s.leased_until desc, p.id desc limit 1`,
      );
      return row?.id ?? null;
    },
    rankedBy,
    async firstOpenPrompt(dataset, annotatorId, at, order, except) {
      const row = await firstRow<{ id: number }>(db, firstOpenPromptQuery(dataset, annotatorId, at, order, except));
      return row?.id ?? null;
    },
    async lease(promptId, annotatorId, leasedUntil) {
      await db
        .insert(schema.assignments)
        .values({ promptId, annotatorId, leasedUntil, skipped: false })
        .onConflictDoUpdate({
          target: [schema.assignments.promptId, schema.assignments.annotatorId],
          set: { leasedUntil, skipped: false },
        });
    },
    async releaseLease(promptId, annotatorId) {
      await db
        .delete(schema.assignments)
        .where(
          and(
            eq(schema.assignments.promptId, promptId),
            eq(schema.assignments.annotatorId, annotatorId),
            eq(schema.assignments.skipped, false),
          ),
        );
    },
    async promptExists(promptId) {
      const rows = await db
        .select({ id: schema.prompts.id })
        .from(schema.prompts)
        .where(eq(schema.prompts.id, promptId));
      return rows.length > 0;
    },
    async skip(promptId, annotatorId, leasedUntil, skipReason) {
      await db
        .insert(schema.assignments)
        .values({ promptId, annotatorId, leasedUntil, skipped: true, skipReason })
        .onConflictDoUpdate({
          target: [schema.assignments.promptId, schema.assignments.annotatorId],
          set: { leasedUntil, skipped: true, skipReason },
        });
    },
    skipped: (annotatorId, at) => {
      const { assignments: s, prompts: p, datasets: d } = schema;
      return db
        .select({
          promptId: p.id,
          promptText: p.text,
          datasetSlug: d.slug,
          datasetName: d.name,
          reason: s.skipReason,
          until: s.leasedUntil,
        })
        .from(s)
        .innerJoin(p, eq(p.id, s.promptId))
        .innerJoin(d, eq(d.id, p.datasetId))
        .where(
          and(
            eq(s.annotatorId, annotatorId),
            eq(s.skipped, true),
            sql`${s.leasedUntil} > ${new Date(at)}`,
            sql`not exists (select 1 from annotations a where a.prompt_id = ${p.id} and a.annotator_id = ${annotatorId})`,
          ),
        )
        .orderBy(desc(s.leasedUntil), desc(p.id));
    },
    async liveSkip(promptId, annotatorId, atMs) {
      const at = new Date(atMs);
      const row = await firstRow<{ slug: string; k: number; taken: number }>(
        db,
        sql`
        select d.slug as slug, d.annotations_per_prompt as k,
          ((select count(*) from annotations a where a.prompt_id = p.id)
            + (select count(*) from assignments o
               where o.prompt_id = p.id and o.annotator_id != ${annotatorId} and not o.skipped and o.leased_until > ${at}))::int as taken
        from assignments s join prompts p on p.id = s.prompt_id join datasets d on d.id = p.dataset_id
        where s.prompt_id = ${promptId} and s.annotator_id = ${annotatorId} and s.skipped and s.leased_until > ${at}
          and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})`,
      );
      return row ?? null;
    },
    async reopen(promptId, annotatorId, leasedUntil) {
      await db
        .update(schema.assignments)
        .set({ skipped: false, skipReason: null, leasedUntil })
        .where(and(eq(schema.assignments.promptId, promptId), eq(schema.assignments.annotatorId, annotatorId)));
    },
  };
}
