import { eq, type SQL } from "drizzle-orm";
import { schema } from "../index";

/*
 * The visible-dataset rule (db/store/visible.ts) on PostgreSQL, where import_staging is a boolean:
 * SQLite's condition would bind `false` as 0 and its text compares with 0, which PostgreSQL refuses.
 */

/** The rule as a drizzle condition on db/pg/schema's datasets table. */
export const visibleDatasetCondition: SQL = eq(schema.datasets.importStaging, false);

/** The rule for raw SQL on datasets under the alias `alias` (safe under a leading `not`, as SQLite's). */
export const visibleDatasetText = (alias: string) => `${alias}.import_staging = false`;
