import AxeBuilder from "@axe-core/playwright";
import { test, expect, type Page } from "@playwright/test";
import { createTestUser, login, openTestDb } from "./fixtures";

/** axe on the page as it is now: each violation as its rule, node and message. */
async function axeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id}: ${n.target.join(" ")} — ${n.failureSummary?.split("\n")[1]?.trim() ?? v.help}`),
  );
}

async function expectNoAxeViolations(page: Page, what: string) {
  expect(await axeViolations(page), `axe on ${what}`).toEqual([]);
}

/** Visits each page and runs axe; all pages' violations are reported together. */
async function checkPages(page: Page, paths: string[]) {
  const found: string[] = [];
  for (const path of paths) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBeLessThan(500);
    await page.waitForLoadState("load");
    found.push(...(await axeViolations(page)).map((v) => `${path} ${v}`));
  }
  expect(found, `axe on ${paths.join(", ")}`).toEqual([]);
}

function demoPromptId(): number {
  const db = openTestDb();
  try {
    return (
      db
        .prepare("select p.id from prompts p join datasets d on d.id = p.dataset_id where d.slug = 'demo' limit 1")
        .get() as { id: number }
    ).id;
  } finally {
    db.close();
  }
}

// axe over several pages per test: on the shared 2-core machine one page can take 15 s.
test.describe.configure({ timeout: 180_000 });

test.beforeEach(async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
});

test("signed out: landing, sign-in and not-found pages have no axe violations", async ({ page }) => {
  await checkPages(page, ["/", "/login"]);
  const missing = await page.goto("/no-such-page");
  expect(missing?.status()).toBe(404);
  await expect(page.getByTestId("not-found").getByRole("link")).toBeVisible();
  await expectNoAxeViolations(page, "/no-such-page");
  expect((await page.request.get("/icon.svg")).status()).toBe(200);
  await expect(page.locator('head link[rel="icon"]')).toHaveCount(1);
});

test("annotator: queue, key map, my annotations and its edit page have no axe violations", async ({ page }) => {
  const annotator = createTestUser("annotator", "axe");
  await login(page, annotator, "/annotate");
  const next = await (await page.request.post("/api/queue/next")).json();
  const created = await page.request.post("/api/annotations", {
    data: {
      promptId: next.prompt.id,
      ranking: next.responses.map((r: { id: number }) => [r.id]),
      openness: 0.5,
      comment: "**B** invents a `citation`",
    },
  });
  const annotationId: number = (await created.json()).annotation.id;
  await checkPages(page, ["/annotate", "/annotate/mine", `/annotate/mine/${annotationId}`, "/datasets"]);
  await page.goto("/annotate");
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
  await page.getByTestId("open-key-map").click();
  await expect(page.getByTestId("key-map")).toBeInViewport();
  await expectNoAxeViolations(page, "/annotate with the key map open");
});

test("researcher: dataset pages have no axe violations; unknown ones say so", async ({ page }) => {
  const researcher = createTestUser("researcher", "axe");
  await login(page, researcher, "/datasets");
  await checkPages(page, [
    "/datasets",
    "/datasets/demo",
    `/datasets/demo/prompts/${demoPromptId()}`,
    "/datasets/demo/import",
    "/datasets/new",
  ]);
  for (const path of ["/datasets/no-such-dataset", "/datasets/demo/prompts/999999"]) {
    expect((await page.goto(path))?.status(), path).toBe(404);
    await expect(page.getByTestId("not-found").getByRole("link").first()).toBeVisible();
  }
});

test("researcher: run pages have no axe violations; unknown runs say so", async ({ page }) => {
  test.setTimeout(300_000); // also waits for a short training run
  const researcher = createTestUser("researcher", "axe-runs");
  await login(page, researcher, "/runs");
  const run = await page.request.post("/api/runs", { data: { dataset: "demo", train: { steps: 40 } } });
  expect(run.status()).toBe(201);
  const runId: number = (await run.json()).run.id;
  await checkPages(page, ["/runs", "/runs/new"]);
  // Unknown things say what is missing and offer a way back.
  for (const path of ["/runs/999999"]) {
    expect((await page.goto(path))?.status(), path).toBe(404);
    await expect(page.getByTestId("not-found").getByRole("link").first()).toBeVisible();
  }
  await page.goto(`/runs/compare?a=${runId}&b=999999`);
  await expect(page.getByTestId("compare-missing")).toContainText("run 999999 does not exist");
  await expectNoAxeViolations(page, "/runs/compare with a missing run");

  await expect
    .poll(
      async () =>
        ((await (await page.request.get(`/api/runs/${runId}`)).json()) as { run: { status: string } }).run.status,
      { timeout: 200_000 },
    )
    .toMatch(/succeeded|failed/);
  await checkPages(page, [`/runs/${runId}`, `/runs/compare?a=${runId}&b=${runId}`]);
});

test("admin: the admin page and its disable confirmation have no axe violations", async ({ page }) => {
  const admin = createTestUser("admin", "axe");
  const victim = createTestUser("annotator", "to-disable");
  await login(page, admin, "/admin");
  await checkPages(page, ["/admin"]);
  // Disabling asks first; cancelling leaves the account as it was.
  const row = page.getByTestId(`user-row-${victim.email}`);
  await row.getByTestId("toggle-disabled").click();
  await expect(page.getByRole("alertdialog")).toBeVisible();
  await expectNoAxeViolations(page, "/admin with the disable dialog open");
  await page.getByRole("alertdialog").getByRole("button", { name: "Cancel" }).click();
  await expect(row.getByTestId("toggle-disabled")).toHaveText("Disable");
  await row.getByTestId("toggle-disabled").click();
  await page.getByTestId("confirm-action").click();
  await expect(row.getByTestId("toggle-disabled")).toHaveText("Enable");
});
