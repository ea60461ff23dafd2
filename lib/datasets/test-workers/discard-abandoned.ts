/**
 * `node --import tsx lib/datasets/test-workers/discard-abandoned.ts DB [PHASE N]`: the clean-up
 * (discardAbandonedImports) in a process of its own, for the tests that kill it half-way (see
 * crash-after.ts), as it runs once the dead importer's lease has run out. Prints how many
 * stagings it took.
 */
import { openDatabase } from "@/db";
import { sqliteStore } from "@/db/store";
import { DEFAULT_STAGING_TUNING, discardAbandonedImports, IMPORT_LEASE_MS } from "@/lib/datasets/import-staging";
import { crashAfter } from "./crash-after";

const [file, phase, nth] = process.argv.slice(2);
const db = openDatabase(file!);
void discardAbandonedImports(
  sqliteStore(db),
  crashAfter(DEFAULT_STAGING_TUNING, phase, nth),
  Date.now() + IMPORT_LEASE_MS + 1,
).then((count) => process.stdout.write(String(count)));
