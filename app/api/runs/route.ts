import { z } from "zod";
import { getDb } from "@/db";
import { route } from "@/lib/http/route";
import { kickScheduler } from "@/lib/runs/scheduler";
import { validateTrainSettings } from "@/lib/runs/training";
import { createRun, datasetIdBySlug } from "@/lib/runs/request-run";
import { listRuns } from "@/lib/runs/lifecycle";
import { RunError, runRequestSchema } from "@/lib/runs/schemas";
import { parseOrThrow } from "@/lib/http/body";

export const dynamic = "force-dynamic";

/** GET /api/runs: the latest runs, newest first (no weights). */
export const GET = route({ access: "researcher" }, () => ({ runs: listRuns(getDb()) }));

/**
 * POST /api/runs {datasetId | dataset: slug, utility?, heldOutShare?, seed?, missingOpenness?, train?}:
 * queues a run; training starts in a worker process when no other run is training.
 */
export const POST = route({ access: "researcher", body: z.record(z.string(), z.unknown()) }, ({ user, body }) => {
  const db = getDb();
  if (typeof body.dataset === "string" && !("datasetId" in body)) {
    const id = datasetIdBySlug(db, body.dataset);
    if (id === null) throw new RunError(`There is no dataset "${body.dataset}".`, "not-found");
    body = { ...body, datasetId: id };
  }
  const run = createRun(db, validateTrainSettings(parseOrThrow(runRequestSchema, body)), user.id, "api");
  kickScheduler();
  const { weights: _weights, ...shown } = run;
  return Response.json({ run: shown }, { status: 201 });
});
