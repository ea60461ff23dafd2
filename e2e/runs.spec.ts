import { type APIRequestContext, type Page } from "@playwright/test";
import { test, expect, createTestUser, login, openTestDb } from "./fixtures";

/** Each chart on the page renders an SVG with at least one data mark. */
async function expectChartWithData(page: Page, scope: ReturnType<Page["locator"]>, testId: string, mark: string) {
  const chart = scope.getByTestId(testId).first();
  await expect(chart.locator("svg.recharts-surface").first()).toBeVisible();
  await expect.poll(async () => chart.locator(mark).count(), { message: `${testId} has ${mark}` }).toBeGreaterThan(0);
}

async function createRunByApi(request: APIRequestContext, body: Record<string, unknown>): Promise<number> {
  const response = await request.post("/api/runs", { data: { dataset: "demo", ...body } });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { run: { id: number } }).run.id;
}

function runRow(id: number): { status: string; worker_pid: number | null; error: string | null } {
  const db = openTestDb();
  try {
    return db.prepare("select status, worker_pid, error from training_runs where id = ?").get(id) as {
      status: string;
      worker_pid: number | null;
      error: string | null;
    };
  } finally {
    db.close();
  }
}

test("a researcher starts a run on the demo data, watches it finish and reads the collapse dashboard", async ({
  page,
}) => {
  test.setTimeout(180_000);
  const researcher = createTestUser("researcher");
  await login(page, researcher, "/runs/new");
  await expect(page.getByTestId("dataset-stats")).toContainText("have rankings");
  await expect(page.getByTestId("utility-conditioned")).toBeChecked();
  await page.getByTestId("setting-steps").fill("60");
  await page.getByTestId("start-run").click();
  await expect(page).toHaveURL(/\/runs\/\d+$/);
  const runId = Number(page.url().split("/").pop());
  await expect(page.getByTestId("run-live")).toBeVisible();

  await expect(page.getByTestId("collapse-dashboard")).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId("run-status-header")).toHaveAttribute("data-status", "succeeded");
  // 48 prompts, ~10 held out: the demo cannot show collapse either way (too few prompts per openness
  // group for the chance test, or not shown better than chance there), and says so and why.
  await expect(page.getByTestId("verdict")).toHaveAttribute(
    "data-verdict",
    /^(insufficient|not-learned|undetermined)$/,
  );
  await expect(page.getByTestId("verdict-sentence")).toContainText(
    /^(Insufficient evidence|Not learned|Undetermined):/,
  );
  await expect(page.getByTestId("verdict-rule")).toContainText(/^(Insufficient evidence|Not learned|Undetermined):/);
  await expect(page.getByTestId("repro-pointer")).toContainText("reproduce the paper");
  await expect(page.getByTestId("chart-trajectory")).toBeVisible();
  await expect(page.getByTestId("trajectory-plateau")).toContainText(/stopped improving at step \d+/);
  await expect(page.getByTestId("metric-accuracy")).toHaveText(/\d+\.\d%/);
  const dashboard = page.locator("body");
  await expectChartWithData(page, dashboard, "chart-paper", ".recharts-line-dots circle");
  await expectChartWithData(page, dashboard, "chart-strip", ".recharts-scatter circle");
  await page.getByTestId("strip-train").click();
  await expectChartWithData(page, dashboard, "chart-strip", ".recharts-scatter circle");
  await expectChartWithData(page, dashboard, "chart-shape", ".recharts-scatter circle");
  await expectChartWithData(page, dashboard, "chart-histogram", ".recharts-bar-rectangle");
  await expectChartWithData(page, dashboard, "chart-loss", ".recharts-line path.recharts-curve");
  await expect(page.getByTestId("flagged-prompts")).toBeVisible();
  await page.screenshot({ path: "/tmp/shots/run-dashboard-demo.png", fullPage: true });

  // The stored model scores new responses; a bad request is refused with a reason.
  const scored = await page.request.post(`/api/runs/${runId}/score`, {
    data: {
      prompt: "What is 12 times 12?",
      responses: ["144.", "12 times 12 is 144, since 12 × 10 = 120 and 12 × 2 = 24."],
    },
  });
  expect(scored.status()).toBe(200);
  const { rewards } = (await scored.json()) as { rewards: number[] };
  expect(rewards).toHaveLength(2);
  for (const r of rewards) expect(r > 0 && r < 1).toBe(true);
  const bad = await page.request.post(`/api/runs/${runId}/score`, { data: { prompt: "x", responses: [] } });
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toContain("at least one response");
});

