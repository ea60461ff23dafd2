/**
 * `npm run test:e2e`: builds when needed, then runs Playwright against a real `next start` on a
 * temporary SQLite file (see playwright.config.ts), and removes that file afterwards. With
 * --build-only it builds when needed and stops (npm test's build stage, before the lanes that serve
 * that build side by side); OCTORANK_SKIP_BUILD=1 serves the existing build, as for `npm start`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { buildIfNeeded } from "./prepare";

const argv = process.argv.slice(2);
if (process.env.OCTORANK_SKIP_BUILD !== "1") buildIfNeeded();
if (argv.includes("--build-only")) process.exit(0);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-e2e-"));
const result = spawnSync(path.join("node_modules", ".bin", "playwright"), ["test", ...argv], {
  stdio: "inherit",
  env: { ...process.env, E2E_DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" },
});
if (result.status === 0) fs.rmSync(dataDir, { recursive: true, force: true });
else console.error(`e2e data kept for inspection in ${dataDir}`);
process.exit(result.status ?? 1);
