import { getStore } from "@/lib/db";
import { route } from "@/lib/http/route";
import { kickScheduler } from "@/lib/runs/scheduler";
import { reproducePaper } from "@/lib/runs/repro";

/** POST /api/runs/reproduce: creates the synthetic length dataset (once) and queues a log and a conditioned run. */
export const POST = route({ access: "researcher" }, async ({ user }) => {
  const { datasetSlug, log, conditioned } = await reproducePaper(getStore(), user.id);
  kickScheduler();
  return Response.json(
    {
      dataset: datasetSlug,
      runs: { log: log.id, conditioned: conditioned.id },
      compare: `/runs/compare?a=${log.id}&b=${conditioned.id}`,
    },
    { status: 201 },
  );
});
