import { getDb } from "@/db";
import { kickScheduler } from "@/lib/runs/scheduler";
import { reproducePaper } from "@/lib/runs/repro";
import { authorizeRequest } from "@/lib/auth/session";

/** POST /api/runs/reproduce: creates the synthetic length dataset (once) and queues a log and a conditioned run. */
export async function POST(request: Request) {
  const auth = await authorizeRequest(request, "researcher");
  if (auth.response) return auth.response;
  const { datasetSlug, log, conditioned } = reproducePaper(getDb(), auth.user.id);
  kickScheduler();
  return Response.json(
    {
      dataset: datasetSlug,
      runs: { log: log.id, conditioned: conditioned.id },
      compare: `/runs/compare?a=${log.id}&b=${conditioned.id}`,
    },
    { status: 201 },
  );
}
