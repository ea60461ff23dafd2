import { getStore } from "@/lib/db";
import {
  annotationInputSchema,
  listMyAnnotations,
  myAnnotationsQuerySchema,
  saveAnnotation,
} from "@/lib/annotations/annotations";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * GET /api/annotations?limit=50&after=<next>: a page of the caller's own annotations, newest first,
 * with `total` and the `next` cursor (null on the last page).
 */
export const GET = route({ access: "annotator", query: myAnnotationsQuerySchema }, ({ user, query }) =>
  listMyAnnotations(getStore(), user.id, query),
);

/**
 * POST /api/annotations {promptId, ranking, openness, notRankable, notRankableReason?, comment?, durationMs}:
 * stores the caller's annotation of a prompt (a second submission for the same prompt is an edit).
 */
export const POST = route({ access: "annotator", body: annotationInputSchema }, async ({ user, body }) => {
  const { annotation, revised } = await saveAnnotation(getStore(), user.id, body);
  return Response.json({ annotation, revised }, { status: revised ? 200 : 201 });
});
