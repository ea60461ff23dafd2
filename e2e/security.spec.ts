import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import Database from "better-sqlite3";
import { request as playwrightRequest, type APIRequestContext } from "@playwright/test";
import {
  test,
  expect,
  createApiToken,
  createTestUser,
  e2eBaseURL,
  e2eDatabasePath,
  insertAnnotation,
  login,
  loginThroughForm,
  openTestDb,
  query,
  seedDataset,
  signIn,
  sparePort,
  waitUntilServing,
} from "./fixtures";

function maxRunId(): number {
  return query<{ id: number }>("select coalesce(max(id), 0) as id from training_runs")[0]!.id;
}

function runIdsAfter(runId: number): number[] {
  return query<{ id: number }>("select id from training_runs where id > ? order by id", runId).map((r) => r.id);
}

async function sessionRole(api: APIRequestContext): Promise<string | undefined> {
  const session = (await (await api.get("/api/auth/session")).json()) as { user?: { role?: string } };
  return session.user?.role;
}

function addOnePromptDataset(): string {
  const colours = ["Red", "Blue", "Green", "Teal"];
  return seedDataset({
    prompts: 1,
    responses: colours.length,
    k: 1,
    label: "csp",
    text: () => "Name a colour.",
    responseText: (r) => colours[r]!,
  }).slug;
}

test("every response carries the security headers; API JSON is never stored", async ({ request }) => {
  const page = await request.get("/login");
  const csp = page.headers()["content-security-policy"] ?? "";
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(csp).not.toContain("unsafe-eval");
  for (const response of [page, await request.get("/api/annotations"), await request.post("/api/datasets/x/import")]) {
    const headers = response.headers();
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["x-frame-options"]).toBe("DENY");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  }
  const api = await request.get("/api/annotations");
  expect(api.status()).toBe(401);
  expect(api.headers()["cache-control"]).toBe("no-store, no-transform");
  // Each page gets its own nonce.
  const again = (await request.get("/login")).headers()["content-security-policy"];
  expect(again).not.toBe(csp);
});

test("pages run under the CSP: sign-in, the ranking board, the dataset charts and admin, no violations", async ({
  page,
}) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(
        `Refused to load: ${event.violatedDirective} ${event.blockedURI} (${event.sourceFile}:${event.lineNumber}:${event.columnNumber})`,
      );
    });
  });
  const admin = createTestUser("admin", "csp");
  // Its own one-prompt dataset: by now other specs may have taken every demo prompt.
  const slug = addOnePromptDataset();
  // Signing in goes through client-side JavaScript: a blocked script would leave the form inert.
  await loginThroughForm(page, admin, `/annotate?dataset=${slug}`);
  await expect(page.getByTestId("whoami")).toBeVisible();
  // The ranking board hydrates (React ran) under the policy.
  await expect(page.locator("[data-testid=ranking-board][data-hydrated=true]")).toBeVisible();
  for (const path of ["/datasets/demo", "/admin", "/runs"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  await page.goto("/datasets/demo");
  await expect(page.locator("svg.recharts-surface").first()).toBeVisible();
  expect(violations).toEqual([]);
});

test("the admin page cannot be framed by another site", async ({ request }) => {
  const response = await request.get("/admin", { maxRedirects: 0 });
  expect(response.headers()["x-frame-options"]).toBe("DENY");
});

