/**
 * `node --import tsx lib/datasets/test-workers/import-file.ts DB FILE SLUG [PHASE N]`: one import in
 * a process of its own, for the tests that kill an importer mid-file. With PHASE ("stage", "land"
 * or "discard") and N, the process SIGKILLs itself right after its Nth committed write transaction
 * of that phase: a crash between two batches, at a known point.
 */
import { openDatabase } from "@/db";
import { sqliteStore } from "@/db/store";
import { importJsonlFile } from "@/lib/datasets/import";
import { DEFAULT_STAGING_TUNING } from "@/lib/datasets/import-staging";
import { crashAfter } from "./crash-after";

const [file, input, slug, phase, nth] = process.argv.slice(2);
const db = openDatabase(file!);
void importJsonlFile(sqliteStore(db), input!, { slug: slug! }, crashAfter(DEFAULT_STAGING_TUNING, phase, nth)).then(
  (result) => process.stdout.write(JSON.stringify(result)),
);
