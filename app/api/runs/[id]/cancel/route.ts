import { jsonError } from "@/lib/http/body";
import { cancelRun } from "@/lib/runs/scheduler";
import { parseRunId, RunError } from "@/lib/runs/schemas";
import { authorizeRequest } from "@/lib/auth/session";

/** POST /api/runs/:id/cancel: a queued run ends at once; a running one stops within seconds. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRequest(request, "researcher");
  if (auth.response) return auth.response;
  const id = parseRunId((await params).id);
  if (id === null) return jsonError(404, "There is no such run.");
  try {
    const { run, signalPid } = cancelRun(id);
    return Response.json({ id, status: signalPid === null ? run.status : "canceling" }, { status: 202 });
  } catch (error) {
    if (error instanceof RunError) return jsonError(error.status, error.message);
    throw error;
  }
}
