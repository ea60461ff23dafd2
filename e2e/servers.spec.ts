/**
 * Two `next start` servers on one PostgreSQL database (issue 24): a throwaway cluster, two servers
 * sharing DATABASE_URL and NEXTAUTH_SECRET, and clients that go to either, as behind a round-robin
 * proxy. Not on the worker's SQLite server: `test` is Playwright's own, so no worker server starts.
 * Skipped, saying why, when no PostgreSQL server is installed.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
// This spec starts servers of its own on PostgreSQL; the worker's SQLite server (./fixtures) would only cost a core.
// eslint-disable-next-line @typescript-eslint/no-restricted-imports
import { expect, test } from "@playwright/test";
import { and, eq, sql } from "drizzle-orm";
import { openPostgres, schema, type PgDb } from "../db/pg";
import { NO_POSTGRES_MESSAGE, postgresBinDir, startTestCluster, type TestCluster } from "../db/pg/test-cluster";
import { mintApiToken } from "../lib/auth/api-tokens";
import type { Role } from "../lib/domain";
import { acknowledgedUntilKilled, annotateOnce, waitUntilServing } from "./fixtures";

test.describe.configure({ mode: "serial" });

/** This worker's spare ports (e2e/fixtures.ts sparePort's scheme): two servers, apart from every worker's. */
const BASE_PORT = Number(process.env.E2E_PORT ?? 3123);
const SPARE_PORT_STRIDE = 20;

type Server = { name: string; base: string; child: ChildProcess; log: string };

let cluster: TestCluster | null = null;
let db: PgDb;
let dir: string;
const servers: Server[] = [];

function startServer(name: string, port: number, url: string, secret: string): Server {
  const base = `http://127.0.0.1:${port}`;
  const log = path.join(dir, `${name}.log`);
  const out = fs.openSync(log, "a");
  const child = spawn(path.join("node_modules", ".bin", "next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
    // Its own process group: killing it kills the training workers it started too.
    detached: true,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      DATABASE_URL: url,
      // Nothing may land in SQLite: a file of its own, which the test checks stays unwritten.
      DATABASE_PATH: path.join(dir, `${name}.db`),
      NEXTAUTH_SECRET: secret,
      NEXTAUTH_URL: base,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
    },
  });
  fs.closeSync(out);
  return { name, base, child, log };
}

function kill(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => server.child.once("exit", () => resolve()));
  process.kill(-server.child.pid!, "SIGKILL");
  return exited;
}

async function addUser(role: Role, label: string): Promise<{ id: number; token: string }> {
  const [user] = await db
    .insert(schema.users)
    .values({
      email: `${label}-${crypto.randomBytes(4).toString("hex")}@e2e.test`,
      name: label,
      role,
      passwordHash: "x",
    })
    .returning({ id: schema.users.id });
  const { token, hash, prefix } = mintApiToken();
  await db.insert(schema.apiTokens).values({ userId: user!.id, name: "e2e", tokenHash: hash, prefix });
  return { id: user!.id, token };
}

async function addDataset(label: string, prompts: number, responses: number, k: number): Promise<string> {
  const slug = `${label}-${crypto.randomBytes(3).toString("hex")}`;
  const [dataset] = await db
    .insert(schema.datasets)
    .values({ slug, name: slug, responsesPerPrompt: responses, annotationsPerPrompt: k })
    .returning({ id: schema.datasets.id });
  for (let p = 0; p < prompts; p++) {
    const [prompt] = await db
      .insert(schema.prompts)
      .values({ datasetId: dataset!.id, externalId: `p${p}`, text: `Prompt ${p}: explain topic ${p}.` })
      .returning({ id: schema.prompts.id });
    await db.insert(schema.responses).values(
      Array.from({ length: responses }, (_, r) => ({
        promptId: prompt!.id,
        position: r,
        externalId: `r${r}`,
        text: `Answer ${r} to prompt ${p}, ${"in some detail ".repeat(r + 1)}`,
      })),
    );
  }
  return slug;
}

// Playwright reads a hook's fixtures from its first parameter's pattern: this one uses none.
// eslint-disable-next-line no-empty-pattern
test.beforeAll(async ({}, testInfo) => {
  test.skip(postgresBinDir() === null, NO_POSTGRES_MESSAGE);
  testInfo.setTimeout(300_000);
  // In the run's data folder (kept when a test fails, removed by scripts/e2e.ts when all pass): the servers' logs.
  dir = fs.mkdtempSync(path.join(process.env.E2E_DATA_DIR ?? os.tmpdir(), "servers-"));
  cluster = await startTestCluster();
  // Migrates the database, as each server's open would (under the same advisory lock).
  db = await openPostgres(cluster.url, { maxConnections: 4 });
  const secret = crypto.randomBytes(32).toString("base64url");
  const ports = [1, 2].map((slot) => BASE_PORT + SPARE_PORT_STRIDE * slot + testInfo.parallelIndex);
  servers.push(startServer("a", ports[0]!, cluster.url, secret), startServer("b", ports[1]!, cluster.url, secret));
  await Promise.all(servers.map((s) => waitUntilServing(`${s.base}/login`, s.child, s.log)));
});

test.afterAll(async () => {
  await Promise.all(servers.map(kill));
  await db?.$client.end();
  cluster?.stop();
});

