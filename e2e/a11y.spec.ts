import AxeBuilder from "@axe-core/playwright";
import { request as playwrightRequest, type Page } from "@playwright/test";
import type { Role } from "../lib/domain";
import {
  test,
  expect,
  createApiToken,
  createTestUser,
  e2eBaseURL,
  insertAnnotation,
  login,
  openTestDb,
  query,
  seedDataset,
  type TestUser,
} from "./fixtures";

/*
 * axe-core on every page of the app (app/**\/page.tsx, the not-found, not-allowed and error pages,
 * and the dialogs a page opens), for each role, at a desktop and a phone size. Each role checks the
 * pages that need exactly its role; a page below a role's level renders the same for it but for the
 * nav (app-nav is the only role-dependent part outside /admin, and the same on every page), which
 * each role's not-found page already shows, so higher roles check one lower page (`everyRole`) with
 * their nav rather than all. A page above a role's reach must send it to the "not allowed" page (or
 * sign-in), checked too, at the first size only: who may see a page does not depend on the screen.
 */

const VIEWPORTS = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;

/** axe on the page as it is now: each violation as its rule, node and message. */
async function axeViolations(page: Page): Promise<string[]> {
  // Only violations: collecting every passing node's details is most of axe's time on a big page.
  // Legacy mode runs axe.run in the page itself. The default runs each frame apart, then opens a
  // new page and injects axe a second time to merge the frames' results: the app has no frames, so
  // that costs a page and an injection per check and finds nothing more.
  const { violations } = await new AxeBuilder({ page })
    .setLegacyMode()
    .options({ resultTypes: ["violations"] })
    .analyze();
  return violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id}: ${n.target.join(" ")} — ${n.failureSummary?.split("\n")[1]?.trim() ?? v.help}`),
  );
}

async function expectNoAxeViolations(page: Page, what: string) {
  expect(await axeViolations(page), `axe on ${what}`).toEqual([]);
}

function execute(statement: string, ...params: unknown[]) {
  const db = openTestDb();
  try {
    db.prepare(statement).run(...params);
  } finally {
    db.close();
  }
}

const MARKDOWN_PROMPT = "Sum a column.\n\n| a | b |\n|---|---|\n| 1 | 2 |";
const markdownResponse = (r: number) =>
  `Answer ${r}: use \`SUM\`, $\\sum_i a_i$.\n\n\`\`\`sql\nSELECT SUM(a) FROM t; -- ${"long ".repeat(30)}\n\`\`\``;

/** A dataset whose prompts and responses are markdown (a table, code, math), as model outputs are. */
function addDataset(label: string, options: { prompts: number; responses: number; k?: number; mode?: "pairwise" }) {
  return seedDataset({
    ...options,
    label,
    guidelines: "Rank **correct** answers first.",
    text: (p) => `Question ${p}: ${MARKDOWN_PROMPT}`,
    responseText: markdownResponse,
  });
}

/** A reviewer's decision about the annotation's current version. */
function decide(annotationId: number, reviewerId: number, decision: string, comment?: string) {
  const db = openTestDb();
  try {
    db.prepare(
      "insert into annotation_reviews (annotation_id, reviewer_id, decision, comment, version_at) select id, ?, ?, ?, updated_at from annotations where id = ?",
    ).run(reviewerId, decision, comment ?? null, annotationId);
  } finally {
    db.close();
  }
}

type World = {
  /** Ranking mode, three prompts; the first has others' annotations with review history. */
  reviewed: ReturnType<typeof addDataset>;
  pairwise: ReturnType<typeof addDataset>;
  empty: ReturnType<typeof addDataset>;
  reviewer: TestUser;
  runId: number;
};

let world: World | undefined;

/**
 * Datasets and one run shared by every test here, made once: the run trains while the tests go on,
 * and only the pages of a run wait for it (`runTrained`).
 */
