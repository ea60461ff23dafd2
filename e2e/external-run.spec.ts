import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test, expect, createTestUser, login, openTestDb } from "./fixtures";

/** A scores file for the demo: every response of each tagged prompt scored by its position. */
function demoScoresFile(): string {
  const db = openTestDb();
  try {
    const prompts = db
      .prepare(
        `select p.id, p.external_id as ext from prompts p join datasets d on d.id = p.dataset_id
          where d.slug = 'demo' and (p.openness is not null or exists
            (select 1 from annotations a where a.prompt_id = p.id and a.openness is not null))
          order by p.id`,
      )
      .all() as { id: number; ext: string }[];
    const lines = prompts.map((p) => {
      const responses = db
        .prepare("select external_id as ext, position from responses where prompt_id = ? order by position")
        .all(p.id) as { ext: string | null; position: number }[];
      return JSON.stringify({
        prompt_id: p.ext,
        rewards: Object.fromEntries(responses.map((r) => [r.ext ?? String(r.position), 2 - r.position * 0.3])),
        split: "test",
      });
    });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "octorank-scores-")), "scores.jsonl");
    fs.writeFileSync(file, lines.join("\n") + "\n");
    return file;
  } finally {
    db.close();
  }
}

test("a researcher uploads a TRL model's scores and reads the same collapse dashboard", async ({ page }) => {
  const researcher = createTestUser("researcher");
  await login(page, researcher);
  await page.goto("/runs");
  await page.getByTestId("external-run").click();
  await expect(page).toHaveURL(/\/runs\/external$/);
  const db = openTestDb();
  const demo = db.prepare("select id from datasets where slug = 'demo'").get() as { id: number };
  db.close();
  await page.getByTestId("external-dataset").selectOption(String(demo.id));
  // a bad file first: the lines are named, nothing is recorded
  const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "octorank-scores-")), "bad.jsonl");
  fs.writeFileSync(bad, '{"prompt_id":"no-such-prompt","rewards":{"a":1},"split":"test"}\n');
  await page.getByTestId("external-scores").setInputFiles(bad);
  await page.getByTestId("external-submit").click();
  await expect(page.getByTestId("external-error")).toContainText('line 1: dataset demo has no prompt "no-such-prompt"');

  await page.getByTestId("external-scores").setInputFiles(demoScoresFile());
  await page.getByTestId("external-submit").click();
  // The upload answers once the run is judged (the fitted verdict and its bootstrap), then the dashboard renders.
  await expect(page).toHaveURL(/\/runs\/\d+$/, { timeout: 60_000 });
  await expect(page.getByTestId("collapse-dashboard")).toBeVisible();
  await expect(page.getByTestId("run-status-header")).toHaveAttribute("data-status", "succeeded");
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-verdict", /.+/);
  await expect(page.getByTestId("verdict-rule")).not.toBeEmpty();
  await expect(page.getByText("uploaded scores (external run)")).toBeVisible();
});
