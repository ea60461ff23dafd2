import { getDb } from "@/db";
import { jsonError } from "@/lib/http/body";
import { findQueueDataset, nextPrompt } from "@/lib/annotations/queue";
import { authorizeRequest } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** GET /api/queue/next?dataset=slug: the caller's next prompt (leased to them), or status "done". */
export async function GET(request: Request) {
  const auth = await authorizeRequest(request, "annotator");
  if (auth.response) return auth.response;
  const slug = new URL(request.url).searchParams.get("dataset");
  const db = getDb();
  const dataset = findQueueDataset(db, slug);
  if (!dataset) return jsonError(404, slug ? `There is no dataset "${slug}".` : "There are no datasets yet.");
  return Response.json(nextPrompt(db, dataset, auth.user.id));
}
