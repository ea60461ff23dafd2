import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { describeLocation, openStoreAt } from "../db/store/open";
import { seedDemo } from "../lib/demo/seed";
import { authSecret, databaseLocation } from "../lib/env";

/**
 * Creates the data folder and auth secret, opens the database (SQLite's file, or PostgreSQL's by
 * DATABASE_URL), applies migrations and seeds the demo once when allowed. An unreachable or unfit
 * database fails here, in its own words, before the server starts.
 */
export async function prepareDatabase({ seedDemo: seed }: { seedDemo: boolean }): Promise<void> {
  authSecret();
  const location = databaseLocation();
  const { store, close } = openStoreAt(location);
  try {
    // An empty transaction: the PostgreSQL store opens and migrates before its first statement.
    await store.transaction("atomic", async () => undefined);
    if (seed) {
      const { created } = await seedDemo(store);
      if (created) console.log(`Seeded the demo into ${describeLocation(location)}`);
    }
  } finally {
    await close();
  }
}

const SOURCE_ROOTS = [
  "app",
  "components",
  "lib",
  "db",
  "ml",
  "public",
  "next.config.js",
  "package-lock.json",
  "tsconfig.json",
  "postcss.config.mjs",
  "proxy.ts",
  "instrumentation.ts",
];

function newestMtime(entry: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs
    .readdirSync(entry)
    .reduce((newest, child) => Math.max(newest, newestMtime(path.join(entry, child))), stat.mtimeMs);
}

/** Runs `next build` when there is no build or a source file is newer than it. */
export function buildIfNeeded(): void {
  const buildId = path.join(process.env.NEXT_DIST_DIR || ".next", "BUILD_ID");
  const builtAt = fs.existsSync(buildId) ? fs.statSync(buildId).mtimeMs : 0;
  const sourcesAt = Math.max(...SOURCE_ROOTS.map(newestMtime));
  if (builtAt > sourcesAt) return;
  console.log(builtAt ? "Sources changed since the last build: rebuilding…" : "No build yet: building…");
  const startedAt = new Date();
  const result = spawnSync(path.join("node_modules", ".bin", "next"), ["build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) {
    console.error("next build failed");
    process.exit(result.status ?? 1);
  }
  // The build read the sources as they were when it started: a file saved while it ran is newer
  // than that, so the next start rebuilds (BUILD_ID's own time is the end of the build).
  fs.utimesSync(buildId, startedAt, startedAt);
}
