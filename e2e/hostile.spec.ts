import http from "node:http";
import { request as playwrightRequest, type APIRequestContext } from "@playwright/test";
import {
  test,
  expect,
  createApiToken,
  createTestUser,
  e2eBaseURL,
  insertAnnotation,
  login,
  openTestDb,
  query,
  seedDataset,
} from "./fixtures";

/** One raw HTTP request: a browser under DNS rebinding sends its own Host, which fetch cannot forge. */
function rawRequest(
  path: string,
  { method = "GET", headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(path, e2eBaseURL());
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, setHost: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, text, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

test("a page rebound to another name is refused: no sign-in, no export, no action, no upload", async () => {
  const port = new URL(e2eBaseURL()).port;
  const admin = createTestUser("admin", "rebound");
  const token = createApiToken(admin);
  const attacker = { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` };
  const asAttacker = (extra: Record<string, string> = {}) => ({
    Host: attacker.host,
    Origin: attacker.origin,
    ...extra,
  });

  const csrf = await rawRequest("/api/auth/csrf", { headers: asAttacker() });
  expect(csrf.status).toBe(403);
  expect(JSON.parse(csrf.text).error).toContain("OCTORANK_ALLOWED_HOSTS");
  const signIn = await rawRequest("/api/auth/callback/credentials", {
    method: "POST",
    headers: asAttacker({ "Content-Type": "application/x-www-form-urlencoded" }),
    body: new URLSearchParams({ email: admin.email, password: admin.password, csrfToken: "x" }).toString(),
  });
  expect(signIn.status).toBe(403);
  expect((await rawRequest("/", { headers: asAttacker() })).status).toBe(403);
  expect((await rawRequest("/admin", { headers: asAttacker() })).status).toBe(403);
  const action = await rawRequest("/admin", {
    method: "POST",
    headers: asAttacker({ "Next-Action": "0".repeat(40), "Content-Type": "text/plain", "Content-Length": "2" }),
    body: "[]",
  });
  expect(action.status).toBe(403);
  // A token does not make a foreign name this server's; the upload routes (which skip the proxy) refuse it too.
  const bearer = { Authorization: `Bearer ${token}` };
  expect((await rawRequest("/api/datasets/demo/export", { headers: asAttacker(bearer) })).status).toBe(403);
  expect((await rawRequest("/api/annotations?limit=1", { headers: asAttacker(bearer) })).status).toBe(403);
  const upload = await rawRequest("/api/datasets/rebound/import", {
    method: "POST",
    headers: asAttacker({ ...bearer, "Content-Type": "application/x-ndjson" }),
    body: '{"prompt":"p","responses":["a","b"]}\n',
  });
  expect(upload.status).toBe(403);

  // The server's own names still answer.
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
    expect((await rawRequest("/api/auth/csrf", { headers: { Host: host } })).status).toBe(200);
  }
  const own = await rawRequest("/api/annotations?limit=1", { headers: { Host: `127.0.0.1:${port}`, ...bearer } });
  expect(own.status).toBe(200);
});

const deepList = Array.from({ length: 2000 }, (_, i) => "  ".repeat(i) + "- x").join("\n");
const HOSTILE_RESPONSES = [
  deepList.slice(0, 99_000),
  "- ".repeat(2450) + "x",
  "> ".repeat(3000) + "x",
  "[".repeat(99_000),
  Array.from({ length: 5000 }, (_, i) => `$x_${i}$`).join(" "),
  ["|" + " a |".repeat(150), "|" + "---|".repeat(150), ...Array.from({ length: 150 }, () => "|" + " 1 |".repeat(150))]
    .join("\n")
    .slice(0, 99_000),
  "$" + "\\frac{".repeat(3000) + "1" + "}{2}".repeat(3000) + "$",
  "Fine text, and a rule: $\\rule{3000px}{3000px}$",
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(api: APIRequestContext, path: string): Promise<number> {
  const start = performance.now();
  const response = await api.get(path);
  expect(response.status()).toBe(200);
  return performance.now() - start;
}

test("a response built to stall the parser renders as plain text, and others' requests are not held", async ({
  page,
}) => {
  const researcher = createTestUser("researcher", "hostile-md");
  const other = createTestUser("annotator", "bystander-md");
  const otherApi = await playwrightRequest.newContext({
    baseURL: e2eBaseURL(),
    extraHTTPHeaders: { Authorization: `Bearer ${createApiToken(other)}` },
  });
  const warm = seedDataset({ prompts: 1, responses: 2, label: "warm-md" });
  const hostile = seedDataset({
    prompts: 1,
    responses: HOSTILE_RESPONSES.length,
    label: "hostile-md",
    responseText: (r) => HOSTILE_RESPONSES[r]!,
  });
  const promptId = hostile.prompts[0]!.id;
  // An annotator's comment of `- ` repeated made the researchers' prompt page a 500.
  insertAnnotation(promptId, other.id, [hostile.prompts[0]!.responses], "- ".repeat(2450));

  await login(page, researcher);
  await page.goto(`/datasets/${warm.slug}/prompts/${warm.prompts[0]!.id}`);
  const simple = "/api/annotations?limit=1";
  const idle: number[] = [];
  for (let i = 0; i < 15; i++) idle.push(await timed(otherApi, simple));

  /** The other user's request times while `view` renders a page no one has seen (each text parsed afresh). */
  async function during(path: string): Promise<number[]> {
    let rendered = false;
    const view = page.goto(path).then((response) => {
      rendered = true;
      return response;
    });
    const times: number[] = [];
    while (!rendered || times.length < 5) times.push(await timed(otherApi, simple));
    expect((await view)!.status()).toBe(200);
    return times;
  }
  const benign = seedDataset({ prompts: 1, responses: HOSTILE_RESPONSES.length, label: "benign-md" });
  const duringBenign = await during(`/datasets/${benign.slug}/prompts/${benign.prompts[0]!.id}`);
  const duringHostile = await during(`/datasets/${hostile.slug}/prompts/${promptId}`);
  const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
  const note =
    `other user's request (median): idle ${ms(idle)}; during a plain prompt page ${ms(duringBenign)} ` +
    `(ratio ${(median(duringBenign) / median(idle)).toFixed(2)}); during the hostile one ${ms(duringHostile)} ` +
    `(ratio ${(median(duringHostile) / median(idle)).toFixed(2)}, ${duringHostile.length} samples)`;
  test.info().annotations.push({ type: "latency", description: note });
  console.log(note);

  const responses = page.getByTestId("response-text");
  await expect(responses).toHaveCount(HOSTILE_RESPONSES.length);
  // The nesting, the brackets and the table are shown as the text they are, not parsed.
  for (const r of [0, 1, 2, 3, 5]) await expect(responses.nth(r).locator('[data-markdown="plain"]')).toHaveCount(1);
  await expect(responses.nth(0).locator("li")).toHaveCount(0);
  await expect(responses.nth(5).locator("table")).toHaveCount(0);
  // Thousands of maths spans and a 3,000-deep fraction stay their source.
  await expect(responses.nth(4).locator(".katex")).toHaveCount(0);
  await expect(responses.nth(6).locator(".katex")).toHaveCount(0);
  await expect(page.getByTestId("annotation-note")).toContainText("- - -");
  // The rule is typeset, capped, and stays inside its card.
  const card = (await responses.nth(7).boundingBox())!;
  const rule = (await responses.nth(7).locator(".katex").boundingBox())!;
  expect(rule.width).toBeLessThanOrEqual(card.width);
  expect(rule.height).toBeLessThan(600);
  await otherApi.dispose();
});

test("direct submits follow the queue's rules: six annotators at once fill k = 2 and no more; a synthetic dataset takes none", async () => {
  const dataset = seedDataset({ prompts: 1, responses: 4, k: 2, label: "direct-k" });
  const prompt = dataset.prompts[0]!;
  const body = { promptId: prompt.id, ranking: prompt.responses.map((id) => [id]), openness: 0.5, durationMs: 1 };
  const annotators = Array.from({ length: 6 }, (_, i) => createTestUser("annotator", `direct${i}`));
  const statuses = await Promise.all(
    annotators.map(async (user) => {
      const api = await playwrightRequest.newContext({
        baseURL: e2eBaseURL(),
        extraHTTPHeaders: { Authorization: `Bearer ${createApiToken(user)}` },
      });
      const response = await api.post("/api/annotations", { data: body });
      await api.dispose();
      return response.status();
    }),
  );
  expect(statuses.filter((s) => s === 201)).toHaveLength(2);
  expect(statuses.filter((s) => s === 409)).toHaveLength(4);
  expect(query<{ n: number }>("select count(*) as n from annotations where prompt_id = ?", prompt.id)[0]!.n).toBe(2);

  const synthetic = seedDataset({ prompts: 1, responses: 4, k: 3, label: "direct-synthetic" });
  const db = openTestDb();
  try {
    db.prepare("update datasets set synthetic = 1 where id = ?").run(synthetic.datasetId);
  } finally {
    db.close();
  }
  const api = await playwrightRequest.newContext({
    baseURL: e2eBaseURL(),
    extraHTTPHeaders: { Authorization: `Bearer ${createApiToken(annotators[0]!)}` },
  });
  const sp = synthetic.prompts[0]!;
  const refused = await api.post("/api/annotations", {
    data: { ...body, promptId: sp.id, ranking: sp.responses.map((id) => [id]) },
  });
  expect(refused.status()).toBe(403);
  await api.dispose();
});

test("an address with a malformed %-escape is the client's error, answered with the security headers", async () => {
  const own = { Host: new URL(e2eBaseURL()).host };
  for (const path of ["/runs/%ZZ", "/datasets/%C0%AF", "/api/runs/%ZZ", "/annotate/mine/%E0%A4%A"]) {
    const answer = await rawRequest(path, { headers: own });
    expect(answer.status, path).toBe(400);
    expect(answer.headers["x-frame-options"], path).toBe("DENY");
    expect(answer.headers["x-content-type-options"], path).toBe("nosniff");
  }
  expect((await rawRequest("/runs/%31", { headers: own })).status).not.toBe(400);
});
