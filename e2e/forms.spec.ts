import { type Locator } from "@playwright/test";
import { test, expect, createTestUser, login, query, seedDataset } from "./fixtures";

const form = (control: Locator) => control.locator("xpath=ancestor::form");

test("admin selects and inputs show the saved value after saving, after a reload, and after saving again", async ({
  page,
}) => {
  const admin = createTestUser("admin", "forms-admin");
  const someone = createTestUser("annotator", "forms-someone");
  const { slug } = seedDataset({ prompts: 2, responses: 3, label: "forms" });
  await login(page, admin, "/admin");

  const role = page.getByLabel(`Role of ${someone.email}`, { exact: true }).locator("select");
  await role.selectOption("researcher");
  await form(role).getByRole("button", { name: "Set" }).click();
  await expect(form(role).getByText("Role set to researcher.")).toBeVisible();
  await expect(role).toHaveValue("researcher");

  const settings = page.getByTestId(`dataset-settings-${slug}`);
  const mode = page.getByTestId(`ranking-mode-${slug}`);
  const order = page.getByTestId(`queue-order-${slug}`);
  await settings.getByLabel("Name").fill("Renamed by the admin");
  await mode.selectOption("pairwise");
  await order.selectOption("least-annotated");
  await settings.getByRole("button", { name: "Save" }).click();
  await expect(settings.getByText("Saved.")).toBeVisible();
  // The form shows what was saved, not what it first rendered with.
  await expect(mode).toHaveValue("pairwise");
  await expect(order).toHaveValue("least-annotated");
  await expect(settings.getByLabel("Name")).toHaveValue("Renamed by the admin");

  // Saving the card again (another field changed) keeps the earlier change: it used to revert it.
  await settings.getByLabel("Annotations per prompt").fill("4");
  await settings.getByRole("button", { name: "Save" }).click();
  await expect(settings.getByLabel("Annotations per prompt")).toHaveValue("4");
  await expect(mode).toHaveValue("pairwise");
  await expect
    .poll(() => query("select annotations_per_prompt as k from datasets where slug = ?", slug)[0])
    .toEqual({ k: 4 });
  expect(query("select name, ranking_mode as mode, queue_order as q from datasets where slug = ?", slug)[0]).toEqual({
    name: "Renamed by the admin",
    mode: "pairwise",
    q: "least-annotated",
  });
  expect(query("select role from users where id = ?", someone.id)[0]).toEqual({ role: "researcher" });

  await page.reload();
  await expect(role).toHaveValue("researcher");
  await expect(mode).toHaveValue("pairwise");
  await expect(order).toHaveValue("least-annotated");
  await expect(settings.getByLabel("Annotations per prompt")).toHaveValue("4");

  // On a phone the admin's menu wraps: every link is on screen, and the menu does not scroll sideways.
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto("/admin");
  const links = page.getByRole("navigation", { name: "Main" }).getByRole("link");
  for (const link of await links.all()) {
    const box = (await link.boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(360);
  }
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Admin" })).toBeInViewport();
  expect(await nav.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  expect(await nav.locator("ul").evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
});

test("a new dataset from a file whose slug exists is refused, and the existing dataset is untouched", async ({
  page,
}) => {
  const researcher = createTestUser("researcher", "forms-researcher");
  const { slug } = seedDataset({ prompts: 1, responses: 2, label: "taken" });
  await login(page, researcher, "/datasets/new");
  await page.getByTestId("import-slug").fill(slug);
  await page.getByTestId("import-name").fill("A different dataset");
  const line = JSON.stringify({ id: "new-1", prompt: "Hello?", responses: ["a", "b"] });
  await page
    .getByTestId("import-file")
    .setInputFiles({ name: "new.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(line) });
  await page.getByTestId("import-submit").click();
  await expect(page.getByTestId("import-error")).toContainText(`There is already a dataset "${slug}"`);
  expect(
    query<{ name: string; n: number }>(
      "select d.name, (select count(*) from prompts p where p.dataset_id = d.id) as n from datasets d where slug = ?",
      slug,
    )[0],
  ).toEqual({ name: `Dataset ${slug}`, n: 1 });
});
