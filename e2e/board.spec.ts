import { type Locator, type Page } from "@playwright/test";
import { test, expect, createTestUser, login, openTestDb, seedDataset } from "./fixtures";

const MARKDOWN_PROMPT = "Write **SQL** for the top customer, as a table:\n\n| id | total |\n|---|---|\n| 7 | 120 |";

/** Markdown a model would answer with; index 0 also carries raw HTML that must stay text. */
function responseText(i: number): string {
  if (i === 0)
    return [
      "Here is the query <img src=x onerror=\"document.body.dataset.pwned='1'\"> and <b>no bold</b>:",
      "",
      "```sql",
      `SELECT customer_id, SUM(total) AS total FROM orders GROUP BY customer_id ORDER BY total DESC LIMIT 1; -- ${"a very long comment ".repeat(8)}`,
      "```",
      "",
      "- uses `SUM`",
      "- math: $e^{i\\pi} + 1 = 0$",
    ].join("\n");
  return `Answer ${i}: \`SELECT ${i}\``;
}

/** A dataset of one markdown prompt with ten responses (k = 2), so the board is not the usual 8. */
function addMarkdownDataset(): { slug: string; promptId: number; responseIds: number[] } {
  const { slug, prompts } = seedDataset({
    prompts: 1,
    responses: 10,
    k: 2,
    label: "md",
    text: () => MARKDOWN_PROMPT,
    responseText: (r) => responseText(r),
  });
  return { slug, promptId: prompts[0]!.id, responseIds: prompts[0]!.responses };
}

async function openBoard(page: Page, slug: string) {
  await page.goto(`/annotate?dataset=${slug}`);
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
}

function storedRanking(promptId: number, annotatorId: number): number[][] | null {
  const db = openTestDb();
  try {
    const row = db
      .prepare("select ranking from annotations where prompt_id = ? and annotator_id = ?")
      .get(promptId, annotatorId) as { ranking: string } | undefined;
    return row ? (JSON.parse(row.ranking) as number[][]) : null;
  } finally {
    db.close();
  }
}

/**
 * A code block too wide for the screen scrolls sideways inside its <pre> (focusable, so a keyboard
 * can scroll it), not inside highlight.js's inner <code>, and the page itself does not scroll sideways.
 */
async function expectCodeScrollsInItsBlock(page: Page, pre: Locator) {
  await expect(pre).toBeVisible();
  const box = await pre.evaluate((el) => {
    const code = el.querySelector("code")!;
    return {
      tag: el.tagName,
      preOverflow: getComputedStyle(el).overflowX,
      preScrolls: el.scrollWidth > el.clientWidth,
      codeOverflow: getComputedStyle(code).overflowX,
      codePadding: getComputedStyle(code).paddingLeft,
    };
  });
  expect(box).toEqual({
    tag: "PRE",
    preOverflow: "auto",
    preScrolls: true,
    codeOverflow: "visible",
    codePadding: "0px",
  });
  await expect(pre).toHaveAttribute("tabindex", "0");
  const before = await pre.evaluate((el) => el.scrollLeft);
  await pre.focus();
  await page.keyboard.press("ArrowRight");
  await expect.poll(() => pre.evaluate((el) => el.scrollLeft)).toBeGreaterThan(before);
  const width = page.viewportSize()!.width;
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
}

