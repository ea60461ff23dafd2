// One lint configuration for the whole tree; Prettier owns formatting (eslint-config-prettier).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import drizzle from "eslint-plugin-drizzle";
import prettier from "eslint-config-prettier";
import globals from "globals";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      ".next*/",
      "data/",
      "test-results/",
      "playwright-report/",
      "db/migrations/",
      "next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { "react-hooks": reactHooks, drizzle },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // Deletes and updates without a where clause would wipe a table.
      "drizzle/enforce-delete-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "drizzle/enforce-update-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
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
    // Preloaded with `node --require`: CommonJS by necessity.
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  prettier,
);
