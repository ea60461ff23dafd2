import { getDb } from "@/db";
import { annotationInputSchema, listMyAnnotations, saveAnnotation } from "@/lib/annotations/annotations";
import { jsonError, parseJsonBody } from "@/lib/http/body";
import { authorizeRequest } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** GET /api/annotations: the caller's own annotations, newest first. */
export async function GET(request: Request) {
  const auth = await authorizeRequest(request, "annotator");
  if (auth.response) return auth.response;
  return Response.json({ annotations: listMyAnnotations(getDb(), auth.user.id) });
}

/**
 * POST /api/annotations {promptId, ranking, openness, notRankable, notRankableReason?, comment?, durationMs}:
 * stores the caller's annotation of a prompt (a second submission for the same prompt is an edit).
 */
export async function POST(request: Request) {
  const auth = await authorizeRequest(request, "annotator");
  if (auth.response) return auth.response;
  const body = await parseJsonBody(request, annotationInputSchema);
  if (body.response) return body.response;
  const result = saveAnnotation(getDb(), auth.user.id, body.data);
  if (!result.ok) return jsonError(result.status, result.message, result.details);
  return Response.json(
    { annotation: result.annotation, revised: result.revised },
    { status: result.revised ? 200 : 201 },
  );
}
