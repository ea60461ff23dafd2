import { sql, type SQL } from "drizzle-orm";

/**
 * A timestamptz in a hand-written statement, as epoch ms (a float8, which pg returns as a number):
 * drizzle's raw results hand timestamps back as the server's text, which Date does not parse.
 * Its builder's selects map timestamp columns to Dates themselves.
 */
export const epochMs = (expression: string): SQL => sql.raw(`round(extract(epoch from ${expression}) * 1000)::float8`);

/** An epoch-ms column read through epochMs, as the Date the interface returns. */
export const dateOf = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
