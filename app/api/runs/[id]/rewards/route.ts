import { getStore } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/http/ids";
import { route } from "@/lib/http/route";
import { getRun } from "@/lib/runs/lifecycle";
import { storedRewards } from "@/lib/runs/rewards";

export const dynamic = "force-dynamic";

/** GET /api/runs/:id/rewards: every response's reward under the run, with its split. */
export const GET = route({ access: "researcher", params: idParams("run") }, async ({ params }) => {
  const store = getStore();
  const run = await getRun(store, params.id);
  if (!run) throw new AppError("not-found", `There is no run ${params.id}.`);
  if (run.status !== "succeeded") {
    throw new AppError("conflict", `Run ${run.id} is ${run.status}; rewards exist once it has succeeded.`);
  }
  const rewards = (await storedRewards(store, run.id)).map((r) => ({
    promptId: r.promptId,
    promptExternalId: r.promptExternalId,
    responseId: r.responseId,
    responseExternalId: r.responseExternalId,
    split: r.split,
    reward: r.reward,
  }));
  return { runId: run.id, rewards };
});
