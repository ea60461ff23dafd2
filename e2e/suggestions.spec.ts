import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test, expect, createTestUser, insertAnnotation, login, query, seedDataset } from "./fixtures";

test("a dataset starts boards from a finished run's order, marked, and records how far the annotator moved it", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const { datasetId, slug, prompts } = seedDataset({ prompts: 3, responses: 4, k: 2, label: "suggested" });
  // Scores are for ranked prompts (a verdict needs rankings): an earlier annotator, never shown a
  // suggestion, ranked each prompt in the reverse of the model's order.
  const earlier = createTestUser("annotator", "unsuggested");
  for (const p of prompts) insertAnnotation(p.id, earlier.id, p.responses.map((id) => [id]).reverse());
  // The model ranks each prompt's responses in stored order (r0 best).
  const scores = prompts.map((_, i) =>
    JSON.stringify({ prompt_id: `q${i}`, rewards: { r0: 2, r1: 1.5, r2: 1, r3: 0.5 }, split: "test" }),
  );
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "octorank-scores-")), "scores.jsonl");
  fs.writeFileSync(file, scores.join("\n") + "\n");

  const researcher = createTestUser("researcher", "suggester");
  const researcherPage = await (await browser.newContext()).newPage();
  await login(researcherPage, researcher, "/runs/external");
  await researcherPage.getByTestId("external-dataset").selectOption(String(datasetId));
  await researcherPage.getByTestId("external-scores").setInputFiles(file);
  await researcherPage.getByTestId("external-submit").click();
  await expect(researcherPage).toHaveURL(/\/runs\/\d+$/, { timeout: 60_000 });
  const runId = Number(/\/runs\/(\d+)$/.exec(researcherPage.url())![1]);
  // The strip plot of raw scores (0.5 … 2) reads round ticks, not the data's extremes.
  const strip = researcherPage.getByTestId("chart-strip");
  for (const tick of ["0.0", "0.5", "1.0", "1.5", "2.0"])
    await expect(strip.getByText(tick, { exact: true })).toBeVisible();
  await expect(strip.getByText(/^-?\d+\.\d{2,}$/)).toHaveCount(0);

  // Off by default; turned on from the finished run on the dataset page, and it stays on after a reload.
  await researcherPage.goto(`/datasets/${slug}`);
  const form = researcherPage.getByTestId("suggestion-form");
  await expect(researcherPage.getByTestId("suggestion-run")).toHaveValue("none");
  await researcherPage.getByTestId("suggestion-run").selectOption(String(runId));
  await researcherPage.getByTestId("suggestion-save").click();
  await expect(form.getByText("Suggestions on")).toBeVisible();
  await researcherPage.reload();
  await expect(researcherPage.getByTestId("suggestion-run")).toHaveValue(String(runId));

  const annotator = createTestUser("annotator", "anchored");
  const page = await (await browser.newContext()).newPage();
  await login(page, annotator, `/annotate?dataset=${slug}`);
  const board = page.getByTestId("ranking-board");
  await expect(board).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByTestId("suggestion-notice")).toContainText("Model suggestion");
  await expect(page.getByTestId("suggestion-run")).not.toBeEmpty();
  const promptId = Number(await board.getAttribute("data-prompt-id"));
  const stored = prompts.find((p) => p.id === promptId)!.responses;
  const shown = () =>
    page.getByTestId("response-card").evaluateAll((els) => els.map((el) => Number(el.dataset.responseId)));
  // The cards start in the model's order, not the shuffled one.
  expect(await shown()).toEqual(stored);

  // One move: the top card down one place.
  await page.keyboard.press("1");
  await page.keyboard.press("ArrowDown");
  expect(await shown()).toEqual([stored[1], stored[0], stored[2], stored[3]]);
  await page.getByTestId("openness-0.5").click();
  await page.getByTestId("submit-annotation").click();
  await expect(page.getByTestId("saved-banner")).toBeVisible();

  const [row] = query<{ runId: number; distance: number }>(
    "select suggestion_run_id as runId, suggestion_distance as distance from annotations where prompt_id = ? and annotator_id = ?",
    promptId,
    annotator.id,
  );
  expect(row!.runId).toBe(runId);
  // One pair of six discordant.
  expect(row!.distance).toBeCloseTo(1 / 6, 12);

  // The page is open from before the annotation, and a goto that only adds a #fragment does not load
  // it again: a reload renders it afresh.
  await researcherPage.goto(`/datasets/${slug}#suggestions`);
  await researcherPage.reload();
  const table = researcherPage.getByTestId("anchoring-table");
  await expect(table).toContainText(`#${runId}`);
  await expect(table).toContainText("(current)");
  const cells = table.locator("tbody tr").first().locator("td");
  await expect(cells.nth(1)).toHaveText("1");
  await expect(cells.nth(2)).toHaveText("0.167");
  await expect(cells.nth(3)).toHaveText("0");
  // The same run against the boards that started shuffled: 3 of them, each the model's reverse.
  await expect(cells.nth(4)).toHaveText("3");
  await expect(cells.nth(5)).toHaveText("1.000");
  await expect(cells.nth(6)).toHaveText("0.833");
});