async function sharedWorld(): Promise<World> {
  if (world) return world;
  const reviewed = addDataset("a11y-reviewed", { prompts: 3, responses: 4, k: 5 });
  const pairwise = addDataset("a11y-pairwise", { prompts: 2, responses: 3, k: 5, mode: "pairwise" });
  const empty = addDataset("a11y-empty", { prompts: 0, responses: 2 });
  const reviewer = createTestUser("researcher", "a11y-reviewer");
  const [first] = reviewed.prompts;
  const others = [createTestUser("annotator", "a11y-other"), createTestUser("annotator", "a11y-other")];
  const accepted = insertAnnotation(first!.id, others[0]!.id, [first!.responses], "**B** invents a `citation`");
  decide(accepted, reviewer.id, "send_back", "Look at **D** again.");
  decide(accepted, reviewer.id, "accept");
  insertAnnotation(
    first!.id,
    others[1]!.id,
    first!.responses.map((id) => [id]),
  );
  const request = await playwrightRequest.newContext({
    baseURL: e2eBaseURL(),
    extraHTTPHeaders: { Authorization: `Bearer ${createApiToken(reviewer)}` },
  });
  const run = await request.post("/api/runs", { data: { dataset: "demo", train: { steps: 40 } } });
  expect(run.status(), await run.text()).toBe(201);
  const runId: number = (await run.json()).run.id;
  await request.dispose();
  world = { reviewed, pairwise, empty, reviewer, runId };
  return world;
}

async function runTrained(w: World) {
  await expect
    .poll(() => query<{ status: string }>("select status from training_runs where id = ?", w.runId)[0]?.status, {
      timeout: 240_000,
    })
    .toBe("succeeded");
}

type PageCheck = { path: string; status?: number; testId?: string; everyRole?: true };

/** Visits each page and runs axe; all pages' violations are reported together. */
async function checkPages(page: Page, checks: PageCheck[]) {
  const found: string[] = [];
  for (const { path, status, testId } of checks) {
    const response = await page.goto(path);
    if (status) expect(response?.status(), path).toBe(status);
    else expect(response?.status(), path).toBeLessThan(400);
    if (testId) await expect(page.getByTestId(testId).first(), path).toBeVisible();
    found.push(...(await axeViolations(page)).map((v) => `${path} ${v}`));
  }
  expect(found, `axe on ${checks.map((c) => c.path).join(", ")}`).toEqual([]);
}

const RANK: Record<Role | "anonymous", number> = { anonymous: 0, annotator: 1, researcher: 2, admin: 3 };

/** The pages of the app and the least role each needs. */
function pagesOf(w: World, mine: { annotationId: number; sentBackSlug: string }): (PageCheck & { need: Role })[] {
  const reviewedPrompt = w.reviewed.prompts[0]!.id;
  return [
    { need: "annotator", path: "/annotate" },
    { need: "annotator", path: `/annotate?dataset=${w.reviewed.slug}`, testId: "ranking-board", everyRole: true },
    { need: "annotator", path: `/annotate?dataset=${w.pairwise.slug}`, testId: "pairwise-board" },
    { need: "annotator", path: `/annotate?dataset=${mine.sentBackSlug}`, testId: "sent-back-banner" },
    { need: "annotator", path: `/annotate?dataset=${w.empty.slug}`, testId: "queue-empty" },
    { need: "annotator", path: "/annotate/mine", testId: "my-review-state" },
    { need: "annotator", path: `/annotate/mine/${mine.annotationId}`, testId: "ranking-board" },
    { need: "researcher", path: "/datasets" },
    { need: "researcher", path: "/datasets/new" },
    { need: "researcher", path: "/datasets/demo", testId: "histogram" },
    { need: "researcher", path: `/datasets/demo?q=${encodeURIComponent("the")}&review=pending&sort=-w` },
    { need: "researcher", path: `/datasets/demo?page=999`, testId: "search-summary" },
    { need: "researcher", path: `/datasets/${w.pairwise.slug}` },
    { need: "researcher", path: `/datasets/${w.reviewed.slug}/prompts/${reviewedPrompt}`, testId: "review-item" },
    { need: "researcher", path: `/datasets/${w.reviewed.slug}/prompts/${reviewedPrompt}?accepted=1` },
    { need: "researcher", path: "/datasets/demo/import" },
    { need: "researcher", path: "/datasets/no-such-dataset", status: 404, testId: "not-found" },
    { need: "researcher", path: "/datasets/demo/prompts/999999", status: 404, testId: "not-found" },
    { need: "researcher", path: "/runs" },
    { need: "researcher", path: "/runs/new" },
    { need: "researcher", path: "/runs/external" },
    { need: "researcher", path: `/runs/${w.runId}`, testId: "collapse-dashboard" },
    { need: "researcher", path: `/runs/compare?a=${w.runId}&b=${w.runId}` },
    { need: "researcher", path: `/runs/compare?a=${w.runId}&b=999999`, testId: "compare-missing" },
    { need: "researcher", path: "/runs/compare" },
    { need: "researcher", path: "/runs/999999", status: 404, testId: "not-found" },
    { need: "admin", path: "/admin" },
  ];
}

