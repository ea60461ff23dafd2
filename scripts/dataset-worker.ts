/**
 * `node --import tsx scripts/dataset-worker.ts <openness|reward-priorities> <datasetId>`:
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

const [job, id] = process.argv.slice(2);
const datasetId = Number(id);
if (!job || !(job in JOBS) || !Number.isInteger(datasetId) || datasetId <= 0) {
  console.error("Usage: node --import tsx scripts/dataset-worker.ts <openness|reward-priorities> <datasetId>");
  process.exit(2);
}
// The database of the server that spawned this: startBackgroundJob names its store's location in
// the environment, not in the arguments, where a password in a postgres:// URL would show.
const { store, close } = openStoreAt(databaseLocation());
Promise.resolve()
  .then(() => JOBS[job]!(store, datasetId))
  .finally(close)
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
