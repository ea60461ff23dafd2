import "server-only";
import { and, asc, eq, sql } from "drizzle-orm";
import { schema, withoutCommitSync, type Db } from "@/db";
import type { QueueOrderName } from "@/lib/domain";
import { refreshQueuePriorities } from "@/lib/annotations/queue-priority";
import { hashString, seededRandom, shuffled } from "@/lib/random";
import { responseLabel } from "@/lib/annotations/labels";
import { activePause, datasetQualitySettings, drawsGold, goldPromptFor } from "@/lib/annotations/quality";
import type { ChatMessage } from "@/lib/datasets/conversation";
import { suggestionFor, type Suggestion } from "@/lib/annotations/suggestions";

/** How long a prompt handed out by the queue stays reserved for its annotator. */
export const LEASE_MS = 15 * 60_000;
/** How long a skipped prompt stays out of that annotator's queue. */
export const SKIP_MS = 24 * 60 * 60_000;

export const DEFAULT_DATASET_SLUG = "demo";

export type QueueDataset = {
  id: number;
  slug: string;
  name: string;
  guidelines: string;
  annotationsPerPrompt: number;
  /** The dataset's queue order setting (fill when not given). */
  queueOrder?: QueueOrderName;
};

export type QueueProgress = {
  /** Prompts of this dataset the annotator has ranked. */
  doneByMe: number;
  /** Prompts this annotator could still take (including the one leased to them now). */
  leftForMe: number;
  totalPrompts: number;
  /** Prompts that already have the target number of annotations. */
  completePrompts: number;
  target: number;
};

export type DisplayedResponse = { id: number; label: string; text: string };

export type QueuedPrompt = {
  status: "prompt";
  dataset: QueueDataset;
  /** `messages`: a conversation's turns, null for a plain-text prompt (lib/datasets/conversation.ts). */
  prompt: { id: number; externalId: string; text: string; messages: ChatMessage[] | null };
  /** In this annotator's display order (shuffled per prompt and annotator). */
  responses: DisplayedResponse[];
  /** A run's order the board starts from, when the dataset turned suggestions on (lib/annotations/suggestions.ts). */
  suggestion: Suggestion | null;
  leasedUntil: Date;
  progress: QueueProgress;
};

export type QueueResult =
  | QueuedPrompt
  | { status: "done"; dataset: QueueDataset; progress: QueueProgress }
  /** The quality checks paused this annotator on the dataset (lib/annotations/quality.ts); `reason` says why. */
  | { status: "paused"; dataset: QueueDataset; progress: QueueProgress; reason: string };

const datasetColumns = {
  id: schema.datasets.id,
  slug: schema.datasets.slug,
  name: schema.datasets.name,
  guidelines: schema.datasets.guidelines,
  annotationsPerPrompt: schema.datasets.annotationsPerPrompt,
  queueOrder: schema.datasets.queueOrder,
};

/**
 * Every dataset people rank is open to annotators (the queue page lets them switch); synthetic
 * datasets, ranked by ml/'s generator, are not theirs to annotate.
 */
export function listQueueDatasets(db: Db): QueueDataset[] {
  return db
    .select(datasetColumns)
    .from(schema.datasets)
    .where(and(eq(schema.datasets.synthetic, false), eq(schema.datasets.importStaging, false)))
    .orderBy(asc(schema.datasets.id))
    .all();
}

/** The named dataset, else the demo, else the oldest one; null when there is none to annotate. */
export function findQueueDataset(db: Db, slug?: string | null): QueueDataset | null {
  const bySlug = (s: string) =>
    db
      .select(datasetColumns)
      .from(schema.datasets)
      .where(
        and(
          eq(schema.datasets.slug, s),
          eq(schema.datasets.synthetic, false),
          eq(schema.datasets.importStaging, false),
        ),
      )
      .get();
  if (slug) return bySlug(slug) ?? null;
  return bySlug(DEFAULT_DATASET_SLUG) ?? listQueueDatasets(db)[0] ?? null;
}

/**
 * The order an annotator sees a prompt's responses in: shuffled with a seed taken from
 * (prompt, annotator), so it is stable across reloads and edits but differs between annotators,
 * which keeps position bias out of the rankings. Each keeps the label of its stored position
 * (see responseLabel), so labels do not follow the shuffled order.
 */
