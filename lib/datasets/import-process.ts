import "server-only";
import path from "node:path";
import type { Store } from "@/db/store";
import type { ImportOptions, ImportResult } from "@/lib/datasets/import";
import { discardImportsOf } from "@/lib/datasets/import-staging";
import { getStore } from "@/lib/db";
import { newProcessId, PROCESS_ID_ENV, sharedSlotsHeld, takeSharedSlot } from "@/lib/coordination";
import { AppError } from "@/lib/errors";
import { spawnBackground } from "@/lib/process";

/** What the import worker (scripts/import-worker.ts) is sent: the upload, how to import it, and where. */
export type ImportRequest = { file: string; options: ImportOptions; location: string };

/**
 * Imports that run at once, on all the servers of a database together. Each is a saved upload (up to
 * the size limit) and a child process with its own memory: without a bound, a dozen concurrent
 * uploads are a dozen Node processes.
 */
export const MAX_CONCURRENT_IMPORTS = 2;

/** How many import slots are taken, by every server of the store's database. */
export function runningImports(store: Store): Promise<number> {
  return sharedSlotsHeld(store, "import");
}

/**
 * Takes one of the import slots shared by every server before the upload is read, or refuses with
 * 429 (nothing read, nothing changed). The returned release frees it; calling it again does
 * nothing. A server that dies frees its slots when their lease expires.
 */
export async function takeImportSlot(store: Store): Promise<() => Promise<void>> {
  const slot = await takeSharedSlot(store, "import", MAX_CONCURRENT_IMPORTS);
  if (!slot) {
    throw new AppError(
      "too-many-requests",
      `${MAX_CONCURRENT_IMPORTS} imports are already running; send this file when one has finished.`,
    );
  }
  return () => slot.release();
}

/**
 * Runs importJsonlFile in a child process (scripts/import-worker.ts) and waits for its result: the
 * server's event loop stays free for other requests while a large file is parsed and checked, and
 * the child's short write transactions leave the lock to others between them. A child that dies
 * without an answer has its staging finished (a landing it had committed to) or discarded before
 * the failure is reported; other importers' stagings are not touched. `store` is the database the
 * child writes (the server's, by default): the child opens it from its location.
 */
export function importInChildProcess(
  file: string,
  options: ImportOptions,
  store: Store = getStore(),
): Promise<ImportResult> {
  return new Promise((resolve, reject) => {
    // Named by this process, so that its imports are found by that name if it dies.
    const owner = newProcessId("import");
    const child = spawnBackground(process.execPath, ["--import", "tsx", path.join("scripts", "import-worker.ts")], {
      cwd: process.cwd(),
      env: { ...process.env, [PROCESS_ID_ENV]: owner },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let answer: { result?: ImportResult; error?: string } | null = null;
    child.on("message", (message: { result?: ImportResult; error?: string }) => (answer = message));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (answer?.result) return resolve(answer.result);
      const failure = new Error(answer?.error ?? `The import process stopped (${signal ?? `exit code ${code}`}).`);
      discardImportsOf(store, owner)
        .catch((error) => console.error("Octorank: could not clean up after a failed import process:", error))
        .finally(() => reject(failure));
    });
    child.send({ file, options, location: store.location } satisfies ImportRequest);
  });
}
