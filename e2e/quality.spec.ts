import { type Page } from "@playwright/test";
import { test, expect, createTestUser, login, query, seedDataset, type TestUser } from "./fixtures";

/** Sets a dataset's quality checks through the admin form. */
async function setChecks(page: Page, slug: string, checks: { gold: string; floor: string; min: string }) {
  await page.goto("/admin");
  const settings = page.getByTestId(`dataset-settings-${slug}`);
  await page.getByTestId(`gold-percent-${slug}`).fill(checks.gold);
  await page.getByTestId(`floor-seconds-${slug}`).fill(checks.floor);
  await page.getByTestId(`min-checks-${slug}`).fill(checks.min);
  await settings.getByRole("button", { name: "Save" }).click();
  await expect(settings.getByText("Saved.")).toBeVisible();
  await expect(page.getByTestId(`gold-percent-${slug}`)).toHaveValue(checks.gold);
}

/** Ranks the prompt on the board with `worst` moved to the bottom, tags openness and submits. */
async function rankWithLast(page: Page, worst: (ids: number[]) => number) {
  const board = page.getByTestId("ranking-board");
  await expect(board).toHaveAttribute("data-hydrated", "true");
  const ids = await page
    .getByTestId("response-card")
    .evaluateAll((els) => els.map((el) => Number(el.dataset.responseId)));
  const id = worst(ids);
  const place = ids.indexOf(id) + 1;
  if (place === ids.length) {
    // Already last: move another card so the order is not the untouched one.
    await page.keyboard.press("1");
    await page.keyboard.press("ArrowDown");
  } else {
    await page.keyboard.press(String(place));
    for (let i = place; i < ids.length; i++) await page.keyboard.press("ArrowDown");
  }
  await page.getByTestId("openness-0.5").click();
  const before = await board.getAttribute("data-prompt-id");
  await page.getByTestId("submit-annotation").click();
  return Number(before);
}

test("gold answers that disagree pause an annotator, who sees why, until an admin resumes them", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const { slug, prompts } = seedDataset({ prompts: 5, responses: 3, k: 2, label: "checked" });
  const admin = createTestUser("admin", "checks-admin");
  const annotator = createTestUser("annotator", "checks-taker");
  const adminPage = await (await browser.newContext()).newPage();
  await login(adminPage, admin);
  await setChecks(adminPage, slug, { gold: "100", floor: "0", min: "2" });

  // A researcher (here the admin) marks two prompts gold on their pages: response A is the known best.
  const goldPrompts = prompts.slice(0, 2);
  for (const prompt of goldPrompts) {
    await adminPage.goto(`/datasets/${slug}/prompts/${prompt.id}`);
    await adminPage.getByTestId("gold-best").selectOption(String(prompt.responses[0]));
    await adminPage.getByTestId("gold-save").click();
    await expect(adminPage.getByTestId("gold-form").getByText("Marked gold")).toBeVisible();
  }
  expect(
    query(
      "select count(*) as n from prompts where dataset_id = (select id from datasets where slug = ?) and gold is not null",
      slug,
    ),
  ).toEqual([{ n: 2 }]);

  const page = await (await browser.newContext()).newPage();
  await login(page, annotator, `/annotate?dataset=${slug}`);
  const bestOf = (promptId: number) => prompts.find((p) => p.id === promptId)!.responses[0]!;
  // At 100% the queue hands out the gold prompts first, silently; the annotator ranks the known best last.
  for (let i = 0; i < 2; i++) {
    const promptId = Number(await page.getByTestId("ranking-board").getAttribute("data-prompt-id"));
    expect(goldPrompts.map((p) => p.id)).toContain(promptId);
    await expect(page.getByText(/gold/i)).toHaveCount(0);
    await rankWithLast(page, () => bestOf(promptId));
    if (i === 0) await expect(page.getByTestId("saved-banner")).toBeVisible();
  }
  await expect(page.getByTestId("annotator-paused")).toBeVisible();
  await expect(page.getByTestId("pause-reason")).toContainText("2 check prompts agree with their known answers");
  // A submit from a board still open is refused too.
  const stillOpen = await page.request.post("/api/annotations", {
    data: { promptId: prompts[4]!.id, ranking: prompts[4]!.responses.map((id) => [id]), openness: 0.5 },
  });
  expect(stillOpen.status()).toBe(403);

  // The dataset page shows it; the admin resumes them.
  await adminPage.goto(`/datasets/${slug}`);
  const row = adminPage.getByTestId("quality-table").getByRole("row", { name: new RegExp(annotator.name) });
  await expect(row).toContainText("paused");
  // Best ranked last against "best, the rest tied": tau-b = -2/sqrt(6).
  await expect(row).toContainText("-0.82");
  await adminPage.goto("/admin");
  await adminPage.getByTestId(`pause-row-${annotator.email}`).getByTestId("resume-annotator").click();
  await expect(adminPage.getByTestId(`pause-row-${annotator.email}`)).toHaveCount(0);
  await page.goto(`/annotate?dataset=${slug}`);
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
  // Gold answers stay out of the export.
  const exported = await adminPage.request.get(`/api/datasets/${slug}/export?format=annotations`);
  const ids = (await exported.text())
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line).id as string);
  expect(ids).toEqual(["q2", "q3", "q4"]);
});

test("too-fast annotations pause an annotator end to end", async ({ browser }) => {
  test.setTimeout(180_000);
  const { slug } = seedDataset({ prompts: 4, responses: 3, k: 2, label: "fast" });
  const admin = createTestUser("admin", "fast-admin");
  const annotator: TestUser = createTestUser("annotator", "fast-taker");
  const adminPage = await (await browser.newContext()).newPage();
  await login(adminPage, admin);
  // A floor of ten minutes: every annotation here is "too fast".
  await setChecks(adminPage, slug, { gold: "0", floor: "600", min: "2" });

  const page = await (await browser.newContext()).newPage();
  await login(page, annotator, `/annotate?dataset=${slug}`);
  await rankWithLast(page, (ids) => ids[0]!);
  await expect(page.getByTestId("saved-banner")).toBeVisible();
  await rankWithLast(page, (ids) => ids[0]!);
  await expect(page.getByTestId("annotator-paused")).toBeVisible();
  await expect(page.getByTestId("pause-reason")).toContainText("2 of your last 2 annotations took less time");
  await page.reload();
  await expect(page.getByTestId("annotator-paused")).toBeVisible();
  await adminPage.goto("/admin");
  await expect(adminPage.getByTestId(`pause-row-${annotator.email}`)).toContainText("took less time");
});
