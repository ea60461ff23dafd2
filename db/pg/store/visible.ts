import { eq } from "drizzle-orm";
import { schema } from "../index";

/*
 * The visible-dataset rule (db/store/visible.ts) on PostgreSQL, where import_staging is a boolean:
 * a dataset an import is still writing is nobody's to see, rank, export or train on until the
 * import publishes it.
 */

/** The rule as a drizzle condition on the datasets table. */
export const visibleDatasetCondition = eq(schema.datasets.importStaging, false);

/** The rule for a hand-written statement on datasets under the alias `alias`. */
export const visibleDatasetText = (alias: string) => `not ${alias}.import_staging`;
