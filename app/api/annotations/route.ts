import { writeWhenUnlocked } from "@/db";
import { getDb } from "@/lib/db";
import { annotationInputSchema, listMyAnnotations, saveAnnotation } from "@/lib/annotations/annotations";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** GET /api/annotations: the caller's own annotations, newest first. */
export const GET = route({ access: "annotator" }, ({ user }) => ({ annotations: listMyAnnotations(getDb(), user.id) }));

/**
 * POST /api/annotations {promptId, ranking, openness, notRankable, notRankableReason?, comment?, durationMs}:
 * stores the caller's annotation of a prompt (a second submission for the same prompt is an edit).
 */
export const POST = route({ access: "annotator", body: annotationInputSchema }, async ({ user, body }) => {
  const db = getDb();
  const { annotation, revised } = await writeWhenUnlocked(db, () => saveAnnotation(db, user.id, body));
  return Response.json({ annotation, revised }, { status: revised ? 200 : 201 });
});
