/**
 * The PostgreSQL connection: a pool on DATABASE_URL (lib/env.ts), the database checked for what
 * Octorank needs, and its migrations (db/pg/migrations) applied, as db/index.ts does for SQLite.
 */
import path from "node:path";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import * as schema from "./schema";

export { schema };

export type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool };

export const PG_MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "pg", "migrations");

/** Identity columns, EXECUTE FUNCTION triggers and pg_trgm as a trusted extension are all there from 13 on. */
export const MIN_SERVER_VERSION = 130000;

/**
 * Held while one server applies the migrations, so that several servers starting together on one
 * database apply them once (the others wait, then find nothing to apply). Any constant of our own.
 */
const MIGRATION_LOCK = 0x6f63746f; // "octo"

/** What makes the database unfit for Octorank, in words an operator can act on; empty when fine. */
export async function databaseProblems(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ version: string; encoding: string; ctype: string }>(
    `select current_setting('server_version_num') as version, pg_encoding_to_char(encoding) as encoding,
       datctype as ctype from pg_database where datname = current_database()`,
  );
  const { version, encoding, ctype } = rows[0]!;
  const problems: string[] = [];
  if (Number(version) < MIN_SERVER_VERSION)
    problems.push(`PostgreSQL ${MIN_SERVER_VERSION / 10000} or later is needed`);
  if (encoding !== "UTF8") problems.push(`the database's encoding is ${encoding}, and prompts need UTF8`);
  // Prompt search folds case by the ctype: under C or POSIX only ASCII letters would match either case.
  if (ctype === "C" || ctype === "POSIX")
    problems.push(`the database's ctype is ${ctype}, under which search would fold only ASCII letters' case`);
  return problems;
}

/**
 * A pool on a postgres:// URL as a drizzle handle, nothing checked nor migrated: for a database
 * that openPostgres has made ready (a copy of a migrated template, a second pool on an open one).
 */
export function connectPostgres(url: string, { maxConnections = 10 } = {}): PgDb {
  // allowExitOnIdle: idle connections alone do not keep the process alive, so a CLI command or a
  // worker ends when its work does rather than when the pool's idle timeout closes them.
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, allowExitOnIdle: true });
  // An idle connection the server drops (a restart, a failover) is replaced at the next query; without
  // a listener its error would end the process.
  pool.on("error", (error) => console.error(`PostgreSQL connection lost: ${error.message}`));
  return drizzle(pool, { schema });
}

/**
 * Opens a pool on a postgres:// URL and applies pending migrations; throws, and leaves nothing
 * open, when the server cannot be reached or the database is unfit (databaseProblems).
 */
export async function openPostgres(url: string, { maxConnections = 10 } = {}): Promise<PgDb> {
  const db = connectPostgres(url, { maxConnections });
  const pool = db.$client;
  try {
    const problems = await databaseProblems(pool);
    if (problems.length) {
      throw new Error(
        `The PostgreSQL database cannot hold Octorank: ${problems.join("; ")}. Create it with ` +
          "`createdb --encoding=UTF8 --locale=C.UTF-8 --template=template0 <name>` (any UTF-8 locale will do).",
      );
    }
    // The migrations run on the session that holds the lock: a pool of one connection has no other.
    const session = await pool.connect();
    try {
      await session.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
      await migrate(drizzle(session, { schema }), { migrationsFolder: PG_MIGRATIONS_FOLDER });
    } finally {
      await session.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).finally(() => session.release());
    }
    return db;
  } catch (error) {
    await pool.end();
    throw error;
  }
}