test("a 20 MB import over HTTP is stored whole, and one bad last line refuses all of it", async () => {
  // Two 20 MB imports: minutes, not seconds, on a busy machine.
  test.setTimeout(300_000);
  const researcher = createTestUser("researcher", "bigimport");
  const token = createApiToken(researcher);
  const api = await playwrightRequest.newContext({
    baseURL: e2eBaseURL(),
    extraHTTPHeaders: { Authorization: `Bearer ${token}` },
  });
  // Long lines: the bytes are what crosses the proxy's old 10 MB cut; the rows are only work.
  const filler = "x".repeat(9_000);
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < 20.5 * 1024 * 1024; i++) {
    const line = JSON.stringify({ id: `p${i}`, prompt: `Prompt ${i} ${filler}`, responses: [`a${i}`, `b${i}`] });
    lines.push(line);
    size += line.length + 1;
  }
  const body = lines.join("\n") + "\n";
  const slug = `big-${crypto.randomBytes(3).toString("hex")}`;

  const refused = await api.post(`/api/datasets/${slug}/import`, {
    headers: { "Content-Type": "application/x-ndjson" },
    data: body + "{not json}\n",
    timeout: 300_000,
  });
  expect(refused.status()).toBe(422);
  const refusal = (await refused.json()) as { lines: number; errors: { line: number }[] };
  expect(refusal.lines).toBe(lines.length + 1);
  expect(refusal.errors[0]!.line).toBe(lines.length + 1);

  const stored = await api.post(`/api/datasets/${slug}/import`, {
    headers: { "Content-Type": "application/x-ndjson" },
    data: body,
    timeout: 300_000,
  });
  expect(stored.status()).toBe(200);
  expect(((await stored.json()) as { promptsCreated: number }).promptsCreated).toBe(lines.length);
  const db = openTestDb();
  try {
    const { n } = db
      .prepare("select count(*) as n from prompts p join datasets d on d.id = p.dataset_id where d.slug = ?")
      .get(slug) as { n: number };
    expect(n).toBe(lines.length);
  } finally {
    db.close();
  }
  await api.dispose();
});

test("sign-in throttling holds for JSON bodies and rotating X-Forwarded-For", async () => {
  const user = createTestUser("annotator", "bruteforce");
  const api = await playwrightRequest.newContext({ baseURL: e2eBaseURL() });
  // An attacker fetches a CSRF token like the login form does, then guesses.
  const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const attempt = (password: string, as: "json" | "form", forwardedFor: string) => {
    const body = { email: user.email, password, csrfToken, json: "true" };
    return api.post("/api/auth/callback/credentials", {
      ...(as === "json" ? { data: body } : { form: body }),
      headers: { "X-Forwarded-For": forwardedFor, "X-Auth-Return-Redirect": "1" },
      maxRedirects: 0,
    });
  };
  for (let i = 0; i < 5; i++) {
    const guess = await attempt(`guess-${i}`, "json", `198.51.100.${i}`);
    expect(guess.status()).not.toBe(429);
  }
  for (const as of ["json", "form"] as const) {
    const blocked = await attempt(user.password, as, "203.0.113.99");
    expect(blocked.status()).toBe(429);
  }
  // Another account from the same address is not locked with it.
  const other = createTestUser("annotator", "bystander");
  expect((await signIn(api, other, "json")).status()).toBe(200);
  expect(await sessionRole(api)).toBe("annotator");
  await api.dispose();
});

test("signing out, a role change and disabling the account end the session on the next request", async () => {
  const user = createTestUser("researcher", "revoke");
  const api = await playwrightRequest.newContext({ baseURL: e2eBaseURL() });
  expect((await signIn(api, user)).status()).toBe(200);
  expect(await sessionRole(api)).toBe("researcher");
  const stolen = await api.storageState();

  const db = openTestDb();
  try {
    db.prepare("update users set role = 'annotator' where id = ?").run(user.id);
    expect(await sessionRole(api)).toBe("annotator");
    expect((await api.get("/api/runs")).status()).toBe(403);

    // Sign out, then replay the old cookie from elsewhere.
    const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
    await api.post("/api/auth/signout", { form: { csrfToken, json: "true" }, maxRedirects: 0 });
    const replay = await playwrightRequest.newContext({ baseURL: e2eBaseURL(), storageState: stolen });
    expect(await sessionRole(replay)).toBeUndefined();
    expect((await replay.get("/api/annotations")).status()).toBe(401);
    await replay.dispose();

    // A fresh session ends when the account is disabled.
    expect((await signIn(api, user)).status()).toBe(200);
    expect((await api.get("/api/annotations")).status()).toBe(200);
    db.prepare("update users set disabled = 1 where id = ?").run(user.id);
    expect((await api.get("/api/annotations")).status()).toBe(401);
    expect(await sessionRole(api)).toBeUndefined();
  } finally {
    db.close();
  }
  await api.dispose();
});

