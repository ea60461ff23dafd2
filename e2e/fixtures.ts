import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import Database from "better-sqlite3";
import { test as base, expect, type APIRequestContext, type APIResponse, type Page } from "@playwright/test";
import { hashPassword } from "../lib/auth/password";
import { mintApiToken } from "../lib/auth/api-tokens";
import type { Role } from "../lib/domain";

export { expect };

/**
 * Each Playwright worker has its own real server (`npm start`'s scripts/start.ts over the one shared
 * build) on its own SQLite file seeded with the demo, so workers run side by side and no spec waits
 * behind another's training runs. Ports: the worker's server at E2E_PORT + its parallel index, and
 * the extra servers some specs start at E2E_PORT + SPARE_PORT_STRIDE × slot + that index, so no two
 * workers ever ask for the same port.
 */
const BASE_PORT = Number(process.env.E2E_PORT ?? 3123);
const SPARE_PORT_STRIDE = 20;
const SERVER_START_TIMEOUT_MS = 180_000;

type WorkerServer = { url: string; port: number; dataDir: string; parallelIndex: number };
let current: WorkerServer | undefined;

function workerServer(): WorkerServer {
  if (!current) throw new Error("No server for this worker: import `test` from ./fixtures, not @playwright/test.");
  return current;
}

/** This worker's server, e.g. for `request.newContext({ baseURL: e2eBaseURL() })`. */
export function e2eBaseURL(): string {
  return workerServer().url;
}

/** A port for an extra server a spec starts itself (slot 1 or 2), apart from every worker's. */
export function sparePort(slot: 1 | 2): number {
  return BASE_PORT + SPARE_PORT_STRIDE * slot + workerServer().parallelIndex;
}

/** Resolves once `url` answers below 500; throws if `child` (the server) exits or it never does. */
export async function waitUntilServing(url: string, child: ChildProcess, log?: string): Promise<void> {
  const see = log ? `; see ${log}` : "";
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server for ${url} exited with ${child.exitCode}${see}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up${see}`);
}

export const test = base.extend<object, { octorankServer: WorkerServer }>({
  octorankServer: [
    // Playwright reads a fixture's dependencies from its first parameter's pattern: this one has none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, provide, workerInfo) => {
      const root = process.env.E2E_DATA_DIR;
      if (!root) throw new Error("E2E_DATA_DIR is not set: run the suite with `npm run test:e2e`.");
      // By worker index, not parallel index: a worker restarted after a failure starts on a fresh database.
      const dataDir = path.join(root, `worker-${workerInfo.workerIndex}`);
      fs.mkdirSync(dataDir, { recursive: true });
      const port = BASE_PORT + workerInfo.parallelIndex;
      const url = `http://127.0.0.1:${port}`;
      const log = path.join(dataDir, "server.log");
      const out = fs.openSync(log, "a");
      // Its own process group, so stopping it stops the training workers it started too.
      const server = spawn(path.join("node_modules", ".bin", "tsx"), ["scripts/start.ts"], {
        detached: true,
        stdio: ["ignore", out, out],
        env: {
          ...process.env,
          DATABASE_PATH: path.join(dataDir, "octorank.db"),
          PORT: String(port),
          OCTORANK_SKIP_BUILD: "1",
          NEXTAUTH_URL: url,
          NEXT_TELEMETRY_DISABLED: "1",
        },
      });
      fs.closeSync(out);
      try {
        await waitUntilServing(`${url}/login`, server, log);
        current = { url, port, dataDir, parallelIndex: workerInfo.parallelIndex };
        await provide(current);
      } finally {
        current = undefined;
        if (server.exitCode === null) {
          const exited = new Promise((resolve) => server.once("exit", resolve));
          process.kill(-server.pid!, "SIGKILL");
          await exited;
        }
      }
    },
    { scope: "worker", auto: true, timeout: SERVER_START_TIMEOUT_MS + 10_000 },
  ],
  baseURL: async ({ octorankServer }, provide) => provide(octorankServer.url),
});

/** The SQLite file this worker's server uses. */
export function e2eDatabasePath(): string {
  return path.join(workerServer().dataDir, "octorank.db");
}

/** This worker's data folder (its database, the server's log, screenshots to look at by hand). */
export function e2eDataDir(): string {
  return workerServer().dataDir;
}

