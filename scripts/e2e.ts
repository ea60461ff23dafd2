/**
 * `npm run test:e2e`: builds when needed, then runs Playwright against a real `next start` on a
 * temporary SQLite file (see playwright.config.ts), and removes that file afterwards.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { buildIfNeeded } from "./prepare";

buildIfNeeded();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-e2e-"));
const result = spawnSync(path.join("node_modules", ".bin", "playwright"), ["test", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, E2E_DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" },
});
if (result.status === 0) fs.rmSync(dataDir, { recursive: true, force: true });
else console.error(`e2e data kept for inspection in ${dataDir}`);
process.exit(result.status ?? 1);
