/** Creating a run: every way in (the API, the form, the CLI, repro) queues it here. */
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { schema } from "@/db";
import { RunError, type RunConfig, type RunRequest, type RunRow } from "@/lib/runs/schemas";

/**
 * Queues a run. `startNow` (the headless CLI, which trains in its own process) creates it already
 * running and owned by that process, so the server's scheduler never picks it up.
 */
export function createRun(
  db: Db,
  request: RunRequest,
  createdBy: number | null,
  origin: RunConfig["origin"],
  startNow?: { workerPid: number },
): RunRow {
  const dataset = db.select().from(schema.datasets).where(eq(schema.datasets.id, request.datasetId)).get();
  if (!dataset) throw new RunError(`There is no dataset with id ${request.datasetId}.`, 404);
  const { datasetId, name, ...rest } = request;
  const config: RunConfig = { ...rest, origin };
  return db
    .insert(schema.trainingRuns)
    .values({
      datasetId,
      name: name ?? `${request.utility} on ${dataset.slug}`,
      config: config as unknown as Record<string, unknown>,
      status: startNow ? "running" : "queued",
      startedAt: startNow ? new Date() : null,
      workerPid: startNow?.workerPid ?? null,
      createdBy,
    })
    .returning()
    .get();
}

/** Finds a dataset by slug, for requests that name it instead of giving its id. */
export function datasetIdBySlug(db: Db, slug: string): number | null {
  return (
    db.select({ id: schema.datasets.id }).from(schema.datasets).where(eq(schema.datasets.slug, slug)).get()?.id ?? null
  );
}