export function openTestDb(): Database.Database {
  const db = new Database(e2eDatabasePath());
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  return db;
}

export type TestUser = { id: number; email: string; password: string; role: Role; name: string };

const TEST_PASSWORD = "e2e-password-123";
/** Every test account has the one password, hashed once per worker: scrypt is slow by design. */
let testPasswordHash: string | undefined;

/** A fresh account per test, so specs don't depend on each other's work. */
export function createTestUser(role: Role, label: string = role): TestUser {
  const email = `${label}-${crypto.randomBytes(4).toString("hex")}@e2e.test`;
  const password = TEST_PASSWORD;
  testPasswordHash ??= hashPassword(password);
  const name = `E2E ${label}`;
  const db = openTestDb();
  try {
    const row = db
      .prepare("insert into users (email, name, password_hash, role) values (?, ?, ?, ?) returning id")
      .get(email, name, testPasswordHash, role) as { id: number };
    return { id: row.id, email, password, role, name };
  } finally {
    db.close();
  }
}

/** An API token of `user`, stored as the admin page stores one (a revoked one is no identity). */
export function createApiToken(user: Pick<TestUser, "id">, { revoked = false } = {}): string {
  const { token, hash, prefix } = mintApiToken();
  const db = openTestDb();
  try {
    db.prepare("insert into api_tokens (user_id, name, token_hash, prefix, revoked_at) values (?, ?, ?, ?, ?)").run(
      user.id,
      "e2e",
      hash,
      prefix,
      revoked ? Date.now() : null,
    );
  } finally {
    db.close();
  }
  return token;
}

/** Signs in through next-auth's credentials endpoint, the way the login form does, as JSON or a form. */
export async function signIn(
  api: APIRequestContext,
  user: Pick<TestUser, "email" | "password">,
  as: "form" | "json" = "form",
): Promise<APIResponse> {
  const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const body = { email: user.email, password: user.password, csrfToken, json: "true" };
  return api.post("/api/auth/callback/credentials", {
    ...(as === "json" ? { data: body } : { form: body }),
    headers: { "X-Auth-Return-Redirect": "1" },
    maxRedirects: 0,
  });
}

/**
 * Signs `user` in for the page's browser context (its cookies), then opens `path` if one is given.
 * The sign-in form itself is under test in auth.spec.ts and the CSP specs (`loginThroughForm`);
 * elsewhere signing in is only setup, so it skips the form's page.
 */
export async function login(page: Page, user: Pick<TestUser, "email" | "password">, path?: string): Promise<void> {
  expect((await signIn(page.context().request, user)).status(), `signing in ${user.email}`).toBe(200);
  if (path === undefined) return;
  await page.goto(path);
  await expect(page.getByTestId("whoami")).toBeVisible();
}

/** Signs in with the login form, which then opens `callbackPath`. */
export async function loginThroughForm(
  page: Page,
  user: Pick<TestUser, "email" | "password">,
  callbackPath = "/",
): Promise<void> {
  await page.goto(`/login?callbackUrl=${encodeURIComponent(callbackPath)}`);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("whoami")).toBeVisible();
}

export type SeededDataset = { datasetId: number; slug: string; prompts: { id: number; responses: number[] }[] };