test("an annotator gets 403 on runs pages and the runs API", async ({ page }) => {
  const annotator = createTestUser("annotator");
  await login(page, annotator);
  for (const path of ["/runs", "/runs/new", "/runs/1", "/runs/compare?a=1&b=2"]) {
    await page.goto(path);
    await expect(page.getByTestId("forbidden")).toBeVisible();
  }
  expect((await page.request.get("/api/runs")).status()).toBe(403);
  expect((await page.request.post("/api/runs", { data: { dataset: "demo" } })).status()).toBe(403);
  expect((await page.request.post("/api/runs/1/cancel")).status()).toBe(403);
  expect((await page.request.post("/api/runs/1/score", { data: { prompt: "a", responses: ["b"] } })).status()).toBe(
    403,
  );
  expect((await page.request.get("/api/runs/1/events")).status()).toBe(403);
  expect((await page.request.post("/api/runs/reproduce")).status()).toBe(403);
});

test("cancel stops a running run and a queued one; a bad request changes nothing", async ({ page }) => {
  test.setTimeout(120_000);
  const researcher = createTestUser("researcher", "canceler");
  await login(page, researcher);
  const invalid = await page.request.post("/api/runs", { data: { dataset: "demo", heldOutShare: 0.9 } });
  expect(invalid.status()).toBe(400);
  expect(((await invalid.json()) as { error: string }).error).toContain("at most half");

  const running = await createRunByApi(page.request, { train: { steps: 200000 } });
  const queued = await createRunByApi(page.request, { train: { steps: 200000 } });
  // The first live-progress connection drops at once (as a flaky network would drop it); the page
  // must reconnect by itself, say where it resumes from, and keep showing steps.
  const eventRequests: { lastEventId?: string; url: string }[] = [];
  await page.route(/\/api\/runs\/\d+\/events/, async (route) => {
    eventRequests.push({ lastEventId: route.request().headers()["last-event-id"], url: route.request().url() });
    if (eventRequests.length === 1) {
      await route.fulfill({ status: 200, headers: { "Content-Type": "text/event-stream" }, body: "retry: 300\n\n" });
    } else {
      await route.continue();
    }
  });
  await page.goto(`/runs/${running}`);
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "running", { timeout: 30_000 });
  await expect(page.getByTestId("live-step")).not.toHaveText(/^0 \//, { timeout: 30_000 });
  expect(eventRequests.length).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("run-connection")).toHaveAttribute("data-connection", "live");
  const stepNow = async () =>
    Number((await page.getByTestId("live-step").textContent())?.split("/")[0]?.replace(/\D/g, ""));
  const seen = await stepNow();
  await expect.poll(stepNow, { timeout: 30_000 }).toBeGreaterThan(seen);
  await page.unroute(/\/api\/runs\/\d+\/events/);

  const cancelQueued = await page.request.post(`/api/runs/${queued}/cancel`);
  expect(cancelQueued.status()).toBe(202);
  expect(runRow(queued).status).toBe("canceled");

  await page.getByTestId("cancel-run").click();
  await expect(page.getByTestId("run-status-header")).toHaveAttribute("data-status", "canceled", { timeout: 30_000 });
  expect(runRow(running).status).toBe("canceled");
  expect((await page.request.post(`/api/runs/${running}/cancel`)).status()).toBe(409);
});

test("a run whose worker is killed is marked failed and the app keeps serving", async ({ page }) => {
  test.setTimeout(120_000);
  const researcher = createTestUser("researcher", "killer");
  await login(page, researcher);
  const id = await createRunByApi(page.request, { train: { steps: 200000 } });
  await expect.poll(() => runRow(id).worker_pid, { timeout: 30_000 }).not.toBeNull();
  await expect.poll(() => runRow(id).status, { timeout: 30_000 }).toBe("running");
  process.kill(runRow(id).worker_pid!, "SIGKILL");
  await expect.poll(() => runRow(id).status, { timeout: 30_000 }).toBe("failed");
  expect(runRow(id).error).toContain("killed");
  await page.goto(`/runs/${id}`);
  await expect(page.getByTestId("run-status")).toHaveAttribute("data-status", "failed");
  await expect(page.getByTestId("run-error")).toContainText("killed");
  await page.goto("/runs");
  await expect(page.getByTestId(`run-row-${id}`)).toContainText("failed");
});

/**
 * The pair at a plumbing size: this checks the button, the runs and the pages that judge them.
 * Whether the paper's result holds (conditioned openness-aware on unseen templates, log not, a
 * positive Δβ) is a science-sized check: `npm run bench -- paper` (`--steps 400` for the shortest).
 */
