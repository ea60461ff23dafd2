import { getStore } from "@/lib/db";
import {
  annotationReviewHistory,
  DECISION_STATE,
  reviewAnnotation,
  reviewRequestSchema,
} from "@/lib/annotations/review";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/http/ids";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const params = idParams("annotation");

/** GET /api/annotations/[id]/reviews: the annotation's review state, its current version and every decision about it. */
export const GET = route({ access: "researcher", params }, async ({ params }) => {
  const history = await annotationReviewHistory(getStore(), params.id);
  if (!history) throw new AppError("not-found", `There is no annotation ${params.id}.`);
  return history;
});

/**
 * POST /api/annotations/[id]/reviews {version, decision: accept|reject|send_back, comment?}:
 * a decision about the version named (the annotation's updated_at in ms, from GET); rejecting and
 * sending back need a comment. Refused with nothing written: one's own annotation (403), an
 * unknown one (404), a version the annotator has changed since (409).
 */
export const POST = route(
  { access: "researcher", params, body: reviewRequestSchema },
  async ({ user, params, body }) => {
    const review = await reviewAnnotation(getStore(), user.id, { annotationId: params.id, ...body });
    return Response.json({ review, state: DECISION_STATE[review.decision] }, { status: 201 });
  },
);
