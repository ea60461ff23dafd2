import { z } from "zod";
import { getDb } from "@/db";
import { annotationEditSchema, editAnnotation, getMyAnnotation } from "@/lib/annotations/annotations";
import { jsonError, parseJsonBody } from "@/lib/http/body";
import { authorizeRequest } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

const idSchema = z.coerce.number().int().positive();

type Context = { params: Promise<{ id: string }> };

/** GET /api/annotations/[id]: one of the caller's own annotations. */
export async function GET(request: Request, { params }: Context) {
  const auth = await authorizeRequest(request, "annotator");
  if (auth.response) return auth.response;
  const id = idSchema.safeParse((await params).id);
  if (!id.success) return jsonError(400, "The annotation id must be a positive whole number.");
  const mine = getMyAnnotation(getDb(), auth.user.id, id.data);
  if (!mine) return jsonError(404, `You have no annotation ${id.data}.`);
  return Response.json(mine);
}

/** PUT /api/annotations/[id]: edits one of the caller's own annotations; the old version becomes a revision. */
export async function PUT(request: Request, { params }: Context) {
  const auth = await authorizeRequest(request, "annotator");
  if (auth.response) return auth.response;
  const id = idSchema.safeParse((await params).id);
  if (!id.success) return jsonError(400, "The annotation id must be a positive whole number.");
  const body = await parseJsonBody(request, annotationEditSchema);
  if (body.response) return body.response;
  const result = editAnnotation(getDb(), auth.user.id, id.data, body.data);
  if (!result.ok) return jsonError(result.status, result.message, result.details);
  return Response.json({ annotation: result.annotation, revised: result.revised });
}
