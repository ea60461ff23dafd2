import path from "node:path";
import type { ImportOptions, ImportResult } from "@/lib/datasets/import";
import { spawnBackground } from "@/lib/process";

/**
 * Runs importJsonlFile in a child process (scripts/import-worker.ts) and waits for its result: the
 * server's event loop stays free for other requests while a large file is parsed and checked, and
 * the child's short write transactions leave the lock to others between them.
 */
export function importInChildProcess(file: string, options: ImportOptions): Promise<ImportResult> {
  return new Promise((resolve, reject) => {
    const child = spawnBackground(process.execPath, ["--import", "tsx", path.join("scripts", "import-worker.ts")], {
      cwd: process.cwd(),
      env: process.env,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let answer: { result?: ImportResult; error?: string } | null = null;
    child.on("message", (message: { result?: ImportResult; error?: string }) => (answer = message));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (answer?.result) resolve(answer.result);
      else reject(new Error(answer?.error ?? `The import process stopped (${signal ?? `exit code ${code}`}).`));
    });
    child.send({ file, options });
  });
}