test("markdown renders safely, labels match the researcher's, and an untouched order asks first", async ({ page }) => {
  const { slug, promptId, responseIds } = addMarkdownDataset();
  const annotator = createTestUser("annotator", "md");
  await login(page, annotator);
  await page.setViewportSize({ width: 1280, height: 800 });
  await openBoard(page, slug);

  await expect(page.getByTestId("response-card")).toHaveCount(10);
  await expect(page.getByTestId("ranking-hint")).toContainText("1–9");
  await expect(page.getByTestId("prompt-text").locator("table td").first()).toHaveText("7");
  const first = page.locator(`[data-response-id="${responseIds[0]}"]`);
  const code = first.getByTestId("md-code-block");
  await expect(code).toHaveCSS("font-family", /mono|Menlo|Consolas/i);
  await expect(code.locator(".hljs-keyword").first()).toHaveText("SELECT");
  await expect(first.locator(".katex").first()).toBeVisible();
  await expect(first.locator("li code").first()).toHaveText("SUM");
  await expect(first).toContainText("<img src=x onerror=");
  await expect(first).toContainText("<b>no bold</b>");
  expect(await first.locator("img, b").count()).toBe(0);
  expect(await page.evaluate(() => document.body.dataset.pwned)).toBeUndefined();

  // Each card carries its stored position's letter, whatever the shuffled order.
  const labels = await page
    .getByTestId("response-card")
    .evaluateAll((els) => els.map((el) => [Number(el.dataset.responseId), el.getAttribute("aria-label")]));
  for (const [id, label] of labels)
    expect(label).toContain(`Response ${String.fromCharCode(65 + responseIds.indexOf(id as number))},`);
  const shown = labels.map(([id]) => id as number);
  expect(shown).not.toEqual(responseIds); // shuffled (fixed seed per prompt and annotator)

  // `?` opens the key map in view; Escape closes it.
  await page.keyboard.press("?");
  await expect(page.getByTestId("key-map")).toBeInViewport();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("key-map")).toBeHidden();

  // Submitting the shuffled order untouched asks first; "Keep ranking" saves nothing.
  await page.getByTestId("openness-0.5").click();
  await page.getByTestId("submit-annotation").click();
  await expect(page.getByTestId("untouched-dialog")).toBeVisible();
  await page.getByTestId("untouched-keep-ranking").click();
  await expect(page.getByTestId("untouched-dialog")).toBeHidden();
  expect(storedRanking(promptId, annotator.id)).toBeNull();
  await page.getByTestId("submit-annotation").click();
  await page.getByTestId("untouched-submit").click();
  await expect(page.getByTestId("queue-empty")).toBeVisible();
  expect(storedRanking(promptId, annotator.id)).toEqual(shown.map((id) => [id]));

  // My annotations shows that ranking by the same labels.
  await page.goto("/annotate/mine");
  const summary = page.getByTestId("my-annotation").first().getByTestId("ranking-summary");
  const expected = shown.map((id) => String.fromCharCode(65 + responseIds.indexOf(id))).join(", then ");
  await expect(summary).toHaveAttribute("data-ranking", expected);

  // On a phone the long code line scrolls inside its block, not the page: on the prompt page, and
  // on the board of an annotator who has not ranked it yet.
  await page.setViewportSize({ width: 390, height: 844 });
  const second = createTestUser("annotator", "md-phone");
  await page.context().clearCookies();
  await login(page, second);
  await openBoard(page, slug);
  await expectCodeScrollsInItsBlock(
    page,
    page.locator(`[data-response-id="${responseIds[0]}"]`).getByTestId("md-code-block"),
  );
  const researcher = createTestUser("researcher", "md-reader");
  await page.context().clearCookies();
  await login(page, researcher);
  await page.goto(`/datasets/${slug}/prompts/${promptId}`);
  await expectCodeScrollsInItsBlock(page, page.getByTestId("prompt-response").first().getByTestId("md-code-block"));
  await expect(page.getByTestId("prompt-rankings").locator("thead th").nth(1)).toHaveText("A");
});

test("a skipped prompt keeps its reason, is listed, and reopens into the queue", async ({ page }) => {
  const { slug, promptId } = addMarkdownDataset();
  const annotator = createTestUser("annotator", "skipper");
  await login(page, annotator);
  await openBoard(page, slug);
  await page.getByTestId("skip").click();
  await page.getByTestId("skip-reason").fill("outside my expertise");
  await page.getByTestId("skip-confirm").click();
  await expect(page.getByTestId("queue-empty")).toBeVisible();

  await page.goto("/annotate/mine");
  const skipped = page.locator(`[data-testid="skipped-prompt"][data-prompt-id="${promptId}"]`);
  await expect(skipped.getByTestId("skip-reason-shown")).toHaveText("“outside my expertise”");
  await skipped.getByTestId("reopen-skipped").click();
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-prompt-id", String(promptId));
  await page.goto("/annotate/mine");
  await expect(page.getByTestId("skipped-empty")).toBeVisible();
});

test("keyboard focus is never hidden under the footer, and progress is the annotator's own", async ({ page }) => {
  const annotator = createTestUser("annotator", "focus");
  await login(page, annotator);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/annotate");
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
  const footerTop = await page.locator("[data-board-footer]").evaluate((el) => el.getBoundingClientRect().top);
  const handles = page.getByTestId("drag-handle");
  await handles.first().focus();
  for (let i = 1; i < (await handles.count()); i++) {
    // Tab from one card's handle passes its buttons, then reaches the next card's handle.
    for (let n = 0; n < 8; n++) {
      await page.keyboard.press("Tab");
      if (await handles.nth(i).evaluate((el) => el === document.activeElement)) break;
    }
    const box = await handles.nth(i).evaluate((el) => el.getBoundingClientRect().toJSON());
    expect(box.bottom, `handle ${i + 1} under the footer`).toBeLessThanOrEqual(footerTop);
  }
  const bar = page.getByTestId("my-progress-bar");
  const done = Number(await page.getByTestId("done-by-me").textContent());
  const left = Number(await page.getByTestId("left-for-me").textContent());
  await expect(bar).toHaveAttribute("aria-valuenow", String(done));
  await expect(bar).toHaveAttribute("aria-valuemax", String(done + left));
});
