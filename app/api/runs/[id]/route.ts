import { getStore } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/http/ids";
import { route } from "@/lib/http/route";
import { getRunDetail } from "@/lib/runs/lifecycle";
import { runSnapshot } from "@/lib/runs/progress";

export const dynamic = "force-dynamic";

/** GET /api/runs/:id: the run, its live status and its summary. */
export const GET = route({ access: "researcher", params: idParams("run") }, async ({ params }) => {
  const store = getStore();
  const run = await getRunDetail(store, params.id);
  if (!run) throw new AppError("not-found", `There is no run ${params.id}.`);
  return { run, snapshot: await runSnapshot(store, params.id) };
});
