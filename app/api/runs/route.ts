import { getDb } from "@/db";
import { z } from "zod";
import { describeZodError, jsonError, parseJsonBody } from "@/lib/http/body";
import { kickScheduler } from "@/lib/runs/scheduler";
import { validateTrainSettings } from "@/lib/runs/training";
import { createRun, datasetIdBySlug } from "@/lib/runs/request-run";
import { listRuns } from "@/lib/runs/lifecycle";
import { RunError, runRequestSchema } from "@/lib/runs/schemas";
import { authorizeRequest } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** GET /api/runs: the latest runs, newest first (no weights). */
export async function GET(request: Request) {
  const auth = await authorizeRequest(request, "researcher");
  if (auth.response) return auth.response;
  return Response.json({ runs: listRuns(getDb()) });
}

/**
 * POST /api/runs {datasetId | dataset: slug, utility?, heldOutShare?, seed?, missingOpenness?, train?}:
 * queues a run; training starts in a worker process when no other run is training.
 */
export async function POST(request: Request) {
  const auth = await authorizeRequest(request, "researcher");
  if (auth.response) return auth.response;
  const parsedBody = await parseJsonBody(request, z.record(z.string(), z.unknown()));
  if (parsedBody.response) return parsedBody.response;
  let body: Record<string, unknown> = parsedBody.data;
  const db = getDb();
  if (typeof body.dataset === "string" && !("datasetId" in body)) {
    const id = datasetIdBySlug(db, body.dataset);
    if (id === null) return jsonError(404, `There is no dataset "${body.dataset}".`);
    body = { ...body, datasetId: id };
  }
  const parsed = runRequestSchema.safeParse(body);
  if (!parsed.success) return jsonError(400, describeZodError(parsed.error));
  try {
    const run = createRun(db, validateTrainSettings(parsed.data), auth.user.id, "api");
    kickScheduler();
    const { weights: _weights, ...shown } = run;
    return Response.json({ run: shown }, { status: 201 });
  } catch (error) {
    if (error instanceof RunError) return jsonError(error.status, error.message);
    throw error;
  }
}