/** This user's own work: an annotation sent back to them, one accepted, one skipped prompt. */
async function annotatorWork(page: Page, user: TestUser, w: World) {
  const sentBack = addDataset("a11y-sent-back", { prompts: 2, responses: 3 });
  const p = sentBack.prompts[0]!;
  const annotationId = insertAnnotation(
    p.id,
    user.id,
    [[p.responses[2]!], [p.responses[0]!, p.responses[1]!]],
    "`C` first",
  );
  decide(annotationId, w.reviewer.id, "send_back", "**A** answers the question; look again.");
  const accepted = insertAnnotation(sentBack.prompts[1]!.id, user.id, [sentBack.prompts[1]!.responses]);
  decide(accepted, w.reviewer.id, "accept");
  const next = await page.request.post(`/api/queue/next?dataset=${w.reviewed.slug}`);
  expect(next.status(), await next.text()).toBe(200);
  const skipped = await page.request.post("/api/queue/skip", {
    data: { promptId: (await next.json()).prompt.id, reason: "not my field" },
  });
  expect(skipped.status(), await skipped.text()).toBeLessThan(300);
  return { annotationId, sentBackSlug: sentBack.slug };
}

/** The dialogs of the ranking board: the key map, the untouched-order confirmation, the skip reason. */
async function checkBoardDialogs(page: Page, slug: string) {
  await page.goto(`/annotate?dataset=${slug}`);
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
  // To look at by hand (not committed): the board with markdown responses at this size.
  await page.screenshot({ path: `test-results/review-shots/annotate-${page.viewportSize()!.width}.png` });
  // `?` rather than the footer's "All keys" button, which a phone does not show.
  await page.keyboard.press("?");
  await expect(page.getByTestId("key-map")).toBeInViewport();
  await expectNoAxeViolations(page, "/annotate with the key map open");
  await page.keyboard.press("Escape");
  await page.getByTestId("openness-0.5").click();
  await page.getByTestId("submit-annotation").click();
  await expect(page.getByTestId("untouched-dialog")).toBeVisible();
  await expectNoAxeViolations(page, "/annotate asking about an untouched order");
  await page.getByTestId("untouched-keep-ranking").click();
  await page.getByTestId("skip").click();
  await expect(page.getByTestId("skip-reason")).toBeVisible();
  await expectNoAxeViolations(page, "/annotate asking why it is skipped");
}

// axe over many pages per test, and each page's analysis is slow on a busy machine.
test.describe.configure({ timeout: 600_000 });
// An action on a hidden element fails in half a minute instead of waiting out the test.
test.use({ actionTimeout: 30_000 });

test("the check finds a violation: an unlabelled field, an image without a text and low contrast", async ({ page }) => {
  await page.setContent(
    `<main><h1>Check</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">` +
      `<p style="color:#ccc;background:#fff">faint</p></main>`,
  );
  const rules = new Set((await axeViolations(page)).map((v) => v.split(":")[0]));
  expect([...rules]).toEqual(expect.arrayContaining(["color-contrast", "image-alt", "label"]));
});