test("annotators on both servers never exceed k annotations per prompt", async () => {
  const [a, b] = servers as [Server, Server];
  const k = 2;
  const slug = await addDataset("k", 6, 4, k);
  const annotators = await Promise.all(Array.from({ length: 6 }, (_, i) => addUser("annotator", `k${i}`)));
  // Each request goes to either server, as a round-robin proxy sends them.
  let turn = 0;
  const pick = () => (turn++ % 2 ? b : a);
  // Bounded: an annotator handed a prompt it can never submit would otherwise loop until the timeout.
  const loop = async (token: string) => {
    const statuses: number[] = [];
    while (statuses.length < 40) {
      const done = await annotateOnce(token, slug, pick().base, pick().base);
      if (!done) return;
      statuses.push(done.status);
      expect([200, 201, 409]).toContain(done.status);
    }
    throw new Error(`an annotator was still being handed prompts after 40 submissions: ${statuses.join(" ")}`);
  };
  await Promise.all(annotators.map((u) => loop(u.token)));
  const counts = await db
    .select({ promptId: schema.annotations.promptId, n: sql<number>`count(*)::int` })
    .from(schema.annotations)
    .innerJoin(schema.prompts, eq(schema.prompts.id, schema.annotations.promptId))
    .innerJoin(schema.datasets, eq(schema.datasets.id, schema.prompts.datasetId))
    .where(eq(schema.datasets.slug, slug))
    .groupBy(schema.annotations.promptId);
  // Every prompt filled, none past k.
  expect(counts).toHaveLength(6);
  for (const c of counts) expect(c.n).toBe(k);
});

test("an annotation submitted on one server is read on the other at once", async () => {
  const [a, b] = servers as [Server, Server];
  const slug = await addDataset("read", 4, 3, 3);
  const annotator = await addUser("annotator", "reader");
  const headers = { Authorization: `Bearer ${annotator.token}` };
  for (const [writer, reader] of [
    [a, b],
    [b, a],
  ] as const) {
    const saved = (await annotateOnce(annotator.token, slug, writer.base))!;
    expect(saved.status).toBeLessThan(300);
    const mine = (await (await fetch(`${reader.base}/api/annotations?limit=10`, { headers })).json()) as {
      annotations: { promptId: number }[];
    };
    expect(mine.annotations.map((x) => x.promptId)).toContain(saved.promptId);
  }
});

test("a run queued on either server trains exactly once", async () => {
  const [a, b] = servers as [Server, Server];
  // A dataset ranked and tagged by the annotators, enough to train on.
  const slug = await addDataset("train", 8, 4, 1);
  const annotator = await addUser("annotator", "trainer-data");
  while (await annotateOnce(annotator.token, slug, a.base, b.base));
  const researcher = await addUser("researcher", "researcher");
  const headers = { Authorization: `Bearer ${researcher.token}`, "Content-Type": "application/json" };
  const queue = async (on: Server) => {
    const created = await fetch(`${on.base}/api/runs`, {
      method: "POST",
      headers,
      body: JSON.stringify({ dataset: slug, heldOutShare: 0.25, train: { steps: 20 } }),
    });
    expect(created.status).toBe(201);
    return ((await created.json()) as { run: { id: number } }).run.id;
  };
  const runIds = [await queue(a), await queue(b)];
  for (const id of runIds) {
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${a.base}/api/runs/${id}`, { headers })).json()) as { run: { status: string } }).run
            .status,
        { timeout: 180_000, intervals: [1000] },
      )
      .toBe("succeeded");
  }
  // Each run's worker said how it ended once, on one of the servers: no second trainer started it.
  const logs = servers.map((s) => fs.readFileSync(s.log, "utf8")).join("\n");
  for (const id of runIds)
    expect(logs.match(new RegExp(`Octorank: run ${id} \\w+`, "g"))).toEqual([`Octorank: run ${id} succeeded`]);
  const metrics = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(schema.runMetrics)
    .where(and(eq(schema.runMetrics.runId, runIds[0]!), eq(schema.runMetrics.split, "train")));
  expect(metrics[0]!.n).toBeGreaterThan(0);
});

test("a SIGKILLed server loses no acknowledged write, and the other goes on serving", async () => {
  const [a, b] = servers as [Server, Server];
  const slug = await addDataset("kill", 30, 4, 2);
  const annotators = await Promise.all(Array.from({ length: 8 }, (_, i) => addUser("annotator", `kill${i}`)));
  const acknowledged = await acknowledgedUntilKilled(
    annotators,
    (user) => annotateOnce(user.token, slug, b.base),
    () => kill(b),
  );
  for (const ack of acknowledged) {
    const stored = await db
      .select({ ranking: schema.annotations.ranking })
      .from(schema.annotations)
      .where(and(eq(schema.annotations.promptId, ack.promptId), eq(schema.annotations.annotatorId, ack.annotatorId)));
    expect(stored).toHaveLength(1);
    expect(stored[0]!.ranking).toEqual(ack.ranking);
  }
  // The survivor serves the same annotators on.
  const after = await annotateOnce(annotators[0]!.token, slug, a.base);
  expect(after?.status).toBeLessThan(300);
  // Nothing went to SQLite on either server.
  for (const s of servers) expect(fs.existsSync(path.join(dir, `${s.name}.db`))).toBe(false);
});
