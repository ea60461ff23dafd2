import "server-only";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import type { Store } from "@/lib/db";
import type { ReviewRow, SentBackRow } from "@/db/store/review";
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

export type { ReviewRow };

/**
 * Records a reviewer's decision about the version of an annotation they saw. Refused (nothing
 * written) when the annotation is gone, is the reviewer's own, or changed since they saw it.
 */
export function reviewAnnotation(store: Store, reviewerId: number, input: ReviewInput): Promise<ReviewRow> {
  return store.transaction("serial", async (tx) => {
    const annotation = await tx.review.annotation(input.annotationId);
    if (!annotation)
      throw new AppError("not-found", `There is no annotation ${input.annotationId}; it may have been deleted.`);
    if (annotation.annotatorId === reviewerId) {
      throw new AppError("forbidden", "You cannot review your own annotation; another researcher has to.");
    }
    if (annotation.updatedAt !== input.version) {
      throw new AppError(
        "conflict",
        "The annotator changed this annotation after you opened it. Reload the page and review the new version.",
      );
    }
    return tx.review.addDecision(input.annotationId, reviewerId, input.decision, input.comment, input.version);
  });
}

/** Every decision about a prompt's annotations, oldest first, by annotation id. */
export function promptReviewHistory(store: Store, promptId: number): Promise<Map<number, ReviewRow[]>> {
  return store.review.byPrompt(promptId);
}

/** Every decision about these annotations, oldest first, by annotation id. */
export function annotationsReviewHistory(
  store: Store,
  annotationIds: readonly number[],
): Promise<Map<number, ReviewRow[]>> {
  return store.review.byAnnotations(annotationIds);
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
export async function annotationReviewHistory(
  store: Store,
  annotationId: number,
): Promise<AnnotationReviewHistory | null> {
  const annotation = await store.review.annotation(annotationId);
  if (!annotation) return null;
  const reviews = (await store.review.byAnnotations([annotationId])).get(annotationId) ?? [];
  return {
    annotationId,
    promptId: annotation.promptId,
    annotatorId: annotation.annotatorId,
    version: annotation.updatedAt,
    state: currentReviewState(reviews, new Date(annotation.updatedAt)),
    reviews,
  };
}

export type SentBack = SentBackRow;

/**
 * The annotator's work sent back to them in this dataset and not yet resubmitted, oldest
 * decision first: it comes before any new prompt in their queue.
 */
export function sentBackToAnnotator(store: Store, datasetId: number, annotatorId: number): Promise<SentBack[]> {
  return store.review.sentBack(datasetId, annotatorId);
}

/** How many times each of a prompt's annotations was revised (resubmitted or edited). */
export function revisionCounts(store: Store, promptId: number): Promise<Map<number, number>> {
  return store.review.revisionCounts(promptId);
}
