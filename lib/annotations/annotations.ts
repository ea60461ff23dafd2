import "server-only";
import { z } from "zod";
import type { Store } from "@/lib/db";
import type { Annotation } from "@/db/store/writer";
import type { MyAnnotationPageRow } from "@/db/store/annotations";
import type { RankingGroups } from "@/lib/domain";
import { AppError } from "@/lib/errors";
import { isOnOpennessScale, OPENNESS_SCALE } from "@/lib/openness/scale";
import {
  promptResponses,
  releaseLease,
  responsesInDisplayOrder,
  type DisplayedResponse,
} from "@/lib/annotations/queue";
import { labelsByResponseId } from "@/lib/annotations/labels";
import { activePause, enforceQuality } from "@/lib/annotations/quality";
import { annotationWriteRefusal } from "@/lib/annotations/write-rule";
import { suggestionRecord, writeSuggestionDistance } from "@/lib/annotations/suggestions";
import type { ChatMessage } from "@/lib/datasets/conversation";
import { annotationsReviewHistory, currentDecision, DECISION_STATE, type ReviewState } from "@/lib/annotations/review";
import { MAX_RESPONSES_PER_PROMPT } from "@/lib/datasets/import";
import { numeric } from "@/lib/validation";
import { MAX_COMMENT_CHARS } from "@/lib/markdown-budget";

const MAX_DURATION_MS = 7 * 24 * 60 * 60_000;

const annotationFields = {
  /** Groups of response ids, best first; a group of several is a tie. Empty when not rankable. */
  // Bounded by the most responses a prompt can have: a ranking of 40,000 ids is refused here, not in SQL.
  ranking: z
    .array(
      z
        .array(z.number().int("Response ids are whole numbers."))
        .min(1, "A ranking group cannot be empty.")
        .max(MAX_RESPONSES_PER_PROMPT),
    )
    .max(MAX_RESPONSES_PER_PROMPT)
    .refine((groups) => groups.flat().length <= MAX_RESPONSES_PER_PROMPT, {
      message: `A ranking lists at most ${MAX_RESPONSES_PER_PROMPT} responses.`,
    })
    .default([]),
  openness: z.number().nullable().optional(),
  notRankable: z.boolean().default(false),
  notRankableReason: z.string().trim().max(2000).nullable().optional(),
  comment: z.string().trim().max(MAX_COMMENT_CHARS).nullable().optional(),
  durationMs: z.number().int().min(0).max(MAX_DURATION_MS).nullable().optional(),
  /**
   * The version the board was opened on: null for a new annotation, else the annotation's
   * updatedAt (epoch ms). When the stored annotation is no longer that version (another tab or
   * device submitted meanwhile) the write is refused with 409 instead of replacing it unseen.
   * Left out, the write replaces whatever is stored (an API client resubmitting on purpose).
   */
  baseVersion: z.number().int().nonnegative().nullable().optional(),
};

function checkOpenness(
  value: { openness?: number | null; notRankable: boolean; notRankableReason?: string | null },
  ctx: z.RefinementCtx,
) {
  if (value.openness !== null && value.openness !== undefined && !isOnOpennessScale(value.openness)) {
    ctx.addIssue({
      code: "custom",
      path: ["openness"],
      message: `Openness must be one of ${OPENNESS_SCALE.join(", ")} (got ${value.openness}).`,
    });
  }
  if (!value.notRankable && (value.openness === null || value.openness === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["openness"],
      message: "Tag the prompt's openness (0, 0.25, 0.5, 0.75 or 1).",
    });
  }
  if (value.notRankable && !value.notRankableReason) {
    ctx.addIssue({ code: "custom", path: ["notRankableReason"], message: "Say why the responses cannot be ranked." });
  }
}

/** Body of PUT /api/annotations/[id]: an edit of an annotation that exists. */
export const annotationEditSchema = z.object(annotationFields).superRefine(checkOpenness);
/** Body of POST /api/annotations. */
export const annotationInputSchema = z
  .object({
    promptId: z.number().int().positive("promptId must be a prompt's id."),
    ...annotationFields,
    /**
     * The run whose suggested order the board started from (lib/annotations/suggestions.ts); the
     * server recomputes that order and the distance. Only a first submission records it.
     */
    suggestionRunId: z.number().int().positive("suggestionRunId must be a run's id.").nullable().optional(),
  })
  .superRefine(checkOpenness);

export type AnnotationEdit = z.infer<typeof annotationEditSchema>;
export type AnnotationInput = z.infer<typeof annotationInputSchema>;

export type { Annotation };

export type SaveResult = { annotation: Annotation; revised: boolean };

export type RankingProblems = { missing: number[]; duplicated: number[]; foreign: number[]; unknown: number[] };

/**
 * What is wrong with a ranking of a prompt's responses, or null when it lists each of them
 * exactly once. `foreign` ids belong to another prompt; `unknown` ids belong to none.
 */
