import path from "node:path";
import { type Browser, type Page } from "@playwright/test";
import {
  test,
  expect,
  createTestUser,
  insertAnnotation,
  login,
  openTestDb,
  query,
  seedDataset,
  type TestUser,
} from "./fixtures";

/** Screenshots to look at by hand land next to the test database (E2E_DATA_DIR). */
const shots = (name: string) => path.join("test-results", "review-shots", `${name}.png`);

// Each flow signs in two or three people in their own browser contexts and takes full-page
// screenshots at two sizes: more than the default test time on a loaded machine.
test.slow();

async function signedIn(browser: Browser, user: TestUser, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await login(page, user);
  return page;
}

test("a reviewer sends an annotation back, the annotator fixes it first, the reviewer accepts; every decision is kept", async ({
  browser,
}) => {
  const { slug, prompts } = seedDataset({ prompts: 2, responses: 3 });
  const annotator = createTestUser("annotator", "ann");
  const reviewer = createTestUser("researcher", "rev");
  const [a, b, c] = prompts[0]!.responses as [number, number, number];
  const annotationId = insertAnnotation(prompts[0]!.id, annotator.id, [[a], [b], [c]], "first try");
  insertAnnotation(prompts[0]!.id, reviewer.id, [[c], [b], [a]]);

  const rev = await signedIn(browser, reviewer);
  await rev.goto(`/datasets/${slug}/prompts/${prompts[0]!.id}`);
  const item = rev.locator(`[data-testid="review-item"][data-annotation-id="${annotationId}"]`);
  await expect(item.getByTestId("review-state")).toHaveText("waiting for review");
  // Their own annotation has no form: someone else reviews it.
  await expect(rev.getByText("Your own annotation: another researcher reviews it.")).toBeVisible();

  // Sending back without a word is refused, and nothing is written.
  await item.getByTestId("review-send-back").click();
  await expect(item.getByTestId("review-error")).toContainText("Say what the annotator should change");
  expect(query("select * from annotation_reviews where annotation_id = ?", annotationId)).toHaveLength(0);

  await item.getByTestId("review-comment").fill("C answers the question; A does not. Please look again.");
  await item.getByTestId("review-send-back").click();
  await expect(item.getByTestId("review-state")).toHaveText("sent back");
  await rev.screenshot({ path: shots("prompt-review-desktop"), fullPage: true });

  // The annotator's queue opens on the sent-back work, with the comment, before any new prompt.
  const ann = await signedIn(browser, annotator);
  await ann.goto(`/annotate?dataset=${slug}`);
  await expect(ann.getByTestId("sent-back-banner")).toBeVisible();
  await expect(ann.getByTestId("sent-back-comment")).toHaveText(
    "“C answers the question; A does not. Please look again.”",
  );
  await expect(ann.getByTestId("ranking-board")).toHaveAttribute("data-prompt-id", String(prompts[0]!.id));
  await expect(ann.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
  // Redoing sent-back work takes no lease on a new prompt of this dataset.
  expect(
    query(
      "select * from assignments where annotator_id = ? and prompt_id in (?, ?)",
      annotator.id,
      prompts[0]!.id,
      prompts[1]!.id,
    ),
  ).toHaveLength(0);
  await ann.screenshot({ path: shots("sent-back-desktop"), fullPage: true });
  await ann.getByTestId("comment").fill("moved C up");
  await ann.getByTestId("submit-annotation").click();
  await expect(ann.getByTestId("sent-back-banner")).toHaveCount(0);
  await expect(ann.getByTestId("ranking-board")).toHaveAttribute("data-prompt-id", String(prompts[1]!.id));
  expect(query("select * from annotation_revisions where annotation_id = ?", annotationId)).toHaveLength(1);

  // The resubmitted version waits for review again; the old decision stays, marked as history.
  await rev.reload();
  await expect(item.getByTestId("review-state")).toHaveText("waiting for review");
  await expect(item.getByTestId("review-history-entry")).toHaveCount(1);
  await expect(item.getByTestId("review-history-entry")).toContainText("(an earlier version)");
  await item.getByTestId("review-accept").click();
  await expect(item.getByTestId("review-state")).toHaveText("accepted");
  expect(
    query<{ decision: string; reviewer_id: number }>(
      "select decision, reviewer_id from annotation_reviews where annotation_id = ? order by id",
      annotationId,
    ),
  ).toEqual([
    { decision: "send_back", reviewer_id: reviewer.id },
    { decision: "accept", reviewer_id: reviewer.id },
  ]);

  // The consensus of accepted rankings only is the accepted annotation's ranking.
  await rev.getByTestId("consensus-accepted").click();
  await expect(rev).toHaveURL(/accepted=1/);
  await expect(rev.getByText("Consensus (Borda, 1 accepted)")).toBeVisible();

  // A decision about a version the annotator has since changed is refused.
  await rev.reload();
  const db = openTestDb();
  db.prepare("update annotations set updated_at = updated_at + 5 where id = ?").run(annotationId);
  db.close();
  await item.getByTestId("review-reject").click();
  await expect(item.getByTestId("review-error")).toContainText("Say why you reject it");
  await item.getByTestId("review-comment").fill("Random.");
  await item.getByTestId("review-reject").click();
  await expect(item.getByTestId("review-error")).toContainText("changed this annotation after you opened it");
  expect(query("select * from annotation_reviews where annotation_id = ?", annotationId)).toHaveLength(2);

  const phone = await signedIn(browser, reviewer, { width: 390, height: 844 });
  await phone.goto(`/datasets/${slug}/prompts/${prompts[0]!.id}`);
  await phone.screenshot({ path: shots("prompt-review-phone"), fullPage: true });
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test("searching a dataset's prompts: URL-driven filters, literal % and ', pages, past the end", async ({ browser }) => {
  const { slug, prompts } = seedDataset({
    prompts: 120,
    responses: 2,
    text: (i) => (i % 10 === 3 ? `Is 100% of it 'quoted' (${i})?` : `Plain question ${i}`),
  });
  const annotator = createTestUser("annotator", "searched");
  for (const p of prompts.slice(0, 5)) insertAnnotation(p.id, annotator.id, [[p.responses[0]!], [p.responses[1]!]]);
  const researcher = createTestUser("researcher", "searcher");
  const page = await signedIn(browser, researcher);

  await page.goto(`/datasets/${slug}`);
  await expect(page.getByTestId("search-summary")).toHaveText("1–50 of 120 prompts");
  await expect(page.getByTestId("prompt-table").locator("tbody tr")).toHaveCount(50);
  await page.getByTestId("pager-next").click();
  await expect(page).toHaveURL(/page=2/);
  // Next and Previous go on from where the page ends (a cursor), not by an OFFSET; First and Last jump.
  await expect(page).toHaveURL(/after=\d+/);
  await expect(page.getByTestId("search-summary")).toHaveText("51–100 of 120 prompts");
  await page.getByTestId("pager-last").click();
  await expect(page.getByTestId("search-summary")).toHaveText("101–120 of 120 prompts");
  await expect(page.getByTestId("pager-next")).toHaveCount(0);
  await page.getByTestId("pager-previous").click();
  await expect(page).toHaveURL(/before=\d+/);
  await expect(page.getByTestId("search-summary")).toHaveText("51–100 of 120 prompts");
  await page.getByTestId("pager-previous").click();
  await expect(page.getByTestId("search-summary")).toHaveText("1–50 of 120 prompts");
  await expect(page.getByTestId("pager-previous")).toHaveCount(0);
  await page.goto(`/datasets/${slug}?page=2&after=zzz`);
  await expect(page.getByTestId("search-summary")).toHaveText("51–100 of 120 prompts");
  await page.goto(`/datasets/${slug}?page=2`);
  await expect(page.getByTestId("search-summary")).toHaveText("51–100 of 120 prompts");

  await page.getByTestId("search-q").fill("100%");
  await page.getByTestId("search-submit").click();
  await expect(page).toHaveURL(/q=100%25/);
  await expect(page).not.toHaveURL(/page=/);
  await expect(page.getByTestId("search-summary")).toHaveText("1–12 of 12 prompts matching");
  // Too short for the trigram index: matched against the ids containing it, and the page says so.
  await page.goto(`/datasets/${slug}?q=${encodeURIComponent("%")}`);
  await expect(page.getByTestId("search-notice")).toContainText("only prompt ids containing it were matched");
  await expect(page.getByTestId("search-summary")).toHaveText("No prompt matches these filters.");
  await page.goto(`/datasets/${slug}?q=17`);
  await expect(page.getByTestId("search-summary")).toHaveText(/of 2 prompts matching/);

  await page.goto(`/datasets/${slug}?q=${encodeURIComponent("'quoted'")}`);
  await expect(page.getByTestId("search-summary")).toHaveText("1–12 of 12 prompts matching");
  await page.goto(`/datasets/${slug}?q=${encodeURIComponent("' or 1=1 --")}`);
  await expect(page.getByTestId("search-summary")).toHaveText("No prompt matches these filters.");

  // Filters combine, live in the URL, and a shared link shows the same view.
  await page.goto(`/datasets/${slug}`);
  await page.getByTestId("search-annotator").selectOption({ label: annotator.name });
  await page.getByTestId("search-review").selectOption("pending");
  await page.getByTestId("search-submit").click();
  await expect(page.getByTestId("search-summary")).toHaveText("1–5 of 5 prompts matching");
  const shared = page.url();
  const other = await signedIn(browser, researcher, { width: 390, height: 844 });
  await other.goto(shared);
  await expect(other.getByTestId("search-summary")).toHaveText("1–5 of 5 prompts matching");
  await other.screenshot({ path: shots("dataset-search-phone"), fullPage: true });
  const overflow = await other.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  // Past the end: an empty page that says so, with the real total and a way back; junk reads as no filter.
  await page.goto(`/datasets/${slug}?page=999`);
  await expect(page.getByTestId("search-summary")).toContainText("Page 999 is past the end: 120 prompts match.");
  await page.getByRole("link", { name: "Go to the last page" }).click();
  await expect(page.getByTestId("search-summary")).toHaveText("101–120 of 120 prompts");
  await page.goto(`/datasets/${slug}?page=-1&agreement=bogus&annotator=1%20or%201=1`);
  await expect(page.getByTestId("search-summary")).toHaveText("1–50 of 120 prompts");
  await page.goto(`/datasets/${slug}?flag=unannotated`);
  await expect(page.getByTestId("search-summary")).toHaveText("1–50 of 115 prompts matching");
  await page.screenshot({ path: shots("dataset-search-desktop"), fullPage: true });
});

test("pairwise mode: two responses side by side, keyboard answers build an ordinary ranking", async ({ browser }) => {
  const { slug, prompts } = seedDataset({
    prompts: 2,
    responses: 3,
    k: 1,
    mode: "pairwise",
    // Long answers: on a phone both fill more than a screen.
    responseText: (r, i) =>
      `Answer ${r} to prompt ${i}. ${"A long paragraph of the answer, line after line. ".repeat(40)}`,
  });
  const annotator = createTestUser("annotator", "pairs");
  const page = await signedIn(browser, annotator);
  await page.goto(`/annotate?dataset=${slug}`);
  const board = page.getByTestId("pairwise-board");
  await expect(board).toHaveAttribute("data-hydrated", "true");
  const promptId = Number(await board.getAttribute("data-prompt-id"));
  const prompt = prompts.find((p) => p.id === promptId)!;
  await page.screenshot({ path: shots("pairwise-desktop"), fullPage: true });
  // `?` shows the pairwise keys (not the ranking board's), and again hides them.
  await page.keyboard.press("?");
  await expect(page.getByTestId("key-map")).toContainText("The left response is better");
  await expect(page.getByTestId("key-map")).not.toContainText("Move the selected card");
  await page.keyboard.press("?");
  await expect(page.getByTestId("key-map")).toBeHidden();

  // Always prefer the response with the lowest id: the stored ranking must then be by id.
  const preferred: string[] = [];
  for (let step = 0; step < 10; step++) {
    if ((await page.getByTestId("pairwise-question").count()) === 0) break;
    const left = Number(await page.getByTestId("pairwise-left").getAttribute("data-response-id"));
    const right = Number(await page.getByTestId("pairwise-right").getAttribute("data-response-id"));
    preferred.push(left < right ? "left" : "right");
    await page.keyboard.press(left < right ? "ArrowLeft" : "ArrowRight");
  }
  expect(preferred.length).toBeGreaterThanOrEqual(2);
  expect(preferred.length).toBeLessThanOrEqual(3);
  // Undo, then answer the last question again.
  await page.keyboard.press("Backspace");
  await expect(page.getByTestId("pairwise-question")).toBeVisible();
  await page.keyboard.press(preferred.at(-1) === "left" ? "ArrowLeft" : "ArrowRight");
  await expect(page.getByTestId("pairwise-result")).toBeVisible();
  await expect(page.getByTestId("submit-annotation")).toBeDisabled();
  await page.getByTestId("openness-0.25").click();
  await page.getByTestId("submit-annotation").click();
  await expect(board).not.toHaveAttribute("data-prompt-id", String(promptId));

  const sorted = [...prompt.responses].sort((x, y) => x - y).map((id) => [id]);
  const [stored] = query<{ ranking: string; openness: number }>(
    "select ranking, openness from annotations where prompt_id = ? and annotator_id = ?",
    promptId,
    annotator.id,
  );
  expect({ ranking: JSON.parse(stored!.ranking), openness: stored!.openness }).toEqual({
    ranking: sorted,
    openness: 0.25,
  });

  // The second prompt: all ties make one group, counted as this annotator's one annotation (k = 1).
  const phone = await signedIn(browser, annotator, { width: 390, height: 844 });
  await phone.goto(`/annotate?dataset=${slug}`);
  await expect(phone.getByTestId("pairwise-board")).toHaveAttribute("data-hydrated", "true");
  await phone.screenshot({ path: shots("pairwise-phone"), fullPage: true });
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // The answers sit in the fixed bar: in view without scrolling past both responses, each comparison.
  for (let i = 0; i < 2; i++) {
    await expect(phone.getByTestId("pairwise-tie")).toBeInViewport();
    expect(await phone.evaluate(() => window.scrollY)).toBe(0);
    await phone.getByTestId("pairwise-tie").click();
  }
  await expect(phone.getByTestId("pairwise-result")).toHaveText(/1\. Response . = Response . = Response ./);
  await phone.getByTestId("openness-1").click();
  await phone.getByTestId("submit-annotation").click();
  await expect(phone.getByTestId("queue-empty")).toBeVisible();
  const other = prompts.find((p) => p.id !== promptId)!;
  const [tied] = query<{ ranking: string }>("select ranking from annotations where prompt_id = ?", other.id);
  expect((JSON.parse(tied!.ranking) as number[][]).map((g) => g.sort((x, y) => x - y))).toEqual([
    [...other.responses].sort((x, y) => x - y),
  ]);
});

test("over the JSON API a reviewer decides; My annotations shows each state and the reviewer's comment", async ({
  browser,
}) => {
  const { prompts } = seedDataset({ prompts: 4, responses: 2 });
  const annotator = createTestUser("annotator", "reviewed");
  const reviewer = createTestUser("researcher", "api-reviewer");
  const ids = prompts.map((p) => insertAnnotation(p.id, annotator.id, [[p.responses[0]!], [p.responses[1]!]]));
  const [acceptedId, rejectedId, sentBackId, untouchedId] = ids as [number, number, number, number];

  const rev = await signedIn(browser, reviewer);
  const decide = async (id: number, data: Record<string, unknown>) =>
    rev.request.post(`/api/annotations/${id}/reviews`, { data });
  const version = async (id: number) =>
    ((await (await rev.request.get(`/api/annotations/${id}/reviews`)).json()) as { version: number }).version;

  // Refused with nothing written: no comment on a send-back, a stale version, a junk decision.
  expect((await decide(sentBackId, { version: await version(sentBackId), decision: "send_back" })).status()).toBe(400);
  expect((await decide(sentBackId, { version: 1, decision: "accept" })).status()).toBe(409);
  expect((await decide(sentBackId, { version: await version(sentBackId), decision: "approve" })).status()).toBe(400);
  expect(query("select * from annotation_reviews where annotation_id in (?, ?, ?, ?)", ...ids)).toHaveLength(0);

  expect((await decide(acceptedId, { version: await version(acceptedId), decision: "accept" })).status()).toBe(201);
  const rejected = await decide(rejectedId, {
    version: await version(rejectedId),
    decision: "reject",
    comment: "Ranked at random.",
  });
  expect(rejected.status()).toBe(201);
  expect(((await rejected.json()) as { state: string }).state).toBe("rejected");
  const comment = "**Response B** answers the question; look again.";
  expect(
    (await decide(sentBackId, { version: await version(sentBackId), decision: "send_back", comment })).status(),
  ).toBe(201);
  const history = (await (await rev.request.get(`/api/annotations/${sentBackId}/reviews`)).json()) as {
    state: string;
    reviews: { decision: string; comment: string; reviewer: string }[];
  };
  expect(history).toMatchObject({
    state: "sent_back",
    reviews: [{ decision: "send_back", comment, reviewer: reviewer.name }],
  });

  // The annotator reads each state on My annotations, with the comment rendered as markdown.
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    const ann = await signedIn(browser, annotator, viewport);
    await ann.goto("/annotate/mine");
    const row = (id: number) => ann.locator(`[data-testid="my-annotation"][data-annotation-id="${id}"]`);
    await expect(row(acceptedId).getByTestId("my-review-state")).toHaveText("accepted");
    await expect(row(rejectedId).getByTestId("my-review-state")).toHaveText("rejected");
    await expect(row(rejectedId).getByTestId("my-review-comment")).toContainText("Ranked at random.");
    await expect(row(sentBackId).getByTestId("my-review-state")).toHaveText("sent back");
    await expect(row(sentBackId).getByTestId("my-review-comment")).toContainText(reviewer.name);
    await expect(row(sentBackId).getByTestId("my-review-comment").locator("strong")).toHaveText("Response B");
    await expect(row(untouchedId).getByTestId("my-review-state")).toHaveText("waiting for review");
    await expect(row(acceptedId).getByTestId("my-review-comment")).toHaveCount(0);
    await ann.screenshot({ path: shots(`mine-reviewed-${viewport.width}`), fullPage: true });
    const overflow = await ann.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await ann.context().close();
  }

  // Once the annotator changes the sent-back annotation, the decision is about an earlier version:
  // it waits for review again and the old comment is no longer shown as the current state.
  const ann = await signedIn(browser, annotator);
  const p = prompts[2]!;
  const edited = await ann.request.put(`/api/annotations/${sentBackId}`, {
    data: { ranking: [[p.responses[1]!], [p.responses[0]!]], openness: 0.5 },
  });
  expect(edited.status()).toBe(200);
  await ann.goto("/annotate/mine");
  const row = ann.locator(`[data-testid="my-annotation"][data-annotation-id="${sentBackId}"]`);
  await expect(row.getByTestId("my-review-state")).toHaveText("waiting for review");
  await expect(row.getByTestId("my-review-comment")).toHaveCount(0);
  expect(
    ((await (await rev.request.get(`/api/annotations/${sentBackId}/reviews`)).json()) as { state: string }).state,
  ).toBe("pending");
});
