import { getDb } from "@/db";
import { jsonError } from "@/lib/http/body";
import { findQueueDataset, nextPrompt } from "@/lib/annotations/queue";
import { authorizeRequest } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/**
 * POST /api/queue/next?dataset=slug: claims the caller's next prompt (leased to them), or status
 * "done". A POST because it takes a lease: a GET must not change anything (prefetchers, crawlers).
 */
export async function POST(request: Request) {
  const auth = await authorizeRequest(request, "annotator");
  if (auth.response) return auth.response;
  const slug = new URL(request.url).searchParams.get("dataset");
  const db = getDb();
  const dataset = findQueueDataset(db, slug);
  if (!dataset) return jsonError(404, slug ? `There is no dataset "${slug}".` : "There are no datasets yet.");
  return Response.json(nextPrompt(db, dataset, auth.user.id));
}
