import { getDb } from "@/db";
import { jsonError } from "@/lib/http/body";
import { getRunDetail } from "@/lib/runs/lifecycle";
import { parseRunId } from "@/lib/runs/schemas";
import { runSnapshot } from "@/lib/runs/progress";
import { authorizeRequest } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** GET /api/runs/:id: the run, its live status and its summary. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRequest(request, "researcher");
  if (auth.response) return auth.response;
  const id = parseRunId((await params).id);
  const db = getDb();
  const run = id === null ? undefined : getRunDetail(db, id);
  if (!run || id === null) return jsonError(404, "There is no such run.");
  return Response.json({ run, snapshot: runSnapshot(db, id) });
}
