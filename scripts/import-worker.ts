/**
 * `node --import tsx scripts/import-worker.ts`: runs one import in its own process, spawned by the
 * import route (lib/datasets/import-process.ts), so that reading and checking a large file never
 * holds the server's event loop. It receives {file, options, location} over IPC, opens the
 * database at `location` (the server store's), and answers with the result.
 */
import { openStoreAt } from "../db/store/open";
import { importJsonlFile } from "../lib/datasets/import";
import type { ImportRequest } from "../lib/datasets/import-process";

process.once("message", async (message: ImportRequest) => {
  const { store, close } = openStoreAt(message.location);
  try {
    const result = await importJsonlFile(store, message.file, message.options);
    process.send!({ result }, () => process.exit(0));
  } catch (error) {
    process.send!({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(1));
  } finally {
    await close();
  }
});