export async function rankingProblems(
  store: Store,
  promptId: number,
  ranking: RankingGroups,
): Promise<RankingProblems | null> {
  const expected = new Set((await promptResponses(store, promptId)).map((r) => r.id));
  const seen = new Set<number>();
  const duplicated = new Set<number>();
  const strangers = new Set<number>();
  for (const id of ranking.flat()) {
    if (seen.has(id)) duplicated.add(id);
    seen.add(id);
    if (!expected.has(id)) strangers.add(id);
  }
  const missing = [...expected].filter((id) => !seen.has(id));
  const existing = new Set(await store.annotations.existingResponses([...strangers]));
  const foreign = [...strangers].filter((id) => existing.has(id));
  const unknown = [...strangers].filter((id) => !existing.has(id));
  if (!missing.length && !duplicated.size && !foreign.length && !unknown.length) return null;
  return { missing, duplicated: [...duplicated], foreign, unknown };
}

export function describeRankingProblems(count: number, p: RankingProblems): string {
  const parts = [`The ranking must list each of the prompt's ${count} responses exactly once.`];
  if (p.missing.length) parts.push(`Missing: ${p.missing.join(", ")}.`);
  if (p.duplicated.length) parts.push(`Listed more than once: ${p.duplicated.join(", ")}.`);
  if (p.foreign.length) parts.push(`Responses of another prompt: ${p.foreign.join(", ")}.`);
  if (p.unknown.length) parts.push(`No such responses: ${p.unknown.join(", ")}.`);
  return parts.join(" ");
}

/**
 * Stores an annotator's ranking of a prompt in one transaction: a first submission inserts, a
 * later one (or an edit) copies the current version to annotation_revisions and then updates.
 * Whether the annotator may write it is annotationWriteRefusal's rule, checked in the same
 * transaction. Also ends the annotator's lease on the prompt. Anything wrong writes nothing and
 * throws an AppError.
 */
export async function saveAnnotation(
  store: Store,
  annotatorId: number,
  input: AnnotationInput,
  now: Date = new Date(),
): Promise<SaveResult> {
  // A prompt an import has staged but not landed does not exist yet for anyone (lib/datasets/import-staging.ts).
  const prompt = await store.annotations.visiblePrompt(input.promptId);
  if (!prompt) throw new AppError("not-found", `There is no prompt ${input.promptId}.`);
  const pause = await activePause(store, prompt.datasetId, annotatorId);
  if (pause) throw new AppError("forbidden", pause.reason, { paused: true });

  let ranking: RankingGroups = [];
  if (!input.notRankable || input.ranking.length) {
    const problems = await rankingProblems(store, prompt.id, input.ranking);
    if (problems) {
      const count = (await promptResponses(store, prompt.id)).length;
      throw new AppError("invalid", describeRankingProblems(count, problems), problems);
    }
    ranking = input.ranking;
  }
  const suggestion = input.suggestionRunId ? await suggestionRecord(store, prompt.id, input.suggestionRunId) : null;
  return store.transaction("serial", async (tx) => {
    if (input.baseVersion !== undefined) await refuseStaleWrite(tx, prompt.id, annotatorId, input.baseVersion);
    const refusal = await annotationWriteRefusal(tx, prompt.id, annotatorId, now.getTime());
    if (refusal) throw refusal;
    const written = await tx.annotations.write(
      prompt.id,
      annotatorId,
      {
        ranking,
        openness: input.openness ?? null,
        notRankable: input.notRankable,
        notRankableReason: input.notRankableReason,
        comment: input.comment,
        durationMs: input.durationMs,
      },
      "revise",
    );
    const { outcome } = written;
    const suggested = await writeSuggestionDistance(tx, written.annotation, outcome === "created" ? suggestion : null);
    const annotation = suggested ? { ...written.annotation, ...suggested } : written.annotation;
    await releaseLease(tx, prompt.id, annotatorId);
    // Inside this transaction: a pause lands with the save that earned it.
    await enforceQuality(tx, prompt.datasetId, annotatorId);
    return { annotation, revised: outcome !== "created" };
  });
}

/** What a 409 for a stale write carries: the version stored now, for the board's "see the newer one". */
export type StaleWriteDetails = { stale: true; annotationId: number; updatedAt: number };

/** Throws a conflict when the annotator's stored annotation of the prompt is not the version `baseVersion` names. */
async function refuseStaleWrite(
  tx: Store,
  promptId: number,
  annotatorId: number,
  baseVersion: number | null,
): Promise<void> {
  const stored = await tx.annotations.stored(promptId, annotatorId);
  const storedVersion = stored ? stored.updatedAt.getTime() : null;
  if (storedVersion === baseVersion || !stored) return;
  const details: StaleWriteDetails = { stale: true, annotationId: stored.id, updatedAt: storedVersion! };
  throw new AppError(
    "conflict",
    baseVersion === null
      ? "You already submitted this prompt (in another tab or window); this ranking was not saved over it."
      : "This annotation changed (in another tab or window) after you opened it; your changes were not saved over it.",
    details,
  );
}

