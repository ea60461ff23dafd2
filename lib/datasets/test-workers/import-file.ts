/**
 * `node --import tsx lib/datasets/test-workers/import-file.ts FILE SLUG [PHASE N]`: one import in a
 * process of its own, for the tests that kill an importer mid-file, into the database its
 * environment names (lib/env.ts environmentOpening). With PHASE ("stage", "land" or "discard") and
 * N, the process SIGKILLs itself right after its Nth committed write transaction of that phase: a
 * crash between two batches, at a known point.
 */
import { openStoreAt } from "@/db/store/open";
import { importJsonlFile } from "@/lib/datasets/import";
import { DEFAULT_STAGING_TUNING } from "@/lib/datasets/import-staging";
import { databaseLocation } from "@/lib/env";
import { crashAfter } from "./crash-after";

const [input, slug, phase, nth] = process.argv.slice(2);
const { store, close } = openStoreAt(databaseLocation());
void importJsonlFile(store, input!, { slug: slug! }, crashAfter(DEFAULT_STAGING_TUNING, phase, nth))
  .then((result) => process.stdout.write(JSON.stringify(result)))
  .finally(close);
