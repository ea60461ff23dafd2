/**
 * `node --import tsx scripts/dataset-worker.ts <openness|reward-priorities> <datasetId> [location]`:
 * the server's slow per-dataset work, in its own process (started by lib/process.ts
 * startBackgroundJob) so it never holds the server's event loop:
 *   openness           fits the openness estimates and stores them for the dataset page and the
 *                      `uncertain-openness` queue order (lib/openness/estimates.ts);
 *   reward-priorities  scores every prompt with the latest run for the `uncertain-rewards` order
 *                      (lib/annotations/queue-priority.ts).
 */
import type { Store } from "../db/store";
import { openStoreAt } from "../db/store/open";
import { databaseLocation } from "../lib/env";
import { storeRewardQueuePriorities } from "../lib/annotations/queue-priority";
import { computeAndStoreOpennessEstimates } from "../lib/openness/estimates";

const JOBS: Record<string, (store: Store, datasetId: number) => Promise<void>> = {
  openness: computeAndStoreOpennessEstimates,
  "reward-priorities": storeRewardQueuePriorities,
};

const [job, id, location] = process.argv.slice(2);
const datasetId = Number(id);
if (!job || !(job in JOBS) || !Number.isInteger(datasetId) || datasetId <= 0) {
  console.error(
    "Usage: node --import tsx scripts/dataset-worker.ts <openness|reward-priorities> <datasetId> [location]",
  );
  process.exit(2);
}
// The database of the server that spawned this (its store's location: a SQLite file or a postgres://
// URL), else the environment's.
const { store, close } = openStoreAt(location || databaseLocation());
Promise.resolve()
  .then(() => JOBS[job]!(store, datasetId))
  .finally(close)
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
