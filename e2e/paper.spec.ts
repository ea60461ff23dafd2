import { test, expect, createTestUser, login, openTestDb } from "./fixtures";

test.describe.configure({ mode: "serial" });

const SHOTS = "/tmp/shots/paper";

test("researchers see openness estimates beside the tags; annotators never do", async ({ page }) => {
  test.setTimeout(180_000);
  const researcher = createTestUser("researcher", "paper");
  await login(page, researcher);
  for (const [w, h] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto("/datasets/demo");
    // The first visit to a fresh database starts the fit in a child process: the page says so
    // until the estimates are stored, then shows them.
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("openness-estimate-summary")).toContainText(/tagged prompts/, { timeout: 1_000 });
    }).toPass({ timeout: 120_000 });
    await expect(page.getByTestId("openness-estimate").first()).toHaveText(/^\d\.\d\d ± \d\.\d\d$/);
    await page.getByTestId("openness-estimate-summary").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/dataset-estimates-${w}x${h}.png` });
  }

  const annotator = createTestUser("annotator", "paper-annotator");
  await page.context().clearCookies();
  await login(page, annotator, "/annotate");
  await expect(page.getByTestId("ranking-board")).toBeVisible();
  await expect(page.getByTestId("openness-estimate")).toHaveCount(0);
  await expect(page.getByText(/estimate/i)).toHaveCount(0);
  // The dataset page is for researchers: an annotator gets the forbidden page, without estimates.
  await page.goto("/datasets/demo");
  await expect(page.getByTestId("openness-estimate-summary")).toHaveCount(0);
  await expect(page.getByTestId("openness-estimate")).toHaveCount(0);
});

test("an admin sets the queue order; the queue hands out the least certain prompt", async ({ page }) => {
  test.setTimeout(180_000);
  const admin = createTestUser("admin", "paper-admin");
  await login(page, admin, "/admin");
  const select = page.getByTestId("queue-order-demo");
  await select.selectOption("uncertain-openness");
  await select.locator("xpath=ancestor::form").getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const db = openTestDb();
  try {
    expect(db.prepare("select queue_order from datasets where slug = 'demo'").get()).toEqual({
      queue_order: "uncertain-openness",
    });
    // Saving started the fit in a child process; the priorities are written when it is done.
    await expect
      .poll(
        () =>
          (
            db.prepare("select queue_priority_version as v from datasets where slug = 'demo'").get() as {
              v: string | null;
            }
          ).v,
        { timeout: 120_000 },
      )
      .toMatch(/^uncertain-openness:/);
  } finally {
    db.close();
  }
  const annotator = createTestUser("annotator", "paper-queue");
  await page.context().clearCookies();
  await login(page, annotator, "/annotate");
  const id = Number(await page.getByTestId("ranking-board").getAttribute("data-prompt-id"));
  const check = openTestDb();
  try {
    // The prompt handed out has the lowest priority (widest error bar) of those still open.
    const row = check
      .prepare(
        `select p.id from prompts p join datasets d on d.id = p.dataset_id
          where d.slug = 'demo' and p.annotation_count < d.annotations_per_prompt
          order by p.queue_priority asc, p.annotation_count asc, p.id asc limit 1`,
      )
      .get() as { id: number };
    expect(id).toBe(row.id);
    check.prepare("update datasets set queue_order = 'fill' where slug = 'demo'").run();
  } finally {
    check.close();
  }
});

test("a run with estimated openness shows implied against tagged openness", async ({ page }) => {
  test.setTimeout(240_000);
  const researcher = createTestUser("researcher", "paper-run");
  await login(page, researcher);
  const response = await page.request.post("/api/runs", {
    data: { dataset: "demo", missingOpenness: { policy: "estimate" }, train: { steps: 60 } },
  });
  expect(response.status(), await response.text()).toBe(201);
  const runId = ((await response.json()) as { run: { id: number } }).run.id;
  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId("collapse-dashboard")).toBeVisible({ timeout: 200_000 });
  await expect(page.getByText("estimated from text and rankings")).toBeVisible();
  const card = page.getByTestId("chart-implied");
  await expect(card.locator("svg.recharts-surface").first()).toBeVisible();
  await expect.poll(async () => card.locator(".recharts-scatter circle").count()).toBeGreaterThan(0);
  await expect(page.getByTestId("effective-gamma")).toHaveText(/^-?\d\.\d\d$|^–$/);
  await expect(page.getByTestId("implied-slope")).toBeVisible();
  for (const [w, h] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}/run-implied-${w}x${h}.png` });
  }
});
