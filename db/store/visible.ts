import { eq, sql, type SQL } from "drizzle-orm";
import { schema } from "../index";

/*
 * The visible-dataset rule, in one place: a dataset an import is still writing (import_staging)
 * is nobody's to see, rank, export or train on until the import publishes it.
 */

/** The rule as a drizzle condition on the datasets table. */
export const visibleDatasetCondition: SQL = eq(schema.datasets.importStaging, false);

/** The rule for raw SQL on datasets under the alias `alias` (a fixed text, so statements stay cached). */
export function visibleDataset(alias: string): SQL {
  return sql.raw(`${alias}.import_staging = 0`);
}

/** The same, as text for a hand-written statement. */
export const visibleDatasetText = (alias: string) => `${alias}.import_staging = 0`;