for (const viewport of VIEWPORTS) {
  const checksAccess = viewport === VIEWPORTS[0];
  test.describe(`at ${viewport.width}×${viewport.height}`, () => {
    test.use({ viewport: { width: viewport.width, height: viewport.height } });

    test("signed out: landing, sign-in, not allowed and not-found pages have no axe violations", async ({ page }) => {
      await checkPages(page, [
        { path: "/", testId: "landing" },
        { path: "/login" },
        { path: "/forbidden?need=admin", testId: "forbidden" },
        { path: "/no-such-page", status: 404, testId: "not-found" },
      ]);
      await expect(page.getByTestId("not-found").getByRole("link").first()).toBeVisible();
      expect((await page.request.get("/icon.svg")).status()).toBe(200);
      await expect(page.locator('head link[rel="icon"]')).toHaveCount(1);
      // Every other page sends a visitor to sign in first.
      if (!checksAccess) return;
      for (const path of ["/annotate", "/annotate/mine", "/datasets", "/runs/new", "/admin"]) {
        await page.goto(path);
        await expect(page, path).toHaveURL(/\/login\?callbackUrl=/);
      }
    });

    test("annotator: editing a pairwise annotation, and the ranking board mid-drag, have no axe violations", async ({
      page,
    }) => {
      const user = createTestUser("annotator", "a11y-drag");
      await login(page, user);
      const pairwise = addDataset("a11y-mine-pairwise", { prompts: 1, responses: 3, mode: "pairwise" });
      const prompt = pairwise.prompts[0]!;
      const annotationId = insertAnnotation(
        prompt.id,
        user.id,
        prompt.responses.map((id) => [id]),
      );
      await checkPages(page, [{ path: `/annotate/mine/${annotationId}`, testId: "pairwise-board" }]);

      // Mid-drag by keyboard, as dnd-kit offers it: space lifts the card, the arrows carry it.
      const ranking = addDataset("a11y-drag", { prompts: 1, responses: 4 });
      await page.goto(`/annotate?dataset=${ranking.slug}`);
      await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
      const handle = page.getByTestId("drag-handle").first();
      await handle.focus();
      await page.keyboard.press("Space");
      await expect(handle).toHaveAttribute("aria-pressed", "true");
      // dnd-kit's keyboard sensor starts listening for the arrows in a zero-delay timer after the
      // lift. A starved renderer runs input before timers, so an arrow sent at once could reach the
      // page instead (a 40 px scroll, the card still over place 1); timers run in the order they
      // were set, so once this one has run the sensor hears the next key.
      await page.evaluate(() => new Promise((listening) => setTimeout(listening)));
      await page.keyboard.press("ArrowDown");
      await expect(page.getByText(/is over place 2\./)).toBeAttached();
      await expectNoAxeViolations(page, "/annotate with a card lifted and moved by keyboard");
      await page.keyboard.press("Escape");
      await expect(handle).not.toHaveAttribute("aria-pressed", "true");
    });

    for (const role of ["annotator", "researcher", "admin"] as const) {
      test(`${role}: every page within reach has no axe violations; the rest say "not allowed"`, async ({ page }) => {
        const user = createTestUser(role, `a11y-${role}`);
        await login(page, user);
        const w = await sharedWorld();
        const mine = await annotatorWork(page, user, w);
        const pages = pagesOf(w, mine);
        // An annotator meets the run only as a page it may not see.
        if (role !== "annotator") await runTrained(w);
        await checkPages(page, [
          ...pages.filter((p) => RANK[p.need] === RANK[role] || (RANK[p.need] < RANK[role] && p.everyRole)),
          { path: "/no-such-page", status: 404, testId: "not-found" },
        ]);
        const above = pages.filter((p) => RANK[p.need] > RANK[role]);
        for (const { path } of checksAccess ? above : above.slice(0, 1)) {
          await page.goto(path);
          await expect(page.getByTestId("forbidden"), path).toBeVisible();
        }
        if (RANK[role] < RANK.admin) await expectNoAxeViolations(page, "the not-allowed page");
        if (role === "annotator") {
          await checkBoardDialogs(page, w.reviewed.slug);
          return;
        }
        // The error page: a run whose stored settings cannot be read, for as long as it takes to look.
        const [{ config }] = query<{ config: string }>("select config from training_runs where id = ?", w.runId) as [
          { config: string },
        ];
        execute("update training_runs set config = '{not json' where id = ?", w.runId);
        try {
          expect((await page.goto(`/runs/${w.runId}`))?.status()).toBe(500);
          await expect(page.getByTestId("error-page")).toBeVisible();
          await expect(page.getByTestId("error-page").getByRole("link", { name: "Back to your work" })).toBeVisible();
          await expectNoAxeViolations(page, "the error page");
        } finally {
          execute("update training_runs set config = ? where id = ?", config, w.runId);
        }

        if (role !== "admin") return;
        // Disabling asks first; cancelling leaves the account as it was.
        const victim = createTestUser("annotator", "to-disable");
        await page.goto("/admin");
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
    }
  });
}
