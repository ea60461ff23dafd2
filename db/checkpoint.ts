import path from "node:path";
import { Worker } from "node:worker_threads";
import type { Db } from "./index";

/** How often the background checkpointer copies the write-ahead log into the database file. */
export const CHECKPOINT_INTERVAL_MS = 1000;
/** SQLite's own automatic checkpoint threshold (pages), restored if the checkpointer stops. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

// Plain CommonJS evaluated in the worker thread: it loads better-sqlite3 from the app's own
// node_modules (the server bundle does not ship it), opens its own connection and checkpoints.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createRequire } = require("node:module");
const Database = createRequire(workerData.resolveFrom)("better-sqlite3");
const db = new Database(workerData.file, { timeout: 5000 });
let reportedFrames = 0;
setInterval(() => {
  try {
    const [{ busy, log, checkpointed }] = db.pragma("wal_checkpoint(PASSIVE)");
    // Only a checkpoint that copied the whole log is reported: one that a reader's snapshot stopped
    // short has left frames for the next tick.
    if (busy === 0 && log > 0 && checkpointed === log && log !== reportedFrames) {
      reportedFrames = log;
      parentPort.postMessage({ checkpointedFrames: log });
    }
  } catch {
    // Busy or locked: the next tick copies what this one could not.
  }
}, workerData.intervalMs);
`;

/**
 * Moves the server connection's WAL checkpoints to a worker thread. SQLite checkpoints inside the
 * commit that takes the log past 1000 pages: copying the log into the database and syncing it, on
 * the thread that commits, which in the server is the one every request waits on (and after an
 * import's or a run's writes the log is large). A PASSIVE checkpoint on another connection
 * neither blocks writers nor readers; the log restarts from its beginning once it is all copied.
 * The worker posts `{ checkpointedFrames }` each time a checkpoint has copied the whole log into the
 * file: the moment the file holds every commit (`whenCheckpointed` waits for it).
 */
export function checkpointInBackground(db: Db, file: string): Worker {
  db.$client.pragma("wal_autocheckpoint = 0");
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, resolveFrom: path.join(process.cwd(), "package.json"), intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  worker.unref();
  const fallBack = (why: unknown) => {
    console.error("Octorank: the background checkpointer stopped; SQLite checkpoints in commits again:", why);
    if (db.$client.open) db.$client.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  };
  worker.on("error", fallBack);
  worker.on("exit", (code) => {
    if (code !== 0) fallBack(`exit code ${code}`);
  });
  return worker;
}

/** Resolves once the checkpointer reports a whole log of at least `minFrames` frames copied into the file. */
export function whenCheckpointed(worker: Worker, minFrames: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.off("message", onMessage);
      reject(new Error(`no checkpoint of ${minFrames}+ frames within ${timeoutMs} ms`));
    }, timeoutMs);
    function onMessage(message: { checkpointedFrames: number }) {
      if (message.checkpointedFrames < minFrames) return;
      clearTimeout(timer);
      worker.off("message", onMessage);
      resolve(message.checkpointedFrames);
    }
    worker.on("message", onMessage);
  });
}