/** A dataset of `prompts` two-response prompts, each ranked once with an openness, and a scores file padded to `bytes`. */
function scoredDataset(prompts: number, bytes: number) {
  const annotator = createTestUser("annotator", "scores");
  const seeded = seedDataset({ prompts, responses: 2, k: 1, label: "scores" });
  for (const p of seeded.prompts) insertAnnotation(p.id, annotator.id, [[p.responses[0]!], [p.responses[1]!]]);
  // JSON allows trailing blanks: each line stays one valid line however much padding it carries.
  const padding = " ".repeat(Math.ceil(bytes / prompts));
  const lines = seeded.prompts.map(
    (_, i) => JSON.stringify({ prompt_id: `q${i}`, rewards: { r0: 1, r1: -1 }, split: "test" }) + padding,
  );
  return { ...seeded, lines };
}

function storedRunPrompts(runId: number): number {
  const [row] = query<{ summary: string }>("select summary from training_runs where id = ?", runId);
  const summary = JSON.parse(row!.summary) as { prompts: { train: number; test: number } };
  return summary.prompts.train + summary.prompts.test;
}

/**
 * A chunked POST (no Content-Length) on a connection of its own: the server answers before it has
 * read the body, and a pooled connection (fetch's) would carry the unread rest into the next
 * request of this worker, which then fails with ECONNRESET. The server closes the connection once
 * it has answered; when that close reaches this side while it is still writing, before the answer
 * has been read, the write fails (EPIPE) and the answer is lost with the socket: that connection is
 * "cut", and says nothing of what the server answered.
 */
function chunkedPostOnce(path: string, headers: Record<string, string>, body: string): Promise<number | "cut"> {
  const url = new URL(path, e2eBaseURL());
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent: false, headers },
      (res) => {
        answered = true;
        resolve(res.statusCode!);
        res.resume();
        req.destroy();
      },
    );
    // Once answered, the server may reset the connection while the rest of the body is on its way.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (answered) return;
      if (error.code === "EPIPE" || error.code === "ECONNRESET") resolve("cut");
      else reject(error);
    });
    const chunk = 1024 * 1024;
    const writeFrom = (offset: number) => {
      while (offset < body.length && !answered) {
        const more = req.write(body.slice(offset, offset + chunk));
        offset += chunk;
        if (!more) return req.once("drain", () => writeFrom(offset));
      }
      if (!answered) req.end();
    };
    writeFrom(0);
  });
}

/** chunkedPostOnce until a connection is not cut (at most three), and the status it read. */
async function chunkedPostStatus(path: string, headers: Record<string, string>, body: string): Promise<number | "cut"> {
  let status: number | "cut" = "cut";
  for (let tries = 0; tries < 3 && status === "cut"; tries++) status = await chunkedPostOnce(path, headers, body);
  return status;
}