export function responsesInDisplayOrder(
  promptId: number,
  annotatorId: number,
  rows: { id: number; position: number; text: string }[],
): DisplayedResponse[] {
  const byPosition = rows.slice().sort((a, b) => a.position - b.position);
  const labelled = byPosition.map((r, i) => ({ id: r.id, label: responseLabel(i), text: r.text }));
  return shuffled(labelled, seededRandom(hashString(`${promptId}:${annotatorId}`)));
}

export function promptResponses(db: Db, promptId: number) {
  return db
    .select({ id: schema.responses.id, position: schema.responses.position, text: schema.responses.text })
    .from(schema.responses)
    .where(eq(schema.responses.promptId, promptId))
    .all();
}

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
export type QueueOrder = keyof typeof QUEUE_ORDERS;

/** What each order means, for the dataset settings. */
export const QUEUE_ORDER_DESCRIPTIONS: Record<QueueOrder, string> = {
  fill: "Fill prompt by prompt (closest to the target first)",
  "least-annotated": "Least annotated first",
  "uncertain-openness": "Most uncertain openness estimate first",
  "uncertain-rewards": "The latest run's least certain prompts first",
};

/**
 * Gold prompts stay out of the regular orders (the queue mixes them in itself). Probed in a
 * subquery by rowid: naming p.gold in the outer query would make its indexes non-covering, and
 * SQLite would then walk another order's index and sort.
 */
const notGold = sql`and not exists (select 1 from prompts g where g.id = p.id and g.gold is not null)`;

