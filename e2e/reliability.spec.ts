import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import fc from "fast-check";
import { request as playwrightRequest, type APIRequestContext } from "@playwright/test";
import {
  test,
  expect,
  acknowledgedUntilKilled,
  annotateOnce,
  createApiToken,
  createTestUser,
  e2eBaseURL,
  e2eDatabasePath,
  openTestDb,
  seedDataset,
  sparePort,
  waitUntilServing,
} from "./fixtures";

/** Row counts of every table a request could change: a refused request leaves them as they were. */
function maxRunId(): number {
  const db = openTestDb();
  try {
    return (db.prepare("select coalesce(max(id), 0) as id from training_runs").get() as { id: number }).id;
  } finally {
    db.close();
  }
}

function runIdsAfter(runId: number): number[] {
  const db = openTestDb();
  try {
    return (db.prepare("select id from training_runs where id > ?").all(runId) as { id: number }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

function fingerprint(): Record<string, number> {
  const db = openTestDb();
  try {
    const tables = (
      db.prepare("select name from sqlite_master where type = 'table' and name not like '%sqlite%'").all() as {
        name: string;
      }[]
    ).map((t) => t.name);
    return Object.fromEntries(
      tables
        // Bookkeeping, not data: sign-ins and tokens, the sign-in throttle's counts (a wrong token is a
        // failure it records), the servers' leases (a background job's heartbeat) and the openness
        // estimates, a cache that a fit started by an earlier test on this server may store meanwhile.
        .filter(
          (t) =>
            ![
              "sessions",
              "api_tokens",
              "login_failures",
              "login_known_addresses",
              "leases",
              "openness_estimates",
              "openness_estimate_summaries",
              "__drizzle_migrations",
            ].includes(t),
        )
        .map((t) => [t, (db.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n]),
    );
  } finally {
    db.close();
  }
}

type Need = "annotator" | "researcher";
/** Route × what it needs × the status an allowed caller gets for this harmless request. */
const ROUTES: {
  method: "GET" | "POST" | "PUT";
  path: string;
  need: Need;
  body?: unknown;
  allowed: number[];
  /** Does real work for an allowed caller (queues runs): only the refusals are checked here. */
  refusalsOnly?: true;
}[] = [
  { method: "GET", path: "/api/annotations", need: "annotator", allowed: [200] },
  { method: "POST", path: "/api/annotations", need: "annotator", body: {}, allowed: [400] },
  { method: "GET", path: "/api/annotations/999999", need: "annotator", allowed: [404] },
  { method: "PUT", path: "/api/annotations/999999", need: "annotator", body: {}, allowed: [400, 404] },
  { method: "GET", path: "/api/annotations/999999/reviews", need: "researcher", allowed: [404] },
  { method: "POST", path: "/api/annotations/999999/reviews", need: "researcher", body: {}, allowed: [400, 404] },
  { method: "POST", path: "/api/queue/next?dataset=no-such-dataset", need: "annotator", allowed: [404] },
  { method: "POST", path: "/api/queue/skip", need: "annotator", body: {}, allowed: [400] },
  { method: "GET", path: "/api/datasets/demo/export?format=consensus", need: "researcher", allowed: [200] },
  { method: "POST", path: "/api/datasets/Not_A_Slug/import", need: "researcher", allowed: [400] },
  { method: "POST", path: "/api/datasets/demo/external-runs", need: "researcher", body: {}, allowed: [400] },
  { method: "POST", path: "/api/runs/999999/checkpoints?step=1", need: "researcher", body: {}, allowed: [404] },
  { method: "POST", path: "/api/runs/reproduce", need: "researcher", allowed: [201], refusalsOnly: true },
  { method: "GET", path: "/api/runs", need: "researcher", allowed: [200] },
  { method: "POST", path: "/api/runs", need: "researcher", body: {}, allowed: [400] },
  { method: "GET", path: "/api/runs/999999", need: "researcher", allowed: [404] },
  { method: "POST", path: "/api/runs/999999/cancel", need: "researcher", allowed: [404] },
  { method: "GET", path: "/api/runs/999999/events", need: "researcher", allowed: [404] },
  { method: "GET", path: "/api/runs/999999/rewards", need: "researcher", allowed: [404] },
  { method: "POST", path: "/api/runs/999999/score", need: "researcher", body: {}, allowed: [400, 404] },
];

type Identity = {
  name: string;
  role: "anonymous" | "annotator" | "researcher" | "admin" | "nobody";
  api: APIRequestContext;
};

function expected(identity: Identity, route: (typeof ROUTES)[number]): number[] {
  if (identity.role === "anonymous" || identity.role === "nobody") return [401];
  if (route.need === "researcher" && identity.role === "annotator") return [403];
  return route.allowed;
}

async function send(api: APIRequestContext, method: string, url: string, body?: unknown) {
  return api.fetch(url, {
    method,
    ...(body === undefined ? {} : { data: body, headers: { "Content-Type": "application/json" } }),
    maxRedirects: 0,
  });
}

test("authorization matrix: every API route × every identity gets exactly its status", async () => {
  const context = (headers: Record<string, string> = {}) =>
    playwrightRequest.newContext({ baseURL: e2eBaseURL(), extraHTTPHeaders: headers });
  const bearer = (token: string) => context({ Authorization: `Bearer ${token}` });
  const annotator = createTestUser("annotator", "matrix");
  const disabled = createTestUser("annotator", "matrix-disabled");
  const disabledToken = createApiToken(disabled);
  const db = openTestDb();
  db.prepare("update users set disabled = 1 where id = ?").run(disabled.id);
  db.close();
  // One identity signs in with a cookie, the way the browser does.
  const cookie = await context();
  const { csrfToken } = (await (await cookie.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await cookie.post("/api/auth/callback/credentials", {
    form: { email: annotator.email, password: annotator.password, csrfToken, json: "true" },
    headers: { "X-Auth-Return-Redirect": "1" },
  });
  const identities: Identity[] = [
    { name: "anonymous", role: "anonymous", api: await context() },
    { name: "annotator (cookie)", role: "annotator", api: cookie },
    { name: "annotator (token)", role: "annotator", api: await bearer(createApiToken(annotator)) },
    {
      name: "researcher (token)",
      role: "researcher",
      api: await bearer(createApiToken(createTestUser("researcher", "matrix"))),
    },
    { name: "admin (token)", role: "admin", api: await bearer(createApiToken(createTestUser("admin", "matrix"))) },
    { name: "disabled user's token", role: "nobody", api: await bearer(disabledToken) },
  ];
  const before = fingerprint();
  const table: string[] = [];
  for (const route of ROUTES) {
    for (const identity of identities) {
      if (route.refusalsOnly && expected(identity, route) === route.allowed) continue;
      const status = (await send(identity.api, route.method, route.path, route.body)).status();
      const want = expected(identity, route);
      if (!want.includes(status))
        table.push(`${route.method} ${route.path} as ${identity.name}: ${status}, want ${want.join("|")}`);
    }
  }
  expect(table).toEqual([]);
  // A wrong or revoked token is no identity at all.
  for (const token of ["ork_wrong", createApiToken(annotator, { revoked: true })]) {
    const api = await bearer(token);
    expect((await api.get("/api/annotations")).status()).toBe(401);
    await api.dispose();
  }
  expect(fingerprint()).toEqual(before);
  for (const identity of identities) await identity.api.dispose();
});

/** A value of any JSON type except a positive whole number (which could be a real id). */
const notAnId = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.integer({ min: -1000, max: 0 }),
  fc.double({ noNaN: true }).filter((x) => !Number.isInteger(x)),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);

test("fuzzed JSON bodies on every JSON endpoint get a 4xx and change nothing", async () => {
  const researcher = createTestUser("researcher", "fuzz");
  const api = await playwrightRequest.newContext({
    baseURL: e2eBaseURL(),
    extraHTTPHeaders: { Authorization: `Bearer ${createApiToken(researcher)}` },
  });
  // Well-formed bodies that name nothing that exists (so even a body the fuzzer leaves valid is a
  // 404 and writes nothing), one per JSON endpoint.
  const valid: Record<string, Record<string, unknown>> = {
    "POST /api/annotations": { promptId: 999999, ranking: [[1], [2]], openness: 0.5, durationMs: 1 },
    "PUT /api/annotations/999999": { ranking: [[1], [2]], openness: 0.5 },
    "POST /api/queue/skip": { promptId: 999999 },
    "POST /api/annotations/999999/reviews": { version: 1, decision: "send_back", comment: "Look again." },
    "POST /api/runs": { datasetId: 999999, utility: "log", heldOutShare: 0.2, seed: 1 },
    "POST /api/runs/999999/score": { texts: ["a"] },
    // A scores file (sent as JSON, one line) naming no prompt of the demo: refused whole.
    "POST /api/datasets/demo/external-runs": { prompt_id: "no-such-prompt", rewards: { a: 1 } },
  };
  const rankingEndpoints = new Set(["POST /api/annotations", "PUT /api/annotations/999999"]);
  const before = fingerprint();
  const bad: string[] = [];
  for (const [endpoint, body] of Object.entries(valid)) {
    const [method, url] = endpoint.split(" ") as [string, string];
    const keys = Object.keys(body);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // A valid body with one field of the wrong type or value.
          fc
            .record({ key: fc.constantFrom(...keys), value: notAnId })
            .map(({ key, value }) => ({ ...body, [key]: value })),
          // Any JSON at all.
          fc.jsonValue({ maxDepth: 3 }),
          // Rankings of 40,000 and 150,000 ids (once a 500 from SQLite and from the query builder).
          ...(rankingEndpoints.has(endpoint)
            ? [
                fc.constant({ ...body, ranking: Array.from({ length: 40_000 }, (_, i) => [i + 1]) }),
                fc.constant({ ...body, ranking: [Array.from({ length: 150_000 }, (_, i) => i + 1)] }),
              ]
            : []),
        ),
        async (fuzzed) => {
          const status = (await send(api, method, url, fuzzed)).status();
          if (status < 400 || status >= 500)
            bad.push(`${endpoint} ${JSON.stringify(fuzzed).slice(0, 200)} → ${status}`);
        },
      ),
      { numRuns: 25, seed: 20261201 },
    );
  }
  expect(bad).toEqual([]);
  expect(fingerprint()).toEqual(before);
  await api.dispose();
});

test("fuzzed query strings on every endpoint that reads one get no 5xx and change nothing", async () => {
  const researcher = createTestUser("researcher", "queryfuzz");
  const api = await playwrightRequest.newContext({
    baseURL: e2eBaseURL(),
    extraHTTPHeaders: { Authorization: `Bearer ${createApiToken(researcher)}` },
  });
  // Each with the keys it reads; no value names the demo, so nothing is claimed or created.
  const endpoints: { method: string; path: string; keys: string[]; body?: string; runs?: number }[] = [
    { method: "POST", path: "/api/queue/next", keys: ["dataset"] },
    { method: "GET", path: "/api/datasets/demo/export", keys: ["format", "include"] },
    { method: "GET", path: "/api/runs/999999/events", keys: ["after"] },
    { method: "POST", path: "/api/datasets/demo/external-runs", keys: ["name", "utility", "eps"], body: "{}" },
    {
      method: "POST",
      path: "/api/datasets/queryfuzz/import",
      keys: ["name", "guidelines", "responses_per_prompt", "annotations_per_prompt"],
      body: "{not json}",
      // Each import starts a child process: fewer runs keep the test short.
      runs: 8,
    },
  ];
  const value = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.integer().map(String),
    fc.double().map(String),
    fc.constantFrom("", "demo-not", "NaN", "Infinity", "-1", "1e309", "0x10", "%00", "[]", "{}", "a".repeat(5000)),
  );
  const before = fingerprint();
  const bad: string[] = [];
  for (const endpoint of endpoints) {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.oneof(fc.constantFrom(...endpoint.keys), fc.string({ maxLength: 8 })), value, {
          maxKeys: 4,
        }),
        async (params) => {
          // No dataset named (or the demo) would claim a demo prompt.
          if (endpoint.keys.includes("dataset") && (params.dataset === undefined || params.dataset === "demo")) return;
          const url = `${endpoint.path}?${new URLSearchParams(params)}`;
          const response = await api.fetch(url, {
            method: endpoint.method,
            ...(endpoint.body === undefined
              ? {}
              : { data: endpoint.body, headers: { "Content-Type": "application/x-ndjson" } }),
            maxRedirects: 0,
          });
          if (response.status() >= 500) bad.push(`${endpoint.method} ${url.slice(0, 200)} → ${response.status()}`);
          await response.dispose();
        },
      ),
      { numRuns: endpoint.runs ?? 25, seed: 20261202 },
    );
  }
  expect(bad).toEqual([]);
  expect(fingerprint()).toEqual(before);
  await api.dispose();
});