/** An edit of one of the annotator's own annotations; someone else's is reported as not found. */
export async function editAnnotation(
  store: Store,
  annotatorId: number,
  annotationId: number,
  edit: AnnotationEdit,
): Promise<SaveResult> {
  const promptId = await store.annotations.ownPrompt(annotationId, annotatorId);
  if (promptId === null) throw new AppError("not-found", `You have no annotation ${annotationId}.`);
  return saveAnnotation(store, annotatorId, { ...edit, promptId });
}

export type MyAnnotationRow = Omit<MyAnnotationPageRow, "ranking"> & {
  /** The ranking by response labels (the ones the annotator saw), best group first. */
  rankingLabels: string[][];
  /** Where review of the current version stands, and the decision that put it there (null: waiting). */
  review: { state: ReviewState; decision: { reviewer: string; comment: string | null; decidedAt: Date } | null };
};

/** Rows of "My annotations" a request reads at most: an annotator's whole history is paged, never read at once. */
export const MAX_MY_ANNOTATIONS_PAGE = 200;

/** Where a page of "My annotations" starts: after the row with this version time and id, newest first. */
const CURSOR = /^(\d{1,15})\.([1-9]\d{0,14})$/;

export const myAnnotationsQuerySchema = z.object({
  after: z
    .string()
    .regex(CURSOR, "after is the `next` cursor of the page before.")
    .transform((text) => {
      const [, updatedAt, id] = CURSOR.exec(text)!;
      return { updatedAt: Number(updatedAt), id: Number(id) };
    })
    .optional(),
  limit: numeric(z.number().int().min(1).max(MAX_MY_ANNOTATIONS_PAGE).default(50)),
});
export type MyAnnotationsQuery = z.output<typeof myAnnotationsQuerySchema>;

export type MyAnnotationsPage = {
  annotations: MyAnnotationRow[];
  /** All of the annotator's annotations, not only this page's. */
  total: number;
  /** The `after` of the next page, null on the last one. */
  next: string | null;
};

/**
 * One page of the annotator's own annotations, newest version first, read from the annotator's
 * index (annotator, updated_at, id) so its cost does not grow with their history.
 */
export async function listMyAnnotations(
  store: Store,
  annotatorId: number,
  query: MyAnnotationsQuery = { limit: 50 },
): Promise<MyAnnotationsPage> {
  const { limit } = query;
  // One row more than the page, to tell whether a next page exists.
  const rows = await store.annotations.myPage(annotatorId, query.after, limit);
  const page = rows.slice(0, limit);
  const total = await store.annotations.myTotal(annotatorId);
  const promptIds = page.map((r) => r.promptId);
  const responses = await store.annotations.responsePositions(promptIds);
  const byPrompt = new Map<number, { id: number; position: number }[]>();
  for (const r of responses) byPrompt.set(r.promptId, [...(byPrompt.get(r.promptId) ?? []), r]);
  const reviews = await annotationsReviewHistory(
    store,
    page.map((r) => r.id),
  );
  const last = rows.length > limit ? page.at(-1)! : null;
  return {
    total,
    next: last ? `${last.updatedAt.getTime()}.${last.id}` : null,
    annotations: page.map(({ ranking, ...r }) => {
      const labels = labelsByResponseId(byPrompt.get(r.promptId) ?? []);
      const decision = currentDecision(reviews.get(r.id) ?? [], r.updatedAt);
      return {
        ...r,
        rankingLabels: ranking.map((group) => group.map((id) => labels.get(id) ?? "?")),
        review: decision
          ? {
              state: DECISION_STATE[decision.decision],
              decision: { reviewer: decision.reviewer, comment: decision.comment, decidedAt: decision.createdAt },
            }
          : { state: "pending" as const, decision: null },
      };
    }),
  };
}

export type MyAnnotation = {
  annotation: Annotation;
  edits: number;
  dataset: { slug: string; name: string; guidelines: string };
  prompt: { id: number; text: string; externalId: string; messages: ChatMessage[] | null };
  responses: DisplayedResponse[];
};

/** One of the annotator's own annotations with what the edit page needs; null for anyone else's. */
export async function getMyAnnotation(
  store: Store,
  annotatorId: number,
  annotationId: number,
): Promise<MyAnnotation | null> {
  const row = await store.annotations.mine(annotatorId, annotationId);
  if (!row) return null;
  return {
    annotation: row.annotation,
    edits: row.edits,
    dataset: { slug: row.dataset.slug, name: row.dataset.name, guidelines: row.dataset.guidelines },
    prompt: {
      id: row.prompt.id,
      text: row.prompt.text,
      externalId: row.prompt.externalId,
      messages: row.prompt.messages,
    },
    responses: responsesInDisplayOrder(row.prompt.id, annotatorId, await promptResponses(store, row.prompt.id)),
  };
}
