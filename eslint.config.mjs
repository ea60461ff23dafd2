// One lint configuration for the whole tree; Prettier owns formatting (eslint-config-prettier).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import drizzle from "eslint-plugin-drizzle";
import prettier from "eslint-config-prettier";
import globals from "globals";
import layers from "./lint/layers.mjs";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".next*/",
      "data/",
      "test-results/",
      "playwright-report/",
      "db/migrations/",
      "db/pg/migrations/",
      "next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { drizzle },
    rules: {
      // Deletes and updates without a where clause would wipe a table.
      "drizzle/enforce-delete-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "drizzle/enforce-update-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // React lives in app/ and components/ only; the hooks rules (the React Compiler's analysis among
    // them) cost most of the lint's time on every other file for nothing.
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // The model library is pure TypeScript over tfjs: reusable without the app, testable alone.
    files: ["ml/**/*.ts"],
    plugins: { octorank: layers },
    rules: {
      "octorank/only-imports": [
        "error",
        {
          within: "ml",
          packages: ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm", "zod", "vitest", "fast-check"],
        },
      ],
    },
  },
  {
    files: ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "proxy.ts", "instrumentation.ts"],
    ignores: ["**/*.test.{ts,tsx}"],
    plugins: { octorank: layers },
    rules: {
      "octorank/no-imports-from": [
        "error",
        { folders: ["db"], reason: "pages, routes and components reach the database through lib/" },
      ],
    },
  },
  {
    files: ["lib/**/*.{ts,tsx}"],
    ignores: ["**/*.test.{ts,tsx}", "lib/test-fixtures.ts", "lib/datasets/test-workers/**"],
    plugins: { octorank: layers },
    rules: {
      "octorank/server-only": [
        "error",
        {
          folders: ["db", "lib/db", "lib/process"],
          builtins: ["fs", "child_process"],
          packages: ["better-sqlite3", "drizzle-orm"],
        },
      ],
    },
  },
  {
    // lib/ keeps the domain rules; the SQL lives in db/store/ behind the Store (issue 24). The files
    // listed here still prepare SQL and are being moved behind stores: the list only shrinks.
    files: ["lib/**/*.{ts,tsx}"],
    ignores: [
      "**/*.test.{ts,tsx}",
      "lib/test-fixtures.ts",
      "lib/datasets/test-workers/**",
      // The process's connection and store: where the SQLite handle is opened.
      "lib/db.ts",
    ],
    plugins: { octorank: layers },
    rules: { "octorank/no-sql": "error" },
  },
  {
    // Background work starts at the lowest priority, through lib/process.ts (spawnBackground).
    files: ["lib/**/*.{ts,tsx}", "app/**/*.{ts,tsx}"],
    ignores: ["lib/process.ts", "**/*.test.{ts,tsx}", "lib/datasets/test-workers/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: ["child_process", "node:child_process"].map((name) => ({
            name,
            allowTypeImports: true,
            message: "Start processes through spawnBackground or startBackgroundJob (lib/process.ts).",
          })),
        },
      ],
    },
  },
  {
    // ml/ is one library behind ml/index.ts: everything outside it imports `@/ml`, never a module
    // inside (ml's own files import their siblings).
    files: ["**/*.{ts,tsx,mts,cts,js,mjs}"],
    ignores: ["ml/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(@/|(\\./|(\\.\\./)+))ml/(?!index$)",
              message: "Import ml/ through its index: `@/ml`.",
            },
          ],
        },
      ],
    },
  },
  {
    // A spec's `test` comes with its worker's own server and database (e2e/fixtures.ts).
    files: ["e2e/**/*.ts"],
    ignores: ["e2e/fixtures.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@playwright/test",
              importNames: ["test"],
              message: "Import `test` from ./fixtures: it starts this worker's server.",
            },
          ],
        },
      ],
    },
  },
  {
    // Preloaded with `node --require`, or read by next.config.js: CommonJS by necessity.
    files: ["**/*.cjs", "next.config.js"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  prettier,
);
