import { type Page } from "@playwright/test";
import { test, expect, createTestUser, login, query, seedDataset } from "./fixtures";

async function openBoard(page: Page, slug: string, board = "ranking-board") {
  await page.goto(`/annotate?dataset=${slug}`);
  await expect(page.getByTestId(board)).toHaveAttribute("data-hydrated", "true");
}

const order = (page: Page) =>
  page.getByTestId("response-card").evaluateAll((els) => els.map((el) => Number(el.dataset.responseId)));

test("a half-done ranking survives a reload and Back, leaving asks first, and Submit shows the prefetched prompt", async ({
  page,
}) => {
  const { slug } = seedDataset({ prompts: 3, responses: 4, k: 1, label: "draft" });
  const annotator = createTestUser("annotator", "drafter");
  await login(page, annotator);
  await openBoard(page, slug);
  const promptId = Number(await page.getByTestId("ranking-board").getAttribute("data-prompt-id"));

  // The prompt after this one is claimed while the annotator works.
  await expect
    .poll(() => query("select count(*) as n from assignments where annotator_id = ?", annotator.id)[0])
    .toEqual({ n: 2 });
  const prefetched = query<{ prompt_id: number }>(
    "select prompt_id from assignments where annotator_id = ? and prompt_id != ?",
    annotator.id,
    promptId,
  )[0]!.prompt_id;

  // Order, openness, a tie and a comment. With the openness radio focused after its click, the
  // letter keys still work: j and k move the selected card, t ties it.
  await page.keyboard.press("2");
  await page.keyboard.press("ArrowUp");
  await page.getByTestId("openness-0.75").click();
  const beforeKeys = await order(page);
  await page.keyboard.press("j");
  expect(await order(page)).not.toEqual(beforeKeys);
  await page.keyboard.press("k");
  expect(await order(page)).toEqual(beforeKeys);
  await page.keyboard.press("3");
  await page.keyboard.press("t");
  await page.getByTestId("comment").fill("B reads better");
  const before = await order(page);
  await expect(page.getByTestId("tied-badge")).toHaveCount(2);

  await page.reload();
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("draft-restored")).toBeVisible();
  expect(Number(await page.getByTestId("ranking-board").getAttribute("data-prompt-id"))).toBe(promptId);
  expect(await order(page)).toEqual(before);
  await expect(page.getByTestId("tied-badge")).toHaveCount(2);
  await expect(page.getByTestId("openness-0.75")).toBeChecked();
  await expect(page.getByTestId("comment")).toHaveValue("B reads better");

  // A link away asks first; dismissing stays on the board with the work.
  const asked: string[] = [];
  page.once("dialog", (dialog) => {
    asked.push(dialog.message());
    void dialog.dismiss();
  });
  await page.getByRole("link", { name: "My annotations" }).first().click();
  await expect.poll(() => asked.length).toBe(1);
  expect(asked[0]).toContain("not submitted");
  await expect(page).toHaveURL(/\/annotate\?dataset=/);
  // Accepting leaves; Back comes back to the same work.
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("link", { name: "My annotations" }).first().click();
  await expect(page).toHaveURL(/\/annotate\/mine/);
  await page.goBack();
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("comment")).toHaveValue("B reads better");
  expect(await order(page)).toEqual(before);

  // Submit: the prefetched prompt is on screen, and the draft is gone.
  await page.getByTestId("submit-annotation").click();
  await expect(page.getByTestId("saved-banner")).toBeVisible();
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-prompt-id", String(prefetched));
  const stored = query<{ ranking: string; openness: number; comment: string }>(
    "select ranking, openness, comment from annotations where prompt_id = ? and annotator_id = ?",
    promptId,
    annotator.id,
  )[0]!;
  expect(JSON.parse(stored.ranking).flat()).toEqual(before);
  expect(stored).toMatchObject({ openness: 0.75, comment: "B reads better" });
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("octorank:draft:")))).toEqual(
    [],
  );
});

test("pairwise answers survive a reload", async ({ page }) => {
  const { slug } = seedDataset({ prompts: 1, responses: 4, k: 1, label: "pwdraft", mode: "pairwise" });
  const annotator = createTestUser("annotator", "pw-drafter");
  await login(page, annotator);
  await openBoard(page, slug, "pairwise-board");
  await page.getByTestId("pairwise-left-better").click();
  await page.getByTestId("pairwise-right-better").click();
  await expect(page.getByTestId("pairwise-progress")).toContainText("Comparison 3");
  await page.reload();
  await expect(page.getByTestId("pairwise-board")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("draft-restored")).toBeVisible();
  await expect(page.getByTestId("pairwise-progress")).toContainText("Comparison 3");
  await page.getByTestId("pairwise-undo").click();
  await expect(page.getByTestId("pairwise-progress")).toContainText("Comparison 2");
  // Once every response is placed, ⇧1–5 tag openness as on the ranking board.
  while (await page.getByTestId("pairwise-question").isVisible()) await page.getByTestId("pairwise-tie").click();
  await page.keyboard.press("Shift+Digit4");
  await expect(page.getByTestId("openness-0.75")).toBeChecked();
});

test("a submit from a stale tab is refused with a choice, and the first tab's ranking stays", async ({ page }) => {
  const { slug } = seedDataset({ prompts: 2, responses: 3, k: 1, label: "stale" });
  const annotator = createTestUser("annotator", "two-tabs");
  await login(page, annotator);
  await openBoard(page, slug);
  const second = await page.context().newPage();
  await openBoard(second, slug);
  const promptId = await page.getByTestId("ranking-board").getAttribute("data-prompt-id");
  await expect(second.getByTestId("ranking-board")).toHaveAttribute("data-prompt-id", promptId!);

  await page.keyboard.press("2");
  await page.keyboard.press("ArrowUp");
  await page.getByTestId("openness-0").click();
  await page.getByTestId("submit-annotation").click();
  await expect(page.getByTestId("saved-banner")).toBeVisible();
  const first = query<{ id: number; ranking: string }>(
    "select id, ranking from annotations where prompt_id = ? and annotator_id = ?",
    Number(promptId),
    annotator.id,
  );
  expect(first).toHaveLength(1);

  await second.keyboard.press("3");
  await second.keyboard.press("ArrowUp");
  await second.getByTestId("openness-1").click();
  await second.getByTestId("submit-annotation").click();
  await expect(second.getByTestId("stale-dialog")).toBeVisible();
  await expect(second.getByTestId("saved-banner")).toHaveCount(0);
  expect(
    query(
      "select id, ranking from annotations where prompt_id = ? and annotator_id = ?",
      Number(promptId),
      annotator.id,
    ),
  ).toEqual(first);
  expect(query("select count(*) as n from annotation_revisions where annotation_id = ?", first[0]!.id)).toEqual([
    { n: 0 },
  ]);

  await second.getByTestId("stale-see-theirs").click();
  await expect(second).toHaveURL(new RegExp(`/annotate/mine/${first[0]!.id}$`));
  await expect(second.getByTestId("openness-0")).toBeChecked();
});
