import { z } from "zod";
import { getDb } from "@/db";
import { jsonError, parseJsonBody } from "@/lib/http/body";
import { skipPrompt } from "@/lib/annotations/queue";
import { authorizeRequest } from "@/lib/auth/session";

const skipSchema = z.object({
  promptId: z.number().int().positive("promptId must be a prompt's id."),
  reason: z.string().max(1000, "Keep the reason under 1000 characters.").nullish(),
});

/** POST /api/queue/skip {promptId, reason?}: gives the prompt back to the pool and out of the caller's queue. */
export async function POST(request: Request) {
  const auth = await authorizeRequest(request, "annotator");
  if (auth.response) return auth.response;
  const body = await parseJsonBody(request, skipSchema);
  if (body.response) return body.response;
  if (!skipPrompt(getDb(), body.data.promptId, auth.user.id, new Date(), body.data.reason ?? null))
    return jsonError(404, `There is no prompt ${body.data.promptId}.`);
  return Response.json({ skipped: body.data.promptId });
}