/** A dataset written straight into the server's database (triggers fill prompt_stats as for any writer). */
export function seedDataset({
  prompts,
  responses,
  k = 3,
  mode = "ranking",
  label = "seed",
  guidelines = "",
  text = (i) => `Prompt ${i}`,
  responseText = (r, i) => `Answer ${r} to prompt ${i}`,
}: {
  prompts: number;
  responses: number;
  k?: number;
  mode?: "ranking" | "pairwise";
  /** The slug's prefix and the name's, for telling test datasets apart on a page. */
  label?: string;
  guidelines?: string;
  text?: (prompt: number) => string;
  responseText?: (response: number, prompt: number) => string;
}): SeededDataset {
  const db = openTestDb();
  try {
    const slug = `${label}-${crypto.randomBytes(3).toString("hex")}`;
    const datasetId = (
      db
        .prepare(
          "insert into datasets (slug, name, guidelines, responses_per_prompt, annotations_per_prompt, ranking_mode) values (?, ?, ?, ?, ?, ?) returning id",
        )
        .get(slug, `Dataset ${slug}`, guidelines, responses, k, mode) as { id: number }
    ).id;
    const insertPrompt = db.prepare(
      "insert into prompts (dataset_id, external_id, text) values (?, ?, ?) returning id",
    );
    const insertResponse = db.prepare(
      "insert into responses (prompt_id, position, external_id, text) values (?, ?, ?, ?) returning id",
    );
    const seeded = db.transaction(() =>
      Array.from({ length: prompts }, (_, i) => {
        const id = (insertPrompt.get(datasetId, `q${i}`, text(i)) as { id: number }).id;
        const ids = Array.from(
          { length: responses },
          (_, r) => (insertResponse.get(id, r, `r${r}`, responseText(r, i)) as { id: number }).id,
        );
        return { id, responses: ids };
      }),
    )();
    return { datasetId, slug, prompts: seeded };
  } finally {
    db.close();
  }
}

/** An annotation written straight into the database, as an import would; returns its id. */
export function insertAnnotation(
  promptId: number,
  annotatorId: number,
  ranking: number[][],
  comment: string | null = null,
): number {
  const db = openTestDb();
  try {
    return (
      db
        .prepare(
          "insert into annotations (prompt_id, annotator_id, ranking, openness, comment) values (?, ?, ?, 0.5, ?) returning id",
        )
        .get(promptId, annotatorId, JSON.stringify(ranking), comment) as { id: number }
    ).id;
  } finally {
    db.close();
  }
}

/** Rows of one SQL query against the server's database. */
export function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = openTestDb();
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

type Next = { status: string; prompt?: { id: number }; responses?: { id: number }[] };

/**
 * One claim (on `claimOn`, a server's base URL) and one submission (on `submitOn`) by a bearer
 * token: the prompt, the ranking sent and the submission's status, or null when the queue has
 * nothing more for this annotator.
 */
export async function annotateOnce(
  token: string,
  slug: string,
  claimOn: string,
  submitOn: string = claimOn,
): Promise<{ promptId: number; ranking: number[][]; status: number } | null> {
  const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
  const next = (await (
    await fetch(`${claimOn}/api/queue/next?dataset=${slug}`, { method: "POST", headers })
  ).json()) as Next;
  if (next.status !== "prompt") return null;
  const ranking = next.responses!.map((r) => [r.id]).reverse();
  const saved = await fetch(`${submitOn}/api/annotations`, {
    method: "POST",
    headers,
    // A reading time, so the too-fast check does not pause anyone.
    body: JSON.stringify({ promptId: next.prompt!.id, ranking, openness: 0.5, durationMs: 60_000 }),
  });
  return { promptId: next.prompt!.id, ranking, status: saved.status };
}

export type Acknowledged = { annotatorId: number; promptId: number; ranking: number[][] };

/**
 * Every annotator submits in a loop (`submit`: one annotateOnce) until at least `minimum`
 * annotations are acknowledged; then `kill` stops the server under that load. Resolves, once every
 * loop has stopped, with the annotations the server acknowledged (201 or 200).
 */
export async function acknowledgedUntilKilled<U extends { id: number }>(
  annotators: U[],
  submit: (annotator: U) => ReturnType<typeof annotateOnce>,
  kill: () => unknown,
  minimum = 20,
): Promise<Acknowledged[]> {
  const acknowledged: Acknowledged[] = [];
  let killed = false;
  const loop = async (annotator: U) => {
    while (!killed) {
      try {
        const done = await submit(annotator);
        if (!done) return;
        if (done.status === 201 || done.status === 200)
          acknowledged.push({ annotatorId: annotator.id, promptId: done.promptId, ranking: done.ranking });
      } catch {
        return; // The server is gone.
      }
    }
  };
  let loopsEnded = false;
  const loops = Promise.all(annotators.map(loop)).then(() => (loopsEnded = true));
  // The kill must land under load: with fewer acknowledged than this the test proves nothing.
  while (acknowledged.length < minimum) {
    if (loopsEnded) throw new Error(`the annotators stopped after ${acknowledged.length} acknowledged annotations`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await kill();
  killed = true;
  await loops;
  return acknowledged;
}
