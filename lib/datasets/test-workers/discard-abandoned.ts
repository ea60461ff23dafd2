/**
 * `node --import tsx lib/datasets/test-workers/discard-abandoned.ts [PHASE N]`: the clean-up
 * (discardAbandonedImports) in a process of its own, on the database its environment names (lib/env.ts
 * environmentOpening), for the tests that kill it half-way (see crash-after.ts), as it runs once the
 * dead importer's lease has run out. Prints how many stagings it took.
 */
import { openStoreAt } from "@/db/store/open";
import { DEFAULT_STAGING_TUNING, discardAbandonedImports, IMPORT_LEASE_MS } from "@/lib/datasets/import-staging";
import { databaseLocation } from "@/lib/env";
import { crashAfter } from "./crash-after";

const [phase, nth] = process.argv.slice(2);
const { store, close } = openStoreAt(databaseLocation());
void discardAbandonedImports(store, crashAfter(DEFAULT_STAGING_TUNING, phase, nth), Date.now() + IMPORT_LEASE_MS + 1)
  .then((count) => process.stdout.write(String(count)))
  .finally(close);
