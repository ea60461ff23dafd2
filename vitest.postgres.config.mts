/**
 * `npm run test:postgres`, the PostgreSQL lane: unit tests whose database is freshDbPerTest()'s
 * store run again with OCTORANK_TEST_BACKEND=postgres, each file on a throwaway cluster
 * (db/pg/test-database.ts). A file joins the list once every store area it uses has a PostgreSQL
 * version and it reads the database only through `.store` and `.side` (not SQLite's `.db`). The
 * db/pg tests run on both backends in the unit lane already.
 */
import { defineConfig } from "vitest/config";
import { NO_POSTGRES_MESSAGE, postgresBinDir } from "./db/pg/test-cluster";
import base from "./vitest.config.mts";

const POSTGRES_LANE = [
  "lib/admin/queries.test.ts",
  "lib/auth/login-throttle.test.ts",
  // Background jobs deduplicated through the database (the coordination store).
  "lib/process.test.ts",
  "lib/datasets/queries.test.ts",
  // One openness everywhere: the dataset page, both exports, training and a run's dashboard.
  "lib/openness/resolve.test.ts",
  "lib/datasets/conversation.test.ts",
  "app/api/datasets/[slug]/import/route.test.ts",
  "lib/datasets/import.test.ts",
  "lib/datasets/preference-files.test.ts",
  "lib/datasets/export.test.ts",
  "lib/datasets/export-pairs.test.ts",
  "lib/datasets/prompt-search.test.ts",
];

const installed = postgresBinDir() !== null;
if (!installed) console.warn(NO_POSTGRES_MESSAGE);

// Spread, not mergeConfig: that would add this list to the base config's include, not replace it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: installed ? POSTGRES_LANE : [],
    passWithNoTests: !installed,
    env: { OCTORANK_TEST_BACKEND: "postgres" },
  },
});
