import { idParams } from "@/lib/http/ids";
import { route } from "@/lib/http/route";
import { cancelRun } from "@/lib/runs/scheduler";

/** POST /api/runs/:id/cancel: a queued run ends at once; a running one stops within seconds. */
export const POST = route({ access: "researcher", params: idParams("run") }, async ({ params }) => {
  const { run, stopping } = await cancelRun(params.id);
  return Response.json({ id: params.id, status: stopping ? "canceling" : run.status }, { status: 202 });
});
