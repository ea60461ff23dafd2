import "server-only";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import type { Db } from "@/db";
import { REVIEW_DECISIONS, type ReviewDecision } from "@/lib/domain";
import { AppError } from "@/lib/errors";
import { DECISION_STATE, type ReviewState } from "@/lib/annotations/review-states";
import { MAX_COMMENT_CHARS } from "@/lib/markdown-budget";

/**
 * The review workflow. Decisions live in annotation_reviews, append-only; an annotation's state is
 * derived from the last decision about its current version (version_at = its updated_at), so an
 * edit by the annotator (a resubmission) makes it pending again while the old decisions stay.
 */

export { DECISION_STATE, REVIEW_STATE_LABELS, REVIEW_STATES, type ReviewState } from "@/lib/annotations/review-states";

/**
 * SQL for the current state of the annotation aliased `alias`: the last decision about its
 * current version, or 'pending'. One index lookup (annotation_reviews_annotation).
 */
export function reviewStateSql(alias: string): string {
  return `coalesce((select case r.decision when 'accept' then 'accepted' when 'reject' then 'rejected' else 'sent_back' end
    from annotation_reviews r where r.annotation_id = ${alias}.id and r.version_at = ${alias}.updated_at
    order by r.id desc limit 1), 'pending')`;
}

/** SQL condition: the annotation aliased `alias` has been accepted in its current version. */
export function acceptedSql(alias: string): string {
  return `${reviewStateSql(alias)} = 'accepted'`;
}

const decisionFields = {
  decision: z.enum(REVIEW_DECISIONS, { message: `decision must be one of ${REVIEW_DECISIONS.join(", ")}.` }),
  comment: z
    .string()
    .trim()
    .max(MAX_COMMENT_CHARS, `Keep the comment under ${MAX_COMMENT_CHARS.toLocaleString("en")} characters.`)
    .optional()
    .transform((v) => (v ? v : null)),
};

const VERSION_MESSAGE = "version is the annotation's updated_at in ms.";
/** The annotation's updated_at (ms) as the reviewer saw it: a decision is about that version. */
const versionField = numeric(z.number({ message: VERSION_MESSAGE }).int().nonnegative(VERSION_MESSAGE));

function requireCommentUnlessAccepted(
  value: { decision: ReviewDecision; comment: string | null },
  ctx: z.RefinementCtx,
) {
  if (value.decision !== "accept" && !value.comment) {
    ctx.addIssue({
      code: "custom",
      path: ["comment"],
      message:
        value.decision === "send_back"
          ? "Say what the annotator should change: the comment is what they will see."
          : "Say why you reject it: the reason is kept with the decision.",
    });
  }
}

/** A decision from the prompt page's form. */
export const reviewInputSchema = z
  .object({
    annotationId: numeric(
      z
        .number({ message: "annotationId must be an annotation's id." })
        .int()
        .positive("annotationId must be an annotation's id."),
    ),
    version: versionField,
    ...decisionFields,
  })
  .superRefine(requireCommentUnlessAccepted);
export type ReviewInput = z.infer<typeof reviewInputSchema>;

/** The JSON body of POST /api/annotations/<id>/reviews: the id comes from the path. */
export const reviewRequestSchema = z
  .object({
    version: versionField,
    ...decisionFields,
  })
  .strict()
  .superRefine(requireCommentUnlessAccepted);

export type ReviewRow = {
  id: number;
  annotationId: number;
  reviewerId: number;
  reviewer: string;
  decision: ReviewDecision;
  comment: string | null;
  versionAt: Date;
  createdAt: Date;
};

type RawReview = {
  id: number;
  annotation_id: number;
  reviewer_id: number;
  reviewer: string;
  decision: ReviewDecision;
  comment: string | null;
  version_at: number;
  created_at: number;
};

function toReview(r: RawReview): ReviewRow {
  return {
    id: r.id,
    annotationId: r.annotation_id,
    reviewerId: r.reviewer_id,
    reviewer: r.reviewer,
    decision: r.decision,
    comment: r.comment,
    versionAt: new Date(r.version_at),
    createdAt: new Date(r.created_at),
  };
}

const REVIEW_COLUMNS = `r.id, r.annotation_id, r.reviewer_id, coalesce(nullif(u.name, ''), u.email) as reviewer,
  r.decision, r.comment, r.version_at, r.created_at`;

/**
 * Records a reviewer's decision about the version of an annotation they saw. Refused (nothing
 * written) when the annotation is gone, is the reviewer's own, or changed since they saw it.
 */
export function reviewAnnotation(db: Db, reviewerId: number, input: ReviewInput): ReviewRow {
  return db.transaction(
    () => {
      // better-sqlite3 is synchronous: statements on the connection run inside this transaction.
      const sqlite = db.$client;
      const annotation = sqlite
        .prepare<[number], { id: number; annotator_id: number; updated_at: number }>(
          "select id, annotator_id, updated_at from annotations where id = ?",
        )
        .get(input.annotationId);
      if (!annotation)
        throw new AppError("not-found", `There is no annotation ${input.annotationId}; it may have been deleted.`);
      if (annotation.annotator_id === reviewerId) {
        throw new AppError("forbidden", "You cannot review your own annotation; another researcher has to.");
      }
      if (annotation.updated_at !== input.version) {
        throw new AppError(
          "conflict",
          "The annotator changed this annotation after you opened it. Reload the page and review the new version.",
        );
      }
      const { id } = sqlite
        .prepare<[number, number, string, string | null, number], { id: number }>(
          "insert into annotation_reviews (annotation_id, reviewer_id, decision, comment, version_at) values (?, ?, ?, ?, ?) returning id",
        )
        .get(input.annotationId, reviewerId, input.decision, input.comment, input.version)!;
      return toReview(
        sqlite
          .prepare<[number], RawReview>(
            `select ${REVIEW_COLUMNS} from annotation_reviews r join users u on u.id = r.reviewer_id where r.id = ?`,
          )
          .get(id)!,
      );
    },
    { behavior: "immediate" },
  );
}

