/**
 * `node --import tsx scripts/openness-worker.ts <datasetId> [databaseFile]`: fits a dataset's
 * openness estimates and stores them for the dataset page and the queue, in its own process (spawned by
 * recomputeOpennessInBackground in lib/openness/estimates.ts) because fitting takes minutes on a
 * large dataset and would hold the server's event loop.
 */
import { openDatabase } from "../db/index";
import { databasePath } from "../lib/env";
import { computeAndStoreOpennessEstimates } from "../lib/openness/estimates";

const datasetId = Number(process.argv[2]);
if (!Number.isInteger(datasetId) || datasetId <= 0) {
  console.error("Usage: node --import tsx scripts/openness-worker.ts <datasetId> [databaseFile]");
  process.exit(2);
}
// The file of the server that spawned this (its connection's), else the environment's.
const db = openDatabase(process.argv[3] || databasePath());
try {
  computeAndStoreOpennessEstimates(db, datasetId);
} finally {
  db.$client.close();
}