test("a 12 MB scores file over HTTP is read whole: a bad last line is refused, past 20 MB is a 413", async () => {
  test.setTimeout(180_000);
  const researcher = createTestUser("researcher", "bigscores");
  const token = createApiToken(researcher);
  const api = await playwrightRequest.newContext({
    baseURL: e2eBaseURL(),
    extraHTTPHeaders: { Authorization: `Bearer ${token}`, "Content-Type": "application/x-ndjson" },
  });
  const { slug, lines } = scoredDataset(30, 12 * 1024 * 1024);
  const url = `/api/datasets/${slug}/external-runs`;
  const runsBefore = maxRunId();
  // Once the proxy read only the first 10 MB: the bad last line was never seen and 201 came back.
  const refused = await api.post(url, {
    data: lines.join("\n") + '\n{"prompt_id":"no-such-prompt","rewards":{"r0":1},"split":"test"}\n',
  });
  expect(refused.status()).toBe(400);
  expect(await refused.text()).toContain("no-such-prompt");
  expect(runIdsAfter(runsBefore)).toEqual([]);

  const stored = await api.post(url, { data: lines.join("\n") + "\n" });
  expect(stored.status()).toBe(201);
  const { run } = (await stored.json()) as { run: { id: number } };
  expect(storedRunPrompts(run.id)).toBe(lines.length);

  // Past the limit, also when the size is not announced (a chunked body), the answer is a 413.
  const tooLarge = "x".repeat(21 * 1024 * 1024);
  expect((await api.post(url, { data: tooLarge })).status()).toBe(413);
  expect(
    await chunkedPostStatus(
      url,
      { Authorization: `Bearer ${token}`, "Content-Type": "application/x-ndjson" },
      tooLarge,
    ),
  ).toBe(413);
  expect(runIdsAfter(runsBefore)).toEqual([run.id]);
  await api.dispose();
});

test("the external-run form records a 2 MB scores file (once a 500 past the server actions' 1 MB)", async ({
  page,
}) => {
  const researcher = createTestUser("researcher", "formscores");
  const { datasetId, lines } = scoredDataset(8, 2 * 1024 * 1024);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "octorank-scores-")), "scores.jsonl");
  fs.writeFileSync(file, lines.join("\n") + "\n");
  await login(page, researcher, "/runs/external");
  await page.getByTestId("external-dataset").selectOption(String(datasetId));
  await page.getByTestId("external-scores").setInputFiles(file);
  await page.getByTestId("external-submit").click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  const runId = Number(new URL(page.url()).pathname.split("/").pop());
  expect(storedRunPrompts(runId)).toBe(lines.length);
  await expect(page.getByTestId("collapse-dashboard")).toBeVisible();
});

/** A run another live process is training (its lease is fresh), so its event stream stays open. */
function runningRun(): number {
  const db = openTestDb();
  try {
    const demo = db.prepare("select id from datasets where slug = 'demo'").get() as { id: number };
    const config = {
      utility: "log",
      heldOutShare: 0.2,
      seed: 1,
      missingOpenness: { policy: "exclude" },
      acceptedOnly: false,
      train: {},
      origin: "api",
    };
    return (
      db
        .prepare(
          "insert into training_runs (dataset_id, name, config, status, worker_pid, heartbeat_at, started_at) values (?, 'stream', ?, 'running', ?, ?, ?) returning id",
        )
        .get(demo.id, JSON.stringify(config), process.pid, Date.now(), Date.now()) as { id: number }
    ).id;
  } finally {
    db.close();
  }
}

/** Reads an event stream until it ends; false when it is still open after `ms`. */
async function streamEnds(body: ReadableStream<Uint8Array>, ms: number): Promise<boolean> {
  const reader = body.getReader();
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) {
      await reader.cancel();
      return false;
    }
    const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), left))]);
    if (chunk === null) continue;
    if (chunk.done) return true;
  }
}

