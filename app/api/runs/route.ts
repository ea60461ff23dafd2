import { z } from "zod";
import { getStore } from "@/lib/db";
import { route } from "@/lib/http/route";
import { kickScheduler } from "@/lib/runs/scheduler";
import { requestRun } from "@/lib/runs/request-run";
import { listRuns } from "@/lib/runs/lifecycle";

export const dynamic = "force-dynamic";

/** GET /api/runs: the latest runs, newest first (no weights). */
export const GET = route({ access: "researcher" }, async () => ({ runs: await listRuns(getStore()) }));

/**
 * POST /api/runs {datasetId | dataset: slug, utility?, heldOutShare?, seed?, missingOpenness?, train?}:
 * queues a run; training starts in a worker process when no other run is training.
 */
export const POST = route({ access: "researcher", body: z.record(z.string(), z.unknown()) }, async ({ user, body }) => {
  const run = await requestRun(getStore(), body, { userId: user.id, origin: "api" });
  kickScheduler();
  const { weights: _weights, ...shown } = run;
  return Response.json({ run: shown }, { status: 201 });
});
