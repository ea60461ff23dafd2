import { getDb } from "@/db";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/http/ids";
import { route } from "@/lib/http/route";
import { getRun } from "@/lib/runs/lifecycle";

export const dynamic = "force-dynamic";

/** GET /api/runs/:id/rewards: every response's reward under the run, with its split. */
export const GET = route({ access: "researcher", params: idParams("run") }, ({ params }) => {
  const db = getDb();
  const run = getRun(db, params.id);
  if (!run) throw new AppError("not-found", `There is no run ${params.id}.`);
  if (run.status !== "succeeded") {
    throw new AppError("conflict", `Run ${run.id} is ${run.status}; rewards exist once it has succeeded.`);
  }
  const rewards = db.$client
    .prepare(
      `select r.prompt_id as promptId, p.external_id as promptExternalId, rr.response_id as responseId,
              r.external_id as responseExternalId, rr.split, rr.reward
         from run_rewards rr join responses r on r.id = rr.response_id join prompts p on p.id = r.prompt_id
        where rr.run_id = ? order by r.prompt_id, r.position`,
    )
    .all(run.id);
  return { runId: run.id, rewards };
});