const SHORT_REPRO_STEPS = 40;

test("reproduce the paper: the button queues the pair; shorter runs of it are judged side by side on unseen templates, with the paired control", async ({
  page,
}) => {
  // Bounds, not expectations: wide enough for a machine busy with other work.
  test.setTimeout(600_000);
  const researcher = createTestUser("researcher", "repro");
  await login(page, researcher, "/runs");
  await page.getByTestId("reproduce-paper").click();
  await expect(page).toHaveURL(/\/runs\/compare\?a=\d+&b=\d+/);
  const queued = new URL(page.url()).searchParams;
  const pair = [Number(queued.get("a")), Number(queued.get("b"))];
  const db = openTestDb();
  let shorter: number[];
  try {
    // The synthetic dataset is marked as such and ranked by an external annotator who cannot sign in.
    const dataset = db.prepare("select id, synthetic from datasets where slug like 'paper-length-%'").get() as {
      id: number;
      synthetic: number;
    };
    expect(dataset.synthetic).toBe(1);
    const annotator = db
      // Every external annotator's account is `<name>@external.invalid` (db/store/writer.ts).
      .prepare("select external, password_hash from users where email = ?")
      .get("Synthetic ranking (longer is better)@external.invalid") as {
      external: number;
      password_hash: string | null;
    };
    expect(annotator).toEqual({ external: 1, password_hash: null });
    const runs = pair.map(
      (id) =>
        db.prepare("select dataset_id, name, config from training_runs where id = ?").get(id) as {
          dataset_id: number;
          name: string;
          config: string;
        },
    );
    expect(runs.map((r) => (JSON.parse(r.config) as { utility: string }).utility)).toEqual(["log", "conditioned"]);
    // The same pair, as the button asked for it, but shorter.
    shorter = [];
    for (const [i, run] of runs.entries()) {
      expect((await page.request.post(`/api/runs/${pair[i]}/cancel`)).status()).toBe(202);
      const config = JSON.parse(run.config) as { train: Record<string, unknown> };
      shorter.push(
        await createRunByApi(page.request, {
          ...config,
          datasetId: run.dataset_id,
          name: `${run.name} (${SHORT_REPRO_STEPS} steps)`,
          train: { ...config.train, steps: SHORT_REPRO_STEPS },
        }),
      );
    }
  } finally {
    db.close();
  }
  await page.goto(`/runs/compare?a=${shorter[0]}&b=${shorter[1]}`);
  const a = page.getByTestId("compare-a");
  const b = page.getByTestId("compare-b");
  await expect(a.getByTestId("compare-status")).toHaveAttribute("data-status", "succeeded", { timeout: 400_000 });
  await expect(b.getByTestId("compare-status")).toHaveAttribute("data-status", "succeeded", { timeout: 400_000 });
  // Each side judged on its held-out prompts (the verdict a run of this size gets is not the point here).
  await expect(a.getByTestId("verdict")).toHaveAttribute("data-verdict", /^[a-z-]+$/);
  await expect(b.getByTestId("verdict")).toHaveAttribute("data-verdict", /^[a-z-]+$/);
  const control = page.getByTestId("compare-control");
  await expect(control).toContainText("Δβ");
  // Both runs' held-out prompts paired: Δβ is a number, not the "—" of a control that could not pair them.
  await expect(control).toContainText(/On \d+ shared prompts/);
  await expect(control).toHaveAttribute("data-delta-beta", /^-?\d+(\.\d+)?(e-?\d+)?$/);
  const verdictOfB = await b.getByTestId("verdict").getAttribute("data-verdict");
  for (const side of [a, b]) {
    await expectChartWithData(page, side, "chart-paper", ".recharts-line-dots circle");
    await expectChartWithData(page, side, "chart-strip", ".recharts-scatter circle");
    await expectChartWithData(page, side, "chart-shape", ".recharts-scatter circle");
    await expectChartWithData(page, side, "chart-histogram", ".recharts-bar-rectangle");
  }
  await page.screenshot({ path: "/tmp/shots/compare.png", fullPage: true });

  await b.getByRole("link", { name: /openness-conditioned/ }).click();
  await expect(page.getByTestId("collapse-dashboard")).toBeVisible();
  // The run's own page judges it as the compare page did.
  await expect(page.getByTestId("verdict")).toHaveAttribute("data-verdict", verdictOfB ?? "");
  await page.screenshot({ path: "/tmp/shots/run-dashboard.png", fullPage: true });
});
