import { type Locator, type Page } from "@playwright/test";
import { test, expect, createTestUser, insertAnnotation, login, seedDataset } from "./fixtures";

/*
 * What a reader of the charts sees: axis titles, the threshold line at its value, the strip plot's
 * row labels and tooltip. Asserted through visible text and its position on screen, not the
 * charts' SVG structure, so a change of chart scaffolding keeps these checks meaningful.
 */

/** Four annotators rank six prompts; the last one ranks every prompt backwards. */
function seedAgreementDataset(): string {
  const { slug, prompts } = seedDataset({ prompts: 6, responses: 4, k: 4, label: "charts" });
  const annotators = [1, 2, 3, 4].map((n) => createTestUser("annotator", `charts-${n}`));
  prompts.forEach(({ id, responses: ids }, p) =>
    annotators.forEach((annotator, a) => {
      // The first three agree up to one swap; the fourth reverses them.
      const order = a === 3 ? [...ids].reverse() : a === 1 && p % 2 ? [ids[1]!, ids[0]!, ids[2]!, ids[3]!] : ids;
      insertAnnotation(
        id,
        annotator.id,
        order.map((r) => [r]),
      );
    }),
  );
  return slug;
}

async function centerX(locator: Locator): Promise<number> {
  await expect(locator).toBeVisible();
  const box = (await locator.boundingBox())!;
  return box.x + box.width / 2;
}

/** Where `text` sits between the tick labels `from` and `to`: 0 on `from`, 1 on `to`. */
async function positionBetweenTicks(chart: Locator, text: string, from: string, to: string): Promise<number> {
  const x = await centerX(chart.getByText(text, { exact: true }));
  const a = await centerX(chart.getByText(from, { exact: true }));
  const b = await centerX(chart.getByText(to, { exact: true }));
  return (x - a) / (b - a);
}

const histogram = (page: Page, title: string) => page.getByTestId("histogram").filter({ hasText: title });

test("dataset histograms: y-axis titles, and each threshold line drawn at its value", async ({ page }) => {
  const slug = seedAgreementDataset();
  await login(page, createTestUser("researcher", "charts"));
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/datasets/${slug}`);

  const w = histogram(page, "Kendall's W per prompt");
  const tau = histogram(page, "Mean pairwise tau-b per prompt");
  const annotators = histogram(page, "Mean tau-b per annotator");
  for (const [chart, yTitle, xTitle] of [
    [w, "prompts", "Kendall's W"],
    [tau, "prompts", "mean pairwise tau-b"],
    [annotators, "annotators", "mean tau-b vs consensus"],
  ] as const) {
    await expect(chart.getByText(yTitle, { exact: true }), `${xTitle}: y-axis title`).toBeVisible();
    await expect(chart.getByText(xTitle, { exact: true }), `${xTitle}: x-axis title`).toBeVisible();
  }
  // The y title reads along the axis: taller than wide, left of the plot.
  const yBox = (await annotators.getByText("annotators", { exact: true }).boundingBox())!;
  expect(yBox.height).toBeGreaterThan(yBox.width);
  expect(yBox.x).toBeLessThan(await centerX(annotators.getByText("-1.0", { exact: true })));

  // τ-b threshold 0.3: halfway between the 0.2 and 0.4 ticks, not on the 0.2 tick.
  await expect(annotators.getByRole("img")).toHaveAttribute("aria-label", /threshold 0\.3$/);
  const tauAt = await positionBetweenTicks(annotators, "threshold 0.3", "0.2", "0.4");
  expect(tauAt).toBeGreaterThan(0.35);
  expect(tauAt).toBeLessThan(0.65);
  // W threshold 0.5: on the 0.5 tick, which is a bin edge.
  const wAt = await positionBetweenTicks(w, "threshold 0.5", "0.5", "0.6");
  expect(Math.abs(wAt)).toBeLessThan(0.15);
  await expect(tau.getByText(/^threshold/)).toHaveCount(0);

  // Hovering a bar names its range and count.
  const wLabel = (await w.getByRole("img").getAttribute("aria-label"))!;
  expect(wLabel).toMatch(/^Kendall's W per prompt: 0\.0: \d+, 0\.1: \d+/);
  await page.screenshot({ path: "test-results/review-shots/dataset-histograms-desktop.png", fullPage: true });
});

test("run dashboard: strip plot row labels and tooltip, shape and histogram y-axis titles", async ({ page }) => {
  test.setTimeout(300_000); // waits for a short training run
  const researcher = createTestUser("researcher", "charts-run");
  await login(page, researcher);
  const created = await page.request.post("/api/runs", { data: { dataset: "demo", train: { steps: 40 } } });
  expect(created.status(), await created.text()).toBe(201);
  const runId: number = (await created.json()).run.id;
  await expect
    .poll(
      async () =>
        ((await (await page.request.get(`/api/runs/${runId}`)).json()) as { run: { status: string } }).run.status,
      { timeout: 240_000 },
    )
    .toBe("succeeded");

  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize(viewport);
    await page.goto(`/runs/${runId}`);
    const strip = page.getByTestId("chart-strip");
    // Rows are labelled by openness, top to bottom from closed to open.
    const rowLabels = strip.getByText(/^o ≈ /);
    await expect(rowLabels.first()).toBeVisible();
    const labels = await rowLabels.allTextContents();
    expect(labels.length).toBeGreaterThanOrEqual(2);
    const levels = labels.map((l) => Number(l.replace("o ≈ ", "")));
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
    const tops = await Promise.all((await rowLabels.all()).map(async (l) => (await l.boundingBox())!.y));
    expect(tops).toEqual([...tops].sort((a, b) => a - b));
    await expect(strip.getByText("prompts", { exact: true })).toBeVisible();
    await expect(strip.getByText("reward", { exact: true })).toBeVisible();

    // A dot's tooltip says which prompt row, its openness and the reward.
    await strip.locator("circle").first().hover({ force: true });
    await expect(strip.getByText(/^prompt row \d+ · openness [\d.]+ · reward \d\.\d{3}$/)).toBeVisible();

    const shape = page.getByTestId("chart-shape");
    await expect(shape.getByText("shape (Beta α)", { exact: true })).toBeVisible();
    await expect(shape.getByText("openness", { exact: true })).toBeVisible();
    const yTitle = (await shape.getByText("shape (Beta α)", { exact: true }).boundingBox())!;
    expect(yTitle.height).toBeGreaterThan(yTitle.width);

    const rewards = page.getByTestId("chart-histogram");
    await expect(rewards.getByText("share of responses", { exact: true })).toBeVisible();
    await expect(rewards.getByText("normalised reward", { exact: true })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `page wider than ${viewport.width}`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/review-shots/run-charts-${viewport.width}.png`, fullPage: true });
  }
});