test("an open run event stream ends once its session is signed out, its token revoked or its user disabled", async () => {
  test.setTimeout(120_000);
  const runId = runningRun();
  const eventsUrl = new URL(`/api/runs/${runId}/events`, e2eBaseURL());
  const open = async (headers: Record<string, string>) => {
    const response = await fetch(eventsUrl, { headers });
    expect(response.status).toBe(200);
    const body = response.body!;
    const reader = body.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain("retry");
    reader.releaseLock();
    return body;
  };
  try {
    // Signed out: the cookie's session is revoked.
    const researcher = createTestUser("researcher", "stream");
    const api = await playwrightRequest.newContext({ baseURL: e2eBaseURL() });
    expect((await signIn(api, researcher)).status()).toBe(200);
    const cookie = (await api.storageState()).cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    const signedIn = await open({ Cookie: cookie });
    const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
    await api.post("/api/auth/signout", { form: { csrfToken, json: "true" }, maxRedirects: 0 });
    expect(await streamEnds(signedIn, 20_000)).toBe(true);
    await api.dispose();

    // A revoked token, and a disabled user's token.
    const other = createTestUser("researcher", "stream-token");
    const revoked = createApiToken(other);
    const tokenStream = await open({ Authorization: `Bearer ${revoked}` });
    const disabledStream = await open({
      Authorization: `Bearer ${createApiToken(createTestUser("researcher", "stream-off"))}`,
    });
    const db = openTestDb();
    try {
      db.prepare("update api_tokens set revoked_at = ? where user_id = ?").run(Date.now(), other.id);
      db.prepare("update users set disabled = 1 where email like 'stream-off-%'").run();
    } finally {
      db.close();
    }
    expect(await streamEnds(tokenStream, 20_000)).toBe(true);
    expect(await streamEnds(disabledStream, 20_000)).toBe(true);
  } finally {
    const db = openTestDb();
    db.prepare("update training_runs set status = 'canceled', finished_at = ? where id = ?").run(Date.now(), runId);
    db.close();
  }
});

test("the database, its WAL and shared-memory files and the auth secret are readable by their owner only", async ({
  request,
}) => {
  // A write first, so the WAL exists and has content.
  const user = createTestUser("annotator", "modes");
  expect((await signIn(request, user)).status()).toBe(200);
  const dir = path.dirname(e2eDatabasePath());
  const modes = Object.fromEntries(
    ["octorank.db", "octorank.db-wal", "octorank.db-shm", "auth-secret"].map((f) => [
      f,
      (fs.statSync(path.join(dir, f)).mode & 0o777).toString(8),
    ]),
  );
  expect(modes).toEqual({
    "octorank.db": "600",
    "octorank.db-wal": "600",
    "octorank.db-shm": "600",
    "auth-secret": "600",
  });
});

test("every page renders under the CSP with no violation reported", async ({ page }) => {
  test.setTimeout(180_000);
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(
        `Refused to load: ${event.violatedDirective} ${event.blockedURI} (${event.sourceFile}:${event.lineNumber}:${event.columnNumber})`,
      );
    });
  });
  const admin = createTestUser("admin", "csp-all");
  // Something on every page: a scored dataset with an external run, and an annotation of the admin's own.
  const { slug, lines, prompts } = scoredDataset(4, 0);
  const mine = insertAnnotation(prompts[0]!.id, admin.id, [[prompts[0]!.responses[1]!], [prompts[0]!.responses[0]!]]);
  const api = await playwrightRequest.newContext({
    baseURL: e2eBaseURL(),
    extraHTTPHeaders: { Authorization: `Bearer ${createApiToken(admin)}`, "Content-Type": "application/x-ndjson" },
  });
  const created = await api.post(`/api/datasets/${slug}/external-runs`, { data: lines.join("\n") });
  expect(created.status()).toBe(201);
  const runId = ((await created.json()) as { run: { id: number } }).run.id;
  await api.dispose();

  await loginThroughForm(page, admin, `/annotate?dataset=${slug}`);
  const paths = [
    "/",
    "/annotate/mine",
    `/annotate/mine/${mine}`,
    "/datasets",
    `/datasets/${slug}`,
    `/datasets/${slug}/prompts/${prompts[0]!.id}`,
    `/datasets/${slug}/import`,
    "/datasets/new",
    "/runs",
    "/runs/new",
    "/runs/external",
    `/runs/${runId}`,
    `/runs/compare?a=${runId}&b=${runId}`,
    "/admin",
    "/forbidden?need=admin",
    "/no-such-page",
  ];
  for (const path of paths) {
    const response = await page.goto(path);
    expect(response?.headers()["content-security-policy"], path).toContain("frame-ancestors 'none'");
    await page.waitForLoadState("networkidle");
  }
  expect(violations).toEqual([]);
});

