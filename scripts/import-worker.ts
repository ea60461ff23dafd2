/**
 * `node --import tsx scripts/import-worker.ts`: runs one import in its own process, spawned by the
 * import route (lib/datasets/import-process.ts), so that reading and checking a large file never
 * holds the server's event loop. It receives {file, options} over IPC and answers with the result.
 */
import { openDatabase } from "../db/index";
import { databasePath } from "../lib/env";
import { importJsonlFile, type ImportOptions } from "../lib/datasets/import";

process.once("message", async (message: { file: string; options: ImportOptions }) => {
  const db = openDatabase(databasePath());
  try {
    const result = await importJsonlFile(db, message.file, message.options);
    process.send!({ result }, () => process.exit(0));
  } catch (error) {
    process.send!({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(1));
  } finally {
    db.$client.close();
  }
});