test("server actions called with malformed arguments answer without a 5xx", async () => {
  const admin = createTestUser("admin", "actions");
  const api = await playwrightRequest.newContext({ baseURL: e2eBaseURL() });
  const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
  await api.post("/api/auth/callback/credentials", {
    form: { email: admin.email, password: admin.password, csrfToken, json: "true" },
    headers: { "X-Auth-Return-Redirect": "1" },
  });
  const manifestFile = path.join(process.env.NEXT_DIST_DIR || ".next", "server", "server-reference-manifest.json");
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as {
    node: Record<string, { workers: Record<string, unknown> }>;
  };
  const actions = Object.entries(manifest.node).map(([id, entry]) => {
    const worker = Object.keys(entry.workers)[0]!;
    const page =
      worker
        .replace(/^app/, "")
        .replace(/\/page$/, "")
        .replace("[slug]", "demo")
        .replace(/\[[^\]]+\]/g, "1") || "/";
    return { id, page };
  });
  expect(actions.length).toBeGreaterThan(3);
  const runsBefore = maxRunId();
  const bad: string[] = [];
  for (const { id, page } of actions) {
    for (const args of [[], [null, 5], [{}, "x"], [1, 2, 3], [{ __proto__: null }, [1]]]) {
      const response = await api.post(page, {
        headers: {
          "Next-Action": id,
          "Content-Type": "text/plain;charset=UTF-8",
          Origin: new URL(e2eBaseURL()).origin,
        },
        data: JSON.stringify(args),
        maxRedirects: 0,
      });
      if (response.status() >= 500) bad.push(`${page} ${id} ${JSON.stringify(args)} → ${response.status()}`);
    }
  }
  // Past Next's 1 MB server-action limit the body is refused with a 413 (it was a 500), and a body
  // whose size is not announced (browsers always announce it) with a 411, whoever sends it.
  const origin = new URL(e2eBaseURL()).origin;
  for (const { id, page } of actions) {
    const oversized = await api.post(page, {
      headers: { "Next-Action": id, "Content-Type": "text/plain;charset=UTF-8", Origin: origin },
      data: JSON.stringify(["x".repeat(1_500_000)]),
      maxRedirects: 0,
    });
    if (oversized.status() !== 413) bad.push(`${page} ${id} 1.5 MB → ${oversized.status()}`);
  }
  const chunked = await fetch(new URL(actions[0]!.page, e2eBaseURL()), {
    method: "POST",
    headers: { "Next-Action": actions[0]!.id, "Content-Type": "text/plain;charset=UTF-8", Origin: origin },
    body: new Blob([JSON.stringify(["x".repeat(1_500_000)])]).stream(),
    duplex: "half",
  } as RequestInit);
  if (chunked.status !== 411) bad.push(`${actions[0]!.page} chunked 1.5 MB → ${chunked.status}`);
  expect(bad).toEqual([]);
  // No database check here: an action without arguments (reproducing the paper) does its work
  // whatever junk it is sent, which is right; the ones with a form refuse junk (no 5xx above).
  // The runs it queued would hold the one trainer for the specs after this one: cancel them.
  for (const runId of runIdsAfter(runsBefore)) {
    const cancel = await api.post(`/api/runs/${runId}/cancel`, { headers: { Origin: new URL(e2eBaseURL()).origin } });
    expect(cancel.status(), `cancel run ${runId}`).toBeLessThan(500);
  }
  await api.dispose();
});