/** `npm start` (scripts/start.ts) on its own port and data, started directly so it can be stopped. */
async function startServer(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const server = spawn(path.join("node_modules", ".bin", "tsx"), [path.join("scripts", "start.ts")], {
    env: {
      ...process.env,
      OCTORANK_SKIP_BUILD: "1",
      PORT: String(port),
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      ...env,
    },
    stdio: "ignore",
    detached: true,
  });
  await waitUntilServing(`http://127.0.0.1:${port}/login`, server);
  return server;
}

function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  process.kill(-server.pid!, "SIGKILL");
  return exited;
}

/** This machine's first address other than loopback, or null. */
function outsideAddress(): string | null {
  for (const addresses of Object.values(os.networkInterfaces()))
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  return null;
}

test("npm start listens on loopback only; with HOST set it never seeds, lists or accepts the demo accounts", async () => {
  test.setTimeout(180_000);
  const address = outsideAddress();
  test.skip(address === null, "this machine has no address besides loopback");
  // The suite's own server was started by `npm start` without HOST.
  const port = Number(new URL(e2eBaseURL()).port);
  const reachable = await fetch(`http://${address}:${port}/login`).then(
    () => true,
    () => false,
  );
  expect(reachable).toBe(false);

  // A fresh data folder, HOST set: no demo is seeded and the login page offers none.
  const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-host-"));
  const outsidePort = sparePort(1);
  let server = await startServer(outsidePort, { HOST: "0.0.0.0", DATABASE_PATH: path.join(fresh, "octorank.db") });
  try {
    const login = await (await fetch(`http://${address}:${outsidePort}/login`)).text();
    expect(login).not.toContain("demo-fill");
    expect(login).not.toContain("demo-researcher");
    const db = new Database(path.join(fresh, "octorank.db"), { readonly: true });
    try {
      expect(db.prepare("select count(*) as n from users").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  } finally {
    await stopServer(server);
    fs.rmSync(fresh, { recursive: true, force: true });
  }

  // The suite's database, which holds the demo accounts, served to the outside: their public
  // passwords no longer open them.
  server = await startServer(outsidePort, { HOST: "0.0.0.0", DATABASE_PATH: e2eDatabasePath() });
  try {
    const api = await playwrightRequest.newContext({ baseURL: `http://127.0.0.1:${outsidePort}` });
    const login = await (await api.get("/login")).text();
    expect(login).not.toContain("demo-fill");
    expect((await signIn(api, { email: "researcher@octorank.dev", password: "demo-researcher" })).status()).toBe(401);
    expect(await sessionRole(api)).toBeUndefined();
    await api.dispose();
  } finally {
    await stopServer(server);
  }
});

test("a page left open after its session ended can no longer act, nor read the review API", async ({ page }) => {
  const admin = createTestUser("admin", "stale-page");
  await login(page, admin, "/admin");
  const form = page.getByTestId("create-user");
  const created = `made-after-signout-${crypto.randomBytes(3).toString("hex")}@e2e.test`;
  await form.getByLabel("Email").fill(created);
  await form.getByLabel("Name").fill("Too late");
  await form.getByLabel(/Initial password/).fill("password-123");
  // Signed out elsewhere (another tab, or an admin ended the session): the session row is revoked.
  const db = openTestDb();
  try {
    db.prepare("update sessions set revoked_at = ? where user_id = ?").run(Date.now(), admin.id);
  } finally {
    db.close();
  }
  await form.getByRole("button", { name: "Create user" }).click();
  await expect(form.getByTestId("action-error")).toContainText("This needs the admin role");
  expect(query("select id from users where email = ?", created)).toEqual([]);
  // The same cookie on the review JSON API and the session endpoint.
  expect((await page.request.get("/api/annotations/1/reviews")).status()).toBe(401);
  expect(((await (await page.request.get("/api/auth/session")).json()) as { user?: unknown }).user).toBeUndefined();
  await page.goto("/admin");
  await expect(page).toHaveURL(/\/login/);
});