/** Decisions about the annotations matching `where` (on alias a), oldest first, by annotation id. */
function reviewsByAnnotation(db: Db, where: string, param: number | string): Map<number, ReviewRow[]> {
  const rows = db.$client
    .prepare<[number | string], RawReview>(
      `select ${REVIEW_COLUMNS} from annotations a
       join annotation_reviews r on r.annotation_id = a.id join users u on u.id = r.reviewer_id
       where ${where} order by r.id`,
    )
    .all(param);
  const byAnnotation = new Map<number, ReviewRow[]>();
  for (const row of rows.map(toReview)) {
    const list = byAnnotation.get(row.annotationId) ?? [];
    list.push(row);
    byAnnotation.set(row.annotationId, list);
  }
  return byAnnotation;
}

/** Every decision about a prompt's annotations, oldest first, by annotation id. */
export function promptReviewHistory(db: Db, promptId: number): Map<number, ReviewRow[]> {
  return reviewsByAnnotation(db, "a.prompt_id = ?", promptId);
}

/** Every decision about these annotations, oldest first, by annotation id (the ids go as one JSON parameter). */
export function annotationsReviewHistory(db: Db, annotationIds: readonly number[]): Map<number, ReviewRow[]> {
  if (!annotationIds.length) return new Map();
  return reviewsByAnnotation(db, "a.id in (select value from json_each(?))", JSON.stringify(annotationIds));
}

/** The decision that set the annotation's state: the last one about its current version. */
export function currentDecision(history: readonly ReviewRow[], updatedAt: Date): ReviewRow | null {
  return history.filter((r) => r.versionAt.getTime() === updatedAt.getTime()).at(-1) ?? null;
}

/** The state an annotation is in, from its decisions and its current version. */
export function currentReviewState(history: readonly ReviewRow[], updatedAt: Date): ReviewState {
  const last = currentDecision(history, updatedAt);
  return last ? DECISION_STATE[last.decision] : "pending";
}

export type AnnotationReviewHistory = {
  annotationId: number;
  promptId: number;
  annotatorId: number;
  /** The current version's updated_at in ms: what a new decision must name. */
  version: number;
  state: ReviewState;
  /** Oldest first, with decisions about earlier versions too. */
  reviews: ReviewRow[];
};

/** One annotation's review state and every decision about it; null when there is no such annotation. */
export function annotationReviewHistory(db: Db, annotationId: number): AnnotationReviewHistory | null {
  const annotation = db.$client
    .prepare<[number], { prompt_id: number; annotator_id: number; updated_at: number }>(
      "select prompt_id, annotator_id, updated_at from annotations where id = ?",
    )
    .get(annotationId);
  if (!annotation) return null;
  const reviews = reviewsByAnnotation(db, "a.id = ?", annotationId).get(annotationId) ?? [];
  return {
    annotationId,
    promptId: annotation.prompt_id,
    annotatorId: annotation.annotator_id,
    version: annotation.updated_at,
    state: currentReviewState(reviews, new Date(annotation.updated_at)),
    reviews,
  };
}

export type SentBack = {
  annotationId: number;
  promptId: number;
  reviewer: string;
  comment: string | null;
  sentBackAt: Date;
};

/**
 * The annotator's work sent back to them in this dataset and not yet resubmitted, oldest
 * decision first: it comes before any new prompt in their queue.
 */
export function sentBackToAnnotator(db: Db, datasetId: number, annotatorId: number): SentBack[] {
  return db.$client
    .prepare<
      [number, number],
      {
        annotation_id: number;
        prompt_id: number;
        reviewer: string;
        comment: string | null;
        created_at: number;
      }
    >(
      `select a.id as annotation_id, a.prompt_id, coalesce(nullif(u.name, ''), u.email) as reviewer, r.comment, r.created_at
       from annotations a
       join prompts p on p.id = a.prompt_id
       join annotation_reviews r on r.id = (
         select r2.id from annotation_reviews r2
         where r2.annotation_id = a.id and r2.version_at = a.updated_at order by r2.id desc limit 1)
       join users u on u.id = r.reviewer_id
       where a.annotator_id = ? and p.dataset_id = ? and r.decision = 'send_back'
       order by r.id`,
    )
    .all(annotatorId, datasetId)
    .map((r) => ({
      annotationId: r.annotation_id,
      promptId: r.prompt_id,
      reviewer: r.reviewer,
      comment: r.comment,
      sentBackAt: new Date(r.created_at),
    }));
}

/** How many times each of a prompt's annotations was revised (resubmitted or edited). */
export function revisionCounts(db: Db, promptId: number): Map<number, number> {
  const rows = db.$client
    .prepare<[number], { id: number; n: number }>(
      `select a.id, count(r.id) as n from annotations a join annotation_revisions r on r.annotation_id = a.id
       where a.prompt_id = ? group by a.id`,
    )
    .all(promptId);
  return new Map(rows.map((r) => [r.id, r.n]));
}
