import { and, asc, eq, sql } from "drizzle-orm";
import { schema, type Db } from "../index";
import type { QueueOrderName } from "@/lib/domain";
import type { ChatMessage } from "@/lib/datasets/conversation";
import type { Synchronous } from "./transaction";
import { visibleDatasetCondition } from "./visible";

/** A dataset as the queue needs it. */
export type QueueDatasetRow = {
  id: number;
  slug: string;
  name: string;
  guidelines: string;
  annotationsPerPrompt: number;
  /** The dataset's queue order setting (fill when not given). */
  queueOrder?: QueueOrderName;
};

/** What the queue's progress counts are made of (lib/annotations/queue.ts queueProgress). */
export type QueueCounts = {
  /** Regular prompts (gold ones are not the dataset's to fill), and those complete. */
  totalPrompts: number;
  completePrompts: number;
  /** Gold prompts the annotator has neither answered nor skipped. */
  goldOpenToMe: number;
  doneByMe: number;
  doneByMeIncomplete: number;
  skippedByMe: number;
  filledByLeases: number;
};

export type ResponseRow = { id: number; position: number; text: string };
export type QueuePromptRow = { id: number; externalId: string; text: string; messages: ChatMessage[] | null };
export type SkippedRow = {
  promptId: number;
  promptText: string;
  datasetSlug: string;
  datasetName: string;
  reason: string | null;
  until: Date;
};

/**
 * The annotation queue's reads and writes: who may take which prompt is lib/annotations/queue.ts's
 * rule; the SQL that finds and leases prompts is here. Times are epoch ms.
 */
export interface QueueStore {
  /** Datasets annotators rank (not synthetic, visible), oldest first. */
  datasets(): Promise<QueueDatasetRow[]>;
  /** One of those by slug. */
  dataset(slug: string): Promise<QueueDatasetRow | null>;
  prompt(promptId: number): Promise<QueuePromptRow | null>;
  promptResponses(promptId: number): Promise<ResponseRow[]>;
  counts(dataset: QueueDatasetRow, annotatorId: number, at: number): Promise<QueueCounts>;
  /** Extends a live lease of the annotator's on the prompt to `until`. */
  renewLease(promptId: number, annotatorId: number, at: number, until: number): Promise<void>;
  /** The prompt of the dataset the annotator holds a live lease on and has not ranked (newest lease), but `except`. */
  heldPrompt(datasetId: number, annotatorId: number, at: number, except: number | null): Promise<number | null>;
  /** How many prompts of the dataset the annotator has ranked. */
  rankedBy(datasetId: number, annotatorId: number): Promise<number>;
  /** The first non-gold prompt open to the annotator in `order`, but `except`. */
  firstOpenPrompt(
    dataset: QueueDatasetRow,
    annotatorId: number,
    at: number,
    order: QueueOrderName,
    except: number | null,
  ): Promise<number | null>;
  /** Leases the prompt to the annotator until `until` (a skip becomes a lease). */
  lease(promptId: number, annotatorId: number, until: Date): Promise<void>;
  /** Ends the annotator's lease on the prompt; a skip stays. */
  releaseLease(promptId: number, annotatorId: number): Promise<void>;
  promptExists(promptId: number): Promise<boolean>;
  /** Marks the prompt skipped by the annotator until `until`. */
  skip(promptId: number, annotatorId: number, until: Date, reason: string | null): Promise<void>;
  /** The annotator's live skips of prompts they have not ranked, newest first. */
  skipped(annotatorId: number, at: number): Promise<SkippedRow[]>;
  /**
   * The annotator's live skip of the prompt (not ranked since), with its dataset's target k and the
   * slots taken (annotations plus others' live leases); null when there is none.
   */
  liveSkip(
    promptId: number,
    annotatorId: number,
    at: number,
  ): Promise<{ slug: string; k: number; taken: number } | null>;
  /** Turns the annotator's skip of the prompt into a lease until `until`. */
  reopen(promptId: number, annotatorId: number, until: Date): Promise<void>;
}

const datasetColumns = {
  id: schema.datasets.id,
  slug: schema.datasets.slug,
  name: schema.datasets.name,
  guidelines: schema.datasets.guidelines,
  annotationsPerPrompt: schema.datasets.annotationsPerPrompt,
  queueOrder: schema.datasets.queueOrder,
};

const queueable = and(eq(schema.datasets.synthetic, false), visibleDatasetCondition);

/*
 * A prompt is open to annotator U at time T when U has not annotated it, U has no live skip on it,
 * and its annotations plus other annotators' live leases are fewer than the dataset's target k.
 * U's own lease does not count against the slot: it is U's slot.
 *
 * Cost does not grow with the dataset: prompts.annotation_count and dataset_fill are kept by
 * triggers, the next prompt is the first row of the prompts_queue index that passes the per-row
 * checks (each an index probe), and progress is a few dataset_fill rows plus work bounded by U's
 * own annotations and skips and by the live leases.
 */
