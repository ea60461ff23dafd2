/**
 * Raw statements' rows on PostgreSQL. node-postgres hands back what each type parses to: int4 and
 * float8 as numbers, bigint and numeric (count(*), sum(int)) as strings, json parsed, and, through
 * drizzle, timestamptz as text: so cast counts in SQL (`count(*)::int`), select JSON as `::text`
 * where an interface carries JSON text, and read instants through the query builder's columns.
 */
import type { SQL } from "drizzle-orm";
import type { PgExecutor } from "./executor";

/** Every row of a raw statement. */
export async function allRows<T extends Record<string, unknown>>(db: PgExecutor, query: SQL): Promise<T[]> {
  return (await db.execute<T>(query)).rows as T[];
}

/** A raw statement's first row, or undefined. */
export async function firstRow<T extends Record<string, unknown>>(db: PgExecutor, query: SQL): Promise<T | undefined> {
  return (await allRows<T>(db, query))[0];
}
