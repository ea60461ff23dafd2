/**
 * What a PostgreSQL area store runs its statements on: the pool's drizzle database, or one
 * transaction's (drizzle gives both the same query API). A store built over a transaction runs
 * every statement inside it; the one built over the pool takes any free connection per statement.
 */
import type { NodePgQueryResultHKT } from "drizzle-orm/node-postgres";
import type { PgDatabase } from "drizzle-orm/pg-core";
import type * as schema from "../schema";

export type PgExecutor = PgDatabase<NodePgQueryResultHKT, typeof schema>;
