/**
 * `node --import tsx scripts/openness-worker.ts <datasetId>`: fits a dataset's openness estimates
 * and stores them for the dataset page, in its own process (spawned by
 * recomputeOpennessInBackground in lib/openness/estimates.ts) because fitting takes minutes on a
 * large dataset and would hold the server's event loop.
 */
import { openDatabase } from "../db/index";
import { databasePath } from "../lib/env";
import { computeAndStoreOpennessEstimates } from "../lib/openness/estimates";

const datasetId = Number(process.argv[2]);
if (!Number.isInteger(datasetId) || datasetId <= 0) {
  console.error("Usage: node --import tsx scripts/openness-worker.ts <datasetId>");
  process.exit(2);
}
const db = openDatabase(databasePath());
try {
  computeAndStoreOpennessEstimates(db, datasetId);
} finally {
  db.$client.close();
}
