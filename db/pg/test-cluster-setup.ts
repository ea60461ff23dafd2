/**
 * vitest's globalSetup for the tests that use PostgreSQL (the `postgres` project of
 * vitest.config.mts): ONE throwaway cluster (db/pg/test-cluster.ts) for the whole run, its test
 * database migrated once and frozen as the template that db/pg/test-database.ts copies for each
 * test. Its URL reaches the test files through vitest's provide/inject (none where no server is
 * installed). It runs in vitest's own
 * process, so the cluster's watcher stops it if that process is killed, and two vitest runs at
 * once each have their own cluster on a port of their own.
 */
import type { TestProject } from "vitest/node";
import { connectPostgres, openPostgres } from "./index";
import { databaseUrl, NO_POSTGRES_MESSAGE, postgresBinDir, startTestCluster } from "./test-cluster";

declare module "vitest" {
  export interface ProvidedContext {
    /** postgres://… to the migrated template of this run's test cluster; nobody may connect to it. */
    postgresTemplateUrl: string;
  }
}

/**
 * Migrates the cluster's test database and closes it to connections: CREATE DATABASE … TEMPLATE
 * refuses (55006) while any session is on the template, so no test may open one, and the
 * migrating pool's server processes are waited out before the first copy.
 */
async function freezeTemplate(url: string): Promise<void> {
  const migrated = await openPostgres(url, { maxConnections: 1 });
  await migrated.$client.end();
  const admin = connectPostgres(databaseUrl(url, "postgres"), { maxConnections: 1 });
  try {
    const name = new URL(url).pathname.slice(1);
    await admin.$client.query(`alter database ${name} with allow_connections false`);
    for (;;) {
      const { rows } = await admin.$client.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = $1",
        [name],
      );
      if (rows[0]!.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await admin.$client.end();
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  if (!postgresBinDir()) {
    console.warn(NO_POSTGRES_MESSAGE);
    return;
  }
  const cluster = await startTestCluster();
  try {
    await freezeTemplate(cluster.url);
  } catch (error) {
    cluster.stop();
    throw error;
  }
  project.provide("postgresTemplateUrl", cluster.url);
  return cluster.stop;
}