const openToMe = (annotatorId: number, now: number, k: number) => sql`
  not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
  and not exists (
    select 1 from assignments s
    where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${now})
  and p.annotation_count
    + (select count(*) from assignments s
       where s.prompt_id = p.id and s.annotator_id != ${annotatorId} and s.skipped = 0 and s.leased_until > ${now})
    < ${k}`;

/**
 * The orders the queue can hand prompts out in. Each must be served by an index on prompts
 * (dataset_id, ...) so that the next prompt is a lookup, not a sort of the dataset: add the
 * index beside the order.
 */
export const QUEUE_ORDERS = {
  /** Prompts closest to their target first, so the dataset fills up prompt by prompt (index prompts_queue). */
  fill: sql`p.annotation_count desc, p.id asc`,
  /** Fewest annotations first, so every prompt gets its first annotation early (index prompts_queue_least). */
  "least-annotated": sql`p.annotation_count asc, p.id asc`,
  /**
   * Model in the loop (lib/annotations/queue-priority.ts keeps prompts.queue_priority; index
   * prompts_queue_priority): the widest openness error bar first, or the latest run's least
   * certain prompts first.
   */
  "uncertain-openness": sql`p.queue_priority asc, p.annotation_count asc, p.id asc`,
  "uncertain-rewards": sql`p.queue_priority asc, p.annotation_count asc, p.id asc`,
} as const satisfies Record<QueueOrderName, unknown>;

/**
 * Gold prompts stay out of the regular orders (the queue mixes them in itself). Probed in a
 * subquery by rowid: naming p.gold in the outer query would make its indexes non-covering, and
 * SQLite would then walk another order's index and sort.
 */
const notGold = sql`and not exists (select 1 from prompts g where g.id = p.id and g.gold is not null)`;

/** The query for the first prompt open to this annotator in the given order (exported for its query-plan test). */
export function firstOpenPromptQuery(
  dataset: QueueDatasetRow,
  annotatorId: number,
  at: number,
  order: QueueOrderName = "fill",
  except: number | null = null,
) {
  const k = dataset.annotationsPerPrompt;
  return sql`
    select p.id as id from prompts p
    where p.dataset_id = ${dataset.id} and p.annotation_count < ${k} and ${openToMe(annotatorId, at, k)}
      ${notGold}
      ${except === null ? sql`` : sql`and p.id != ${except}`}
    order by ${QUEUE_ORDERS[order]}
    limit 1`;
}

