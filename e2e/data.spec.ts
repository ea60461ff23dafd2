import fs from "node:fs";
import { test, expect, createTestUser, login, openTestDb } from "./fixtures";

const responses = (p: string) =>
  Array.from({ length: 8 }, (_, i) => ({ id: `${p}-${i}`, text: `Answer ${i} to ${p}` }));
const goodFile = [
  {
    id: "e2e-1",
    prompt: "What is 6 × 7?",
    openness: 0,
    responses: responses("e2e-1"),
    annotations: [{ annotator: "outside-rater", ranking: [[0], [1, 2], [3], [4], [5], [6], [7]], openness: 0 }],
  },
  { id: "e2e-2", prompt: "Suggest a name for a cat.", responses: responses("e2e-2") },
  {
    id: "e2e-chat",
    prompt: [
      { role: "system", content: "You are a **terse** agent." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: "Order A-1 is late." },
      { role: "assistant", content: "Which day was it due?" },
      { role: "user", content: "Monday" },
    ],
    responses: responses("e2e-chat"),
  },
]
  .map((l) => JSON.stringify(l))
  .join("\n");
const badFile = [
  JSON.stringify({ id: "ok", prompt: "fine", responses: responses("ok") }),
  "{oops",
  JSON.stringify({ id: "short", prompt: "too few", responses: ["a", "b"] }),
].join("\n");