test("SIGKILL under submit load: every acknowledged annotation is stored, none twice", async () => {
  const port = sparePort(2);
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(path.join("node_modules", ".bin", "next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
    env: { ...process.env, DATABASE_PATH: e2eDatabasePath(), NEXTAUTH_URL: base, NODE_ENV: "production" },
    stdio: "ignore",
  });
  try {
    await waitUntilServing(`${base}/login`, server);
    // A dataset of its own, with room for far more than the kill needs: the demo's open slots
    // depend on what the specs before this one in the worker annotated.
    const { slug } = seedDataset({ prompts: 30, responses: 4, k: 2, label: "kill" });
    const annotators = Array.from({ length: 8 }, (_, i) => {
      const user = createTestUser("annotator", `kill${i}`);
      return { id: user.id, token: createApiToken(user) };
    });
    const acknowledged = await acknowledgedUntilKilled(
      annotators,
      (user) => annotateOnce(user.token, slug, base),
      () => server.kill("SIGKILL"),
    );
    const db = openTestDb();
    try {
      const row = db.prepare(
        "select count(*) as n, min(ranking) as ranking from annotations where prompt_id = ? and annotator_id = ?",
      );
      for (const a of acknowledged) {
        const stored = row.get(a.promptId, a.annotatorId) as { n: number; ranking: string };
        expect(stored.n).toBe(1);
        expect(JSON.parse(stored.ranking)).toEqual(a.ranking);
      }
    } finally {
      db.close();
    }
  } finally {
    if (server.exitCode === null) server.kill("SIGKILL");
  }
});
