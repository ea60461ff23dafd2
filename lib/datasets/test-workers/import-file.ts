/**
 * `node --import tsx lib/datasets/test-workers/import-file.ts DB FILE SLUG`: one import in a
 * process of its own, for the tests that kill an importer mid-file.
 */
import { openDatabase } from "@/db";
import { importJsonlFile } from "@/lib/datasets/import";

const [file, input, slug] = process.argv.slice(2);
const db = openDatabase(file!);
void importJsonlFile(db, input!, { slug: slug! }).then((result) => process.stdout.write(JSON.stringify(result)));
