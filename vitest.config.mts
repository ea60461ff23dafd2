/**
 * The unit suite (`npm run test:unit`), as two vitest projects sharing one pool of workers:
 * - `sqlite`: every test file but those that use the PostgreSQL harness themselves (below);
 * - `postgres`: on ONE throwaway cluster for the whole run (db/pg/test-cluster-setup.ts), each
 *   test's database copied from its migrated template. It takes, by what a file calls, not by a list:
 *   1. every test file that calls freshDbPerTest(), a second time, with OCTORANK_TEST_BACKEND=postgres:
 *      its `.store` and `.side` are then PostgreSQL's (`.db`, SQLite's own handle, throws). A file
 *      that cannot run so (yet) is named in SQLITE_ONLY with the reason;
 *   2. every test file that imports db/pg/test-database.ts or db/pg/test-cluster.ts itself (more than
 *      `import type`): it runs its backends on its own (`describe.each(TEST_BACKENDS)`), once, in
 *      this project only.
 * A file that would be both is refused here, as it would lose its SQLite run. Where no PostgreSQL
 * server is installed, the first kind is skipped and the second runs on SQLite alone, each saying
 * so. `npm run test:postgres` runs the `postgres` project alone.
 */
import { defineConfig } from "vitest/config";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = import.meta.dirname;
const EXCLUDED_FOLDERS = ["node_modules", "e2e", "data", ".git"];
const exclude = ["node_modules/**", "e2e/**", ".next*/**", "data/**"];

/** Files that call freshDbPerTest() but run on SQLite only. */
const SQLITE_ONLY = [
  // Tests of SQLite's own handles (the file, its checkpoints, its writer and transactions).
  "db/index.test.ts",
  "db/checkpoint.test.ts",
  "db/store/transaction.test.ts",
  "db/store/writer.test.ts",
];

/** Every unit test file, relative to the root. */
function testFiles(folder = ""): string[] {
  return fs.readdirSync(path.join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(folder, entry.name);
    if (entry.isDirectory())
      return EXCLUDED_FOLDERS.includes(entry.name) || entry.name.startsWith(".next") ? [] : testFiles(relative);
    return /\.test\.tsx?$/.test(entry.name) ? [relative] : [];
  });
}

const source = new Map(testFiles().map((file) => [file, fs.readFileSync(path.join(root, file), "utf8")]));
const onStoreAndSide = [...source].filter(([, text]) => /\bfreshDbPerTest\(/.test(text)).map(([file]) => file);
const ownBackends = [...source]
  // A type-only import (a Side passed to a helper) runs nothing of the harness.
  .filter(([, text]) => /^import (?!type )[^;]*from "[^"]*\/test-(database|cluster)"/m.test(text))
  .map(([file]) => file);
const both = onStoreAndSide.filter((file) => ownBackends.includes(file));
if (both.length)
  throw new Error(
    `${both.join(", ")} both call freshDbPerTest() and import the PostgreSQL harness: use one or the other.`,
  );
const stale = SQLITE_ONLY.filter((file) => !onStoreAndSide.includes(file));
if (stale.length) throw new Error(`SQLITE_ONLY names files that do not call freshDbPerTest(): ${stale.join(", ")}.`);
const postgresFiles = [...onStoreAndSide.filter((file) => !SQLITE_ONLY.includes(file)), ...ownBackends];
/** A file's path as a glob that matches only it (`[id]` would be a character class). */
const exactly = (file: string) => file.replace(/[[\]{}()*?!]/g, "\\$&");

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(root),
      // Tests run server code outside Next, like tsx does through tsconfig.json's paths.
      "server-only": path.resolve(root, "node_modules/next/dist/compiled/server-only/empty.js"),
      // By require, as Next and the workers load them: see scripts/vitest-tfjs.cjs.
      "@tensorflow/tfjs-backend-wasm": path.resolve(root, "scripts/vitest-tfjs-backend-wasm.cjs"),
      "@tensorflow/tfjs": path.resolve(root, "scripts/vitest-tfjs.cjs"),
    },
  },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // One test file more than there are cores, across both projects: files wait on PostgreSQL and on
    // the child processes they start, and a third worker on two cores fills those waits.
    // Each file still gets a fresh process, so no module state crosses from one file into another.
    maxWorkers: os.availableParallelism() + 1,
    projects: [
      {
        extends: true,
        test: {
          name: "sqlite",
          include: ["**/*.test.ts", "**/*.test.tsx"],
          exclude: [...exclude, ...ownBackends.map(exactly)],
        },
      },
      {
        extends: true,
        test: {
          name: "postgres",
          include: postgresFiles.map(exactly),
          exclude,
          env: { OCTORANK_TEST_BACKEND: "postgres" },
          globalSetup: ["db/pg/test-cluster-setup.ts"],
        },
      },
    ],
  },
});
