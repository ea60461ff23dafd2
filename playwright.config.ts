import path from "node:path";
import os from "node:os";
import fs from "node:fs";
import { defineConfig } from "@playwright/test";

/**
 * Specs run in parallel, each worker against its own real `next start` on its own SQLite file
 * seeded with the demo (the worker fixture in e2e/fixtures.ts), all over one build. scripts/e2e.ts
 * builds first and passes the data folder; run alone, a fresh folder is made here.
 */
const dataDir = process.env.E2E_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "octorank-e2e-"));
process.env.E2E_DATA_DIR = dataDir;

/**
 * Debian's build of Chromium's headless shell when installed, as Playwright itself runs headless
 * Chromium: the same Blink and V8 without the full browser's windowing layers, and about a quarter
 * less CPU over the same specs. Else the full browser; CHROMIUM_PATH overrides both.
 */
const chromium =
  process.env.CHROMIUM_PATH ??
  ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].find((file) => fs.existsSync(file)) ??
  "/usr/bin/chromium";

/** One worker per core: each worker's server and browser keep a core busy. E2E_WORKERS overrides. */
const workers = Number(process.env.E2E_WORKERS ?? Math.max(1, os.availableParallelism()));

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: true,
  workers,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  // Jobs are handed out in the order of the projects, then of the files. servers.spec.ts starts its
  // own PostgreSQL cluster and two servers in a worker of its own (it needs no SQLite server), so it
  // goes first: its setup then overlaps the other worker's tests instead of ending the run alone.
  projects: [
    { name: "postgres", testMatch: "servers.spec.ts" },
    { name: "sqlite", testIgnore: "servers.spec.ts" },
  ],
  outputDir: path.join(dataDir, "test-results"),
  use: {
    trace: "off",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
});
