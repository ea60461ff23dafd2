import { defineConfig } from "vitest/config";
import os from "node:os";
import path from "node:path";

export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // Tests run server code outside Next, like tsx does through tsconfig.json's paths.
      "server-only": path.resolve(import.meta.dirname, "node_modules/next/dist/compiled/server-only/empty.js"),
    },
  },
  test: {
    include: ["**/*.test.ts", "**/*.test.tsx"],
    exclude: ["node_modules/**", "e2e/**", ".next*/**", "data/**"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // One test file per core: vitest's default leaves one core of two idle. Each file still gets a
    // fresh process, so no module state crosses from one file into another.
    maxWorkers: os.availableParallelism(),
  },
});