test("a researcher creates a dataset by import, sees line errors for a bad file, and downloads every export", async ({
  page,
}) => {
  const researcher = createTestUser("researcher");
  await login(page, researcher, "/datasets");
  const slug = `e2e-${Date.now().toString(36)}`;

  await page.getByTestId("new-dataset").click();
  await page.getByTestId("import-slug").fill(slug);
  await page.getByTestId("import-name").fill("E2E import");
  await page
    .getByTestId("import-file")
    .setInputFiles({ name: "good.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(goodFile) });
  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-result")).toContainText("3 new prompts");

  const db = openTestDb();
  const count = () =>
    (
      db
        .prepare("select count(*) as n from prompts p join datasets d on d.id = p.dataset_id where d.slug = ?")
        .get(slug) as { n: number }
    ).n;
  expect(count()).toBe(3);

  // A conversation reads as a transcript: markdown per turn, the system turn and the last turns open, the rest folded.
  const chatId = (
    db
      .prepare(
        "select p.id from prompts p join datasets d on d.id = p.dataset_id where d.slug = ? and p.external_id = ?",
      )
      .get(slug, "e2e-chat") as { id: number }
  ).id;
  await page.goto(`/datasets/${slug}/prompts/${chatId}`);
  const transcript = page.getByTestId("prompt-transcript");
  await expect(transcript.locator('[data-role="system"] strong')).toHaveText("terse");
  await expect(transcript.getByTestId("prompt-turn").last()).toContainText("Monday");
  await expect(transcript.getByTestId("prompt-earlier-turns")).toContainText("2 earlier turns");
  await expect(transcript.getByText("Hi", { exact: true })).toBeHidden();
  await transcript.getByTestId("prompt-earlier-turns").locator("summary").click();
  await expect(transcript.getByText("Hi", { exact: true })).toBeVisible();

  await page.goto(`/datasets/${slug}`);
  await page.getByTestId("import-link").click();
  await page
    .getByTestId("import-file")
    .setInputFiles({ name: "bad.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(badFile) });
  await page.getByTestId("import-submit").click();
  const errors = page.getByTestId("import-error-line");
  await expect(page.getByTestId("import-errors")).toContainText("Nothing was imported");
  await expect(errors.filter({ hasText: "line 2" })).toContainText("Not valid JSON");
  await expect(errors.filter({ hasText: "line 3" })).toContainText("Expected 8 responses");
  // Counted over the bad lines, not the file's.
  await expect(page.getByTestId("import-errors")).toContainText("problems on 2 lines of 3 lines");
  expect(count()).toBe(3);
  db.close();
  await page.screenshot({ path: "test-results/data-import-errors.png", fullPage: true });

  await page.goto("/datasets/demo");
  await expect(page.getByTestId("prompt-table")).toBeVisible();
  await page.screenshot({ path: "test-results/data-dataset-page.png", fullPage: true });
  await page.getByTestId("prompt-table").locator("tbody").getByRole("link").first().click();
  await expect(page.getByTestId("prompt-rankings")).toContainText("Consensus");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/data-prompt-phone.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/datasets/demo");
  for (const format of ["annotations", "consensus", "pairs", "pairs-text"]) {
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(`export-${format}`).click()]);
    expect(download.suggestedFilename()).toBe(`demo-${format}.jsonl`);
    const text = fs.readFileSync((await download.path())!, "utf8");
    const lines = text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(10);
    if (format === "pairs") {
      expect(Object.keys(lines[0]!)).toEqual(
        expect.arrayContaining(["prompt", "chosen", "rejected", "openness", "split"]),
      );
      expect((lines[0]!.prompt as { role: string }[]).at(-1)!.role).toBe("user");
      expect(lines[0]!.chosen).toEqual([{ role: "assistant", content: expect.any(String) }]);
    }
    if (format === "pairs-text") expect(lines[0]!.prompt).toMatch(/\n\nAssistant: $/);
    if (format === "consensus") expect(lines[0]).toHaveProperty("kendall_w");
    if (format === "annotations") expect(lines[0]).toHaveProperty("annotations");
  }
  // The filter form sends its empty fields too ("no run", "any agreement"): still a download.
  const filters = page.getByTestId("export-filters");
  await filters.getByLabel("Format").selectOption("pairs");
  await filters.getByLabel("Min annotators").fill("2");
  const [filtered] = await Promise.all([
    page.waitForEvent("download"),
    filters.getByRole("button", { name: "Download" }).click(),
  ]);
  expect(filtered.suggestedFilename()).toBe("demo-pairs.jsonl");
  const pairs = fs
    .readFileSync((await filtered.path())!, "utf8")
    .trimEnd()
    .split("\n");
  expect(pairs.length).toBeGreaterThan(10);
  // Filters that leave nothing say so on the page, and nothing downloads.
  let downloads = 0;
  page.on("download", () => downloads++);
  await filters.getByLabel("Min annotators").fill("999");
  await filters.getByRole("button", { name: "Download" }).click();
  await expect(page.getByTestId("export-problem")).toContainText("Nothing to export");
  expect(downloads).toBe(0);
  const empty = await page.request.get("/api/datasets/demo/export?format=pairs&min_annotators=999");
  expect(empty.status()).toBe(404);
  expect(((await empty.json()) as { error: string }).error).toMatch(/^Nothing to export: no prompt of demo/);
});

test("an annotator cannot reach import, export or admin", async ({ page, request }) => {
  expect((await request.get("/api/datasets/demo/export?format=pairs")).status()).toBe(401);
  const annotator = createTestUser("annotator");
  await login(page, annotator);
  for (const path of ["/datasets/demo/import", "/datasets/new", "/datasets/demo", "/admin"]) {
    await page.goto(path);
    await expect(page.getByTestId("forbidden")).toBeVisible();
  }
  expect((await page.request.get("/api/datasets/demo/export?format=annotations")).status()).toBe(403);
  const post = await page.request.post("/api/datasets/demo/import", {
    data: goodFile,
    headers: { "Content-Type": "application/x-ndjson" },
  });
  expect(post.status()).toBe(403);
});

test("an admin creates an API token, exports with it, revokes it, and then gets 401", async ({ page, request }) => {
  const admin = createTestUser("admin");
  await login(page, admin, "/admin");
  const name = `e2e-token-${Date.now().toString(36)}`;
  await page.getByTestId("token-name").fill(name);
  await page.getByTestId("token-create").click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  expect(token).toMatch(/^ork_/);
  await page.screenshot({ path: "test-results/data-admin.png", fullPage: true });

  const auth = { Authorization: `Bearer ${token}` };
  const ok = await request.get("/api/datasets/demo/export?format=consensus&gzip=1", { headers: auth });
  expect(ok.status()).toBe(200);
  expect(ok.headers()["content-disposition"]).toContain("demo-consensus.jsonl.gz");

  await page.reload();
  // Revoking asks first; Cancel keeps the token working.
  await page.getByTestId(`token-row-${name}`).getByTestId("token-revoke").click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Cancel" }).click();
  expect((await request.get("/api/datasets/demo/export?format=consensus", { headers: auth })).status()).toBe(200);
  await page.getByTestId(`token-row-${name}`).getByTestId("token-revoke").click();
  await page.getByTestId("confirm-action").click();
  await expect(page.getByTestId(`token-row-${name}`)).toContainText("revoked");
  expect((await request.get("/api/datasets/demo/export?format=consensus", { headers: auth })).status()).toBe(401);
});

test("response text that contains HTML is shown as text, never run", async ({ page }) => {
  const researcher = createTestUser("researcher", "xss");
  await login(page, researcher);
  const db = openTestDb();
  const { id } = db.prepare("select id from prompts where external_id = 'closed-html-bold'").get() as { id: number };
  db.close();
  let dialogs = 0;
  page.on("dialog", (dialog) => {
    dialogs++;
    void dialog.dismiss();
  });
  await page.goto(`/datasets/demo/prompts/${id}`);
  await expect(page.getByText("<b>bold</b> <script>alert(1)</script>", { exact: false })).toBeVisible();
  expect(await page.locator("main script").count()).toBe(0);
  expect(dialogs).toBe(0);
});
