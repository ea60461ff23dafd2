import crypto from "node:crypto";
import { test, expect, request as playwrightRequest, type APIRequestContext } from "@playwright/test";
import { createApiToken, createTestUser, login, openTestDb, seedDataset } from "./fixtures";

const baseURL = () => test.info().project.use.baseURL!;

/** Signs in through next-auth's credentials endpoint, the way the login form does, as JSON or a form. */
async function signIn(api: APIRequestContext, email: string, password: string, as: "form" | "json" = "form") {
  const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const body = { email, password, csrfToken, json: "true" };
  return api.post("/api/auth/callback/credentials", {
    ...(as === "json" ? { data: body } : { form: body }),
    headers: { "X-Auth-Return-Redirect": "1" },
    maxRedirects: 0,
  });
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
      console.error(`Refused to load: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const admin = createTestUser("admin", "csp");
  // Its own one-prompt dataset: by now other specs may have taken every demo prompt.
  const slug = addOnePromptDataset();
  // Signing in goes through client-side JavaScript: a blocked script would leave the form inert.
  await login(page, admin, `/annotate?dataset=${slug}`);
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
    baseURL: baseURL(),
    extraHTTPHeaders: { Authorization: `Bearer ${token}` },
  });
  const filler = "x".repeat(900);
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
  const api = await playwrightRequest.newContext({ baseURL: baseURL() });
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
  expect((await signIn(api, other.email, other.password, "json")).status()).toBe(200);
  expect(await sessionRole(api)).toBe("annotator");
  await api.dispose();
});

test("signing out, a role change and disabling the account end the session on the next request", async () => {
  const user = createTestUser("researcher", "revoke");
  const api = await playwrightRequest.newContext({ baseURL: baseURL() });
  expect((await signIn(api, user.email, user.password)).status()).toBe(200);
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
    const replay = await playwrightRequest.newContext({ baseURL: baseURL(), storageState: stolen });
    expect(await sessionRole(replay)).toBeUndefined();
    expect((await replay.get("/api/annotations")).status()).toBe(401);
    await replay.dispose();

    // A fresh session ends when the account is disabled.
    expect((await signIn(api, user.email, user.password)).status()).toBe(200);
    expect((await api.get("/api/annotations")).status()).toBe(200);
    db.prepare("update users set disabled = 1 where id = ?").run(user.id);
    expect((await api.get("/api/annotations")).status()).toBe(401);
    expect(await sessionRole(api)).toBeUndefined();
  } finally {
    db.close();
  }
  await api.dispose();
});