/** The query for the first prompt open to this annotator in the given order (exported for its query-plan test). */
export function firstOpenPromptQuery(
  dataset: QueueDataset,
  annotatorId: number,
  at: number,
  order: QueueOrder = "fill",
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

export function queueProgress(
  db: Db,
  dataset: QueueDataset,
  annotatorId: number,
  now: Date = new Date(),
): QueueProgress {
  const k = dataset.annotationsPerPrompt;
  const at = now.getTime();
  const num = (query: ReturnType<typeof sql>) => db.get<{ n: number | null }>(query)?.n ?? 0;
  const fill = db.get<{ total: number | null; complete: number | null }>(sql`
    select sum(prompts) as total, sum(case when annotation_count >= ${k} then prompts else 0 end) as complete
    from dataset_fill where dataset_id = ${dataset.id}`);
  // Gold prompts are not the dataset's to fill: every annotator answers each once, whatever k, while
  // the dataset mixes them in (prompts_gold, a partial index, holds only them).
  const gold = db.get<{ total: number; complete: number | null; open: number | null }>(sql`
    select count(*) as total, sum(p.annotation_count >= ${k}) as complete,
      sum(not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        and not exists (
          select 1 from assignments s
          where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${at})) as open
    from prompts p where p.dataset_id = ${dataset.id} and p.gold is not null`);
  const goldOpen = gold?.total && datasetQualitySettings(db, dataset.id).goldRate > 0 ? (gold.open ?? 0) : 0;
  const total = (fill?.total ?? 0) - (gold?.total ?? 0);
  const complete = (fill?.complete ?? 0) - (gold?.complete ?? 0);
  // CROSS JOIN keeps annotations the outer loop: SQLite would otherwise walk every prompt of the
  // dataset (prompts_queue) and probe for mine, slow on a big dataset; mine are few.
  const doneByMe = num(sql`
    select count(*) as n from annotations a cross join prompts p on p.id = a.prompt_id
    where a.annotator_id = ${annotatorId} and p.dataset_id = ${dataset.id}`);
  // Open to me = incomplete prompts, less those I ranked, those I skipped, and those others' leases fill.
  const doneByMeIncomplete = num(sql`
    select count(*) as n from annotations a cross join prompts p on p.id = a.prompt_id
    where a.annotator_id = ${annotatorId} and p.dataset_id = ${dataset.id} and p.annotation_count < ${k}
      and p.gold is null`);
  const skippedByMe = num(sql`
    select count(*) as n from assignments s join prompts p on p.id = s.prompt_id
    where s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${at}
      and p.dataset_id = ${dataset.id} and p.annotation_count < ${k} and p.gold is null
      and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})`);
  const filledByLeases = num(sql`
    select count(*) as n from (
      select p.id from assignments s join prompts p on p.id = s.prompt_id
      where s.skipped = 0 and s.leased_until > ${at} and s.annotator_id != ${annotatorId}
        and p.dataset_id = ${dataset.id} and p.annotation_count < ${k} and p.gold is null
        and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        and not exists (
          select 1 from assignments m
          where m.prompt_id = p.id and m.annotator_id = ${annotatorId} and m.skipped = 1 and m.leased_until > ${at})
      group by p.id having p.annotation_count + count(*) >= ${k})`);
  return {
    doneByMe,
    // What the queue will still hand this annotator: open regular prompts, and the gold ones they have not answered.
    leftForMe: total - complete - doneByMeIncomplete - skippedByMe - filledByLeases + goldOpen,
    totalPrompts: total,
    completePrompts: complete,
    target: k,
  };
}

/**
 * The prompt this annotator should rank next, leased to them for LEASE_MS. A live lease they
 * already hold comes back first (reloading the page shows the same prompt). With `aheadOf` (the
 * prompt on their screen) it is the prompt after that one, fetched while they work on it. Runs in an immediate
 * transaction, so two annotators can never both take a prompt's last slot.
 */
export function nextPrompt(
  db: Db,
  dataset: QueueDataset,
  annotatorId: number,
  now: Date = new Date(),
  order: QueueOrder = dataset.queueOrder ?? "fill",
  aheadOf: number | null = null,
): QueueResult {
  const at = now.getTime();
  // Prefetching (aheadOf: the prompt on screen): the one after it is leased a millisecond shorter
  // than the one on screen, whose lease is renewed, so a reload still shows the one on screen.
  const leasedUntil = new Date(at + LEASE_MS - (aheadOf === null ? 0 : 1));
  const pause = activePause(db, dataset.id, annotatorId);
  if (pause)
    return { status: "paused", dataset, progress: queueProgress(db, dataset, annotatorId, now), reason: pause.reason };
  const quality = datasetQualitySettings(db, dataset.id);
  refreshQueuePriorities(db, dataset.id, order);
  // A lease lost to a power cut only hands the prompt out again, as an expired one does: its
  // commit need not wait for the disk (half of the fsyncs of the annotation loop).
  const promptId = withoutCommitSync(db, () =>
    db.transaction(
      (tx) => {
        if (aheadOf !== null) {
          tx.update(schema.assignments)
            .set({ leasedUntil: new Date(at + LEASE_MS) })
            .where(
              and(
                eq(schema.assignments.promptId, aheadOf),
                eq(schema.assignments.annotatorId, annotatorId),
                eq(schema.assignments.skipped, false),
                sql`${schema.assignments.leasedUntil} > ${at}`,
              ),
            )
            .run();
        }
        const notAhead = aheadOf === null ? sql`1` : sql`p.id != ${aheadOf}`;
        const held = tx.get<{ id: number }>(sql`
        select p.id as id from assignments s join prompts p on p.id = s.prompt_id
        where s.annotator_id = ${annotatorId} and s.skipped = 0 and s.leased_until > ${at} and p.dataset_id = ${dataset.id}
          and ${notAhead}
          and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
        order by s.leased_until desc limit 1`);
        // Gold prompts come silently, at the dataset's rate, drawn per hand-out (the annotator's count of answers).
        const handout = () =>
          (aheadOf === null ? 0 : 1) +
          (tx.get<{ n: number }>(sql`
            select count(*) as n from annotations a cross join prompts p on p.id = a.prompt_id
            where a.annotator_id = ${annotatorId} and p.dataset_id = ${dataset.id}`)?.n ?? 0);
        const gold =
          held || !drawsGold(quality, dataset.id, annotatorId, handout())
            ? null
            : goldPromptFor(tx as unknown as Db, dataset.id, annotatorId, at, aheadOf);
        // With the regular prompts done, the gold ones left come last, whatever the draw: progress
        // counts them as left, and an annotator is never told "all done" with checks unanswered.
        const chosen =
          held ??
          gold ??
          tx.get<{ id: number }>(firstOpenPromptQuery(dataset, annotatorId, at, order, aheadOf)) ??
          (quality.goldRate > 0 ? goldPromptFor(tx as unknown as Db, dataset.id, annotatorId, at, aheadOf) : null);
        if (!chosen) return null;
        tx.insert(schema.assignments)
          .values({ promptId: chosen.id, annotatorId, leasedUntil, skipped: false })
          .onConflictDoUpdate({
            target: [schema.assignments.promptId, schema.assignments.annotatorId],
            set: { leasedUntil, skipped: false },
          })
          .run();
        return chosen.id;
      },
      { behavior: "immediate" },
    ),
  );

  const progress = queueProgress(db, dataset, annotatorId, now);
  if (promptId === null) return { status: "done", dataset, progress };
  const prompt = db
    .select({
      id: schema.prompts.id,
      externalId: schema.prompts.externalId,
      text: schema.prompts.text,
      messages: schema.prompts.messages,
    })
    .from(schema.prompts)
    .where(eq(schema.prompts.id, promptId))
    .get()!;
  return {
    status: "prompt",
    dataset,
    prompt,
    responses: responsesInDisplayOrder(promptId, annotatorId, promptResponses(db, promptId)),
    suggestion: suggestionFor(db, dataset.id, promptId),
    leasedUntil,
    progress,
  };
}

/**
 * Gives a prompt back: it stops counting against the target for others at once and stays out of
 * this annotator's queue for SKIP_MS. Returns false when there is no such prompt.
 */
export function skipPrompt(
  db: Db,
  promptId: number,
  annotatorId: number,
  now: Date = new Date(),
  reason: string | null = null,
): boolean {
  const exists = db.select({ id: schema.prompts.id }).from(schema.prompts).where(eq(schema.prompts.id, promptId)).get();
  if (!exists) return false;
  const leasedUntil = new Date(now.getTime() + SKIP_MS);
  const skipReason = reason?.trim() || null;
  db.insert(schema.assignments)
    .values({ promptId, annotatorId, leasedUntil, skipped: true, skipReason })
    .onConflictDoUpdate({
      target: [schema.assignments.promptId, schema.assignments.annotatorId],
      set: { leasedUntil, skipped: true, skipReason },
    })
    .run();
  return true;
}

export type SkippedPrompt = {
  promptId: number;
  promptText: string;
  datasetSlug: string;
  datasetName: string;
  reason: string | null;
  /** When the skip runs out and the prompt comes back to this annotator's queue by itself. */
  until: Date;
};

/** The annotator's live skips (not annotated since), newest first: their "Skipped" list. */
export function listSkipped(db: Db, annotatorId: number, now: Date = new Date()): SkippedPrompt[] {
  return db
    .all<{
      promptId: number;
      promptText: string;
      datasetSlug: string;
      datasetName: string;
      reason: string | null;
      until: number;
    }>(
      sql`select p.id as promptId, p.text as promptText, d.slug as datasetSlug, d.name as datasetName,
            s.skip_reason as reason, s.leased_until as until
          from assignments s join prompts p on p.id = s.prompt_id join datasets d on d.id = p.dataset_id
          where s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${now.getTime()}
            and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})
          order by s.leased_until desc, p.id desc`,
    )
    .map((r) => ({ ...r, until: new Date(r.until) }));
}

export type ReopenResult = { status: "reopened"; datasetSlug: string } | { status: "not-skipped" } | { status: "full" };

/**
 * Takes a skipped prompt back: the skip becomes this annotator's lease, so the queue shows it
 * next. Refused when it is no longer theirs to skip back, or when others filled it meanwhile.
 */
export function reopenSkipped(db: Db, promptId: number, annotatorId: number, now: Date = new Date()): ReopenResult {
  const at = now.getTime();
  return db.transaction(
    (tx) => {
      const row = tx.get<{ slug: string; k: number; taken: number }>(sql`
        select d.slug as slug, d.annotations_per_prompt as k,
          (select count(*) from annotations a where a.prompt_id = p.id)
            + (select count(*) from assignments o
               where o.prompt_id = p.id and o.annotator_id != ${annotatorId} and o.skipped = 0 and o.leased_until > ${at}) as taken
        from assignments s join prompts p on p.id = s.prompt_id join datasets d on d.id = p.dataset_id
        where s.prompt_id = ${promptId} and s.annotator_id = ${annotatorId} and s.skipped = 1 and s.leased_until > ${at}
          and not exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId})`);
      if (!row) return { status: "not-skipped" } as const;
      if (row.taken >= row.k) return { status: "full" } as const;
      tx.update(schema.assignments)
        .set({ skipped: false, skipReason: null, leasedUntil: new Date(at + LEASE_MS) })
        .where(and(eq(schema.assignments.promptId, promptId), eq(schema.assignments.annotatorId, annotatorId)))
        .run();
      return { status: "reopened", datasetSlug: row.slug } as const;
    },
    { behavior: "immediate" },
  );
}

/** Ends this annotator's lease on a prompt (after they submit); skips are left alone. */
export function releaseLease(db: Db, promptId: number, annotatorId: number): void {
  db.delete(schema.assignments)
    .where(
      and(
        eq(schema.assignments.promptId, promptId),
        eq(schema.assignments.annotatorId, annotatorId),
        eq(schema.assignments.skipped, false),
      ),
    )
    .run();
}
