import { getDb } from "@/db";
import { jsonError } from "@/lib/http/body";
import { getRun } from "@/lib/runs/lifecycle";
import { parseRunId } from "@/lib/runs/schemas";
import { authorizeRequest } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** GET /api/runs/:id/rewards: every response's reward under the run, with its split. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRequest(request, "researcher");
  if (auth.response) return auth.response;
  const id = parseRunId((await params).id);
  const db = getDb();
  const run = id === null ? undefined : getRun(db, id);
  if (!run) return jsonError(404, "There is no such run.");
  if (run.status !== "succeeded")
    return jsonError(409, `Run ${run.id} is ${run.status}; rewards exist once it has succeeded.`);
  const rewards = db.$client
    .prepare(
      `select r.prompt_id as promptId, p.external_id as promptExternalId, rr.response_id as responseId,
              r.external_id as responseExternalId, rr.split, rr.reward
         from run_rewards rr join responses r on r.id = rr.response_id join prompts p on p.id = r.prompt_id
        where rr.run_id = ? order by r.prompt_id, r.position`,
    )
    .all(run.id);
  return Response.json({ runId: run.id, rewards });
}