export function sqliteQueueStore(db: Db) {
  const num = (query: ReturnType<typeof sql>) => db.get<{ n: number | null }>(query)?.n ?? 0;
  const rankedBy = (datasetId: number, annotatorId: number) =>
    // CROSS JOIN keeps annotations the outer loop: SQLite would otherwise walk every prompt of the
    // dataset (prompts_queue) and probe for mine, slow on a big dataset; mine are few.
    num(sql`
    select count(*) as n from annotations a cross join prompts p on p.id = a.prompt_id
    where a.annotator_id = ${annotatorId} and p.dataset_id = ${datasetId}`);
  return {
    datasets: () =>
      db.select(datasetColumns).from(schema.datasets).where(queueable).orderBy(asc(schema.datasets.id)).all(),
    dataset: (slug: string) =>
      db
        .select(datasetColumns)
        .from(schema.datasets)
        .where(and(eq(schema.datasets.slug, slug), queueable))
        .get() ?? null,
    prompt: (promptId: number) =>
      db
        .select({
          id: schema.prompts.id,
          externalId: schema.prompts.externalId,
          text: schema.prompts.text,
          messages: schema.prompts.messages,
        })
        .from(schema.prompts)
        .where(eq(schema.prompts.id, promptId))
        .get() ?? null,
    promptResponses: (promptId: number) =>
      db
        .select({ id: schema.responses.id, position: schema.responses.position, text: schema.responses.text })
        .from(schema.responses)
        .where(eq(schema.responses.promptId, promptId))
        .orderBy(asc(schema.responses.position))
        .all(),
    counts(dataset: QueueDatasetRow, annotatorId: number, at: number): QueueCounts {
      const k = dataset.annotationsPerPrompt;
      const fill = db.get<{ total: number | null; complete: number | null }>(sql`
    select sum(prompts) as total, sum(case when annotation_count >= ${k} then prompts else 0 end) as complete
    from dataset_fill where dataset_id = ${dataset.id}`);
      // Gold prompts come off the fill counts (prompts_gold, a partial index, holds only them).
      const gold = db.get<{ total: number; complete: number | null; open: number | null }>(sql`
    select count(*) as total, sum(p.annotation_count >= ${k}) as complete,
      sum(not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        and not exists (
          select 1 from assignments s
          where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${at})) as open
    from prompts p where p.dataset_id = ${dataset.id} and p.gold is not null`);
      return {
        totalPrompts: (fill?.total ?? 0) - (gold?.total ?? 0),
        completePrompts: (fill?.complete ?? 0) - (gold?.complete ?? 0),
        goldOpenToMe: gold?.open ?? 0,
        doneByMe: rankedBy(dataset.id, annotatorId),
        doneByMeIncomplete: num(sql`
    select count(*) as n from annotations a cross join prompts p on p.id = a.prompt_id
    where a.annotator_id = ${annotatorId} and p.dataset_id = ${dataset.id} and p.annotation_count < ${k}
      and p.gold is null`),
        skippedByMe: num(sql`
    select count(*) as n from assignments s join prompts p on p.id = s.prompt_id
    where s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${at}
      and p.dataset_id = ${dataset.id} and p.annotation_count < ${k} and p.gold is null
      and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})`),
        filledByLeases: num(sql`
    select count(*) as n from (
      select p.id from assignments s join prompts p on p.id = s.prompt_id
      where s.skipped = 0 and s.leased_until > ${at} and s.annotator_id != ${annotatorId}
        and p.dataset_id = ${dataset.id} and p.annotation_count < ${k} and p.gold is null
        and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        and not exists (
          select 1 from assignments m
          where m.prompt_id = p.id and m.annotator_id = ${annotatorId} and m.skipped = 1 and m.leased_until > ${at})
      group by p.id having p.annotation_count + count(*) >= ${k})`),
      };
    },
    renewLease(promptId: number, annotatorId: number, at: number, until: number) {
      db.update(schema.assignments)
        .set({ leasedUntil: new Date(until) })
        .where(
          and(
            eq(schema.assignments.promptId, promptId),
            eq(schema.assignments.annotatorId, annotatorId),
            eq(schema.assignments.skipped, false),
            sql`${schema.assignments.leasedUntil} > ${at}`,
          ),
        )
        .run();
    },
    heldPrompt(datasetId: number, annotatorId: number, at: number, except: number | null) {
      const notAhead = except === null ? sql`1` : sql`p.id != ${except}`;
      return (
        db.get<{ id: number }>(sql`
        select p.id as id from assignments s join prompts p on p.id = s.prompt_id
        where s.annotator_id = ${annotatorId} and s.skipped = 0 and s.leased_until > ${at} and p.dataset_id = ${datasetId}
          and ${notAhead}
          and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        order by s.leased_until desc, p.id desc limit 1`)?.id ?? null
      );
    },
    rankedBy,
    firstOpenPrompt: (
      dataset: QueueDatasetRow,
      annotatorId: number,
      at: number,
      order: QueueOrderName,
      except: number | null,
    ) => db.get<{ id: number }>(firstOpenPromptQuery(dataset, annotatorId, at, order, except))?.id ?? null,
    lease(promptId: number, annotatorId: number, leasedUntil: Date) {
      db.insert(schema.assignments)
        .values({ promptId, annotatorId, leasedUntil, skipped: false })
        .onConflictDoUpdate({
          target: [schema.assignments.promptId, schema.assignments.annotatorId],
          set: { leasedUntil, skipped: false },
        })
        .run();
    },
    releaseLease(promptId: number, annotatorId: number) {
      db.delete(schema.assignments)
        .where(
          and(
            eq(schema.assignments.promptId, promptId),
            eq(schema.assignments.annotatorId, annotatorId),
            eq(schema.assignments.skipped, false),
          ),
        )
        .run();
    },
    promptExists: (promptId: number) =>
      db.select({ id: schema.prompts.id }).from(schema.prompts).where(eq(schema.prompts.id, promptId)).get() !==
      undefined,
    skip(promptId: number, annotatorId: number, leasedUntil: Date, skipReason: string | null) {
      db.insert(schema.assignments)
        .values({ promptId, annotatorId, leasedUntil, skipped: true, skipReason })
        .onConflictDoUpdate({
          target: [schema.assignments.promptId, schema.assignments.annotatorId],
          set: { leasedUntil, skipped: true, skipReason },
        })
        .run();
    },
    skipped: (annotatorId: number, at: number) =>
      db
        .all<Omit<SkippedRow, "until"> & { until: number }>(
          sql`select p.id as promptId, p.text as promptText, d.slug as datasetSlug, d.name as datasetName,
            s.skip_reason as reason, s.leased_until as until
          from assignments s join prompts p on p.id = s.prompt_id join datasets d on d.id = p.dataset_id
          where s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${at}
            and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
          order by s.leased_until desc, p.id desc`,
        )
        .map((r) => ({ ...r, until: new Date(r.until) })),
    liveSkip: (promptId: number, annotatorId: number, at: number) =>
      db.get<{ slug: string; k: number; taken: number }>(sql`
        select d.slug as slug, d.annotations_per_prompt as k,
          (select count(*) from annotations a where a.prompt_id = p.id)
            + (select count(*) from assignments o
               where o.prompt_id = p.id and o.annotator_id != ${annotatorId} and o.skipped = 0 and o.leased_until > ${at}) as taken
        from assignments s join prompts p on p.id = s.prompt_id join datasets d on d.id = p.dataset_id
        where s.prompt_id = ${promptId} and s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${at}
          and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})`) ??
      null,
    reopen(promptId: number, annotatorId: number, leasedUntil: Date) {
      db.update(schema.assignments)
        .set({ skipped: false, skipReason: null, leasedUntil })
        .where(and(eq(schema.assignments.promptId, promptId), eq(schema.assignments.annotatorId, annotatorId)))
        .run();
    },
  } satisfies Synchronous<QueueStore>;
}
