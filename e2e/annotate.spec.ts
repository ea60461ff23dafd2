import { type Page } from "@playwright/test";
import { test, expect, createTestUser, login, openTestDb, seedDataset } from "./fixtures";

/** The ranking as the page shows it: groups of response ids, built from the cards' shared rank numbers. */
async function rankingOnPage(page: Page): Promise<number[][]> {
  const cards = await page.getByTestId("response-card").evaluateAll((els) =>
    els.map((el) => ({
      id: Number(el.getAttribute("data-response-id")),
      rank: Number(el.getAttribute("data-rank")),
    })),
  );
  const groups: number[][] = [];
  for (const card of cards) {
    if (groups.length === card.rank) groups.at(-1)!.push(card.id);
    else groups.push([card.id]);
  }
  return groups;
}

async function currentPromptId(page: Page): Promise<number> {
  await expect(page.getByTestId("response-card")).toHaveCount(8);
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
  return Number(await page.getByTestId("ranking-board").getAttribute("data-prompt-id"));
}

function storedAnnotation(promptId: number, annotatorId: number) {
  const db = openTestDb();
  try {
    const row = db
      .prepare(
        "select ranking, openness, not_rankable, duration_ms from annotations where prompt_id = ? and annotator_id = ?",
      )
      .get(promptId, annotatorId) as
      { ranking: string; openness: number; not_rankable: number; duration_ms: number } | undefined;
    return row && { ...row, ranking: JSON.parse(row.ranking) as number[][] };
  } finally {
    db.close();
  }
}

/** Drags a card by its handle onto another card's place with real mouse moves (in steps, as a hand would). */
async function dragCard(page: Page, fromIndex: number, toIndex: number) {
  const handle = page.getByTestId("drag-handle").nth(fromIndex);
  await handle.scrollIntoViewIfNeeded();
  const from = (await handle.boundingBox())!;
  const target = (await page.getByTestId("response-card").nth(toIndex).boundingBox())!;
  const startX = from.x + from.width / 2;
  const startY = from.y + from.height / 2;
  // Aim past the target's middle so closestCenter picks it over its neighbour.
  const endY = target.y + target.height / 2 + (toIndex > fromIndex ? 10 : -10);
  await page.mouse.move(startX, startY);
  await page.mouse.down();
  await page.mouse.move(startX, startY + (toIndex > fromIndex ? 12 : -12), { steps: 4 });
  await page.mouse.move(startX, endY, { steps: 20 });
  await page.mouse.move(startX, endY + 1, { steps: 2 });
  await page.mouse.up();
  // dnd-kit swallows clicks for 50 ms after a drop (so the drop itself is not a click); a person
  // never clicks that fast, a test does.
  await page.waitForTimeout(120);
}

test("an annotator ranks one prompt by drag and drop and another by keyboard alone, with a tie", async ({ page }) => {
  const annotator = createTestUser("annotator");
  await login(page, annotator);
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto("/annotate");

  // Prompt 1: drag and drop with the mouse.
  const first = await currentPromptId(page);
  const shown = (await rankingOnPage(page)).flat();
  await dragCard(page, 7, 0);
  await expect.poll(async () => (await rankingOnPage(page)).flat()[0]).toBe(shown[7]);
  await dragCard(page, 1, 5);
  const afterDrags = (await rankingOnPage(page)).flat();
  expect(afterDrags).not.toEqual([shown[7], ...shown.slice(0, 7)]);
  expect([...afterDrags].sort()).toEqual([...shown].sort());

  await expect(page.getByTestId("submit-status")).toContainText("openness");
  await page.getByTestId("openness-0.25").click();
  const dragged = await rankingOnPage(page);
  expect(dragged).toHaveLength(8);
  await page.getByTestId("submit-annotation").click();
  await expect(page.getByTestId("saved-banner")).toBeVisible();

  const stored = storedAnnotation(first, annotator.id);
  expect(stored?.ranking).toEqual(dragged);
  expect(stored?.openness).toBe(0.25);
  expect(stored?.duration_ms).toBeGreaterThan(0);

  // Prompt 2: keyboard only.
  const second = await currentPromptId(page);
  expect(second).not.toBe(first);
  const before = (await rankingOnPage(page)).flat();
  await page.keyboard.press("8"); // select the last card
  for (let i = 0; i < 7; i++) await page.keyboard.press("k"); // … and move it to the top
  await expect(page.getByTestId("announcer")).toContainText("rank 1 of 8");
  await page.keyboard.press("4");
  await page.keyboard.press("ArrowUp");
  await page.keyboard.press("3");
  await page.keyboard.press("t"); // tie the card in third place with the one above
  await page.keyboard.press("Shift+Digit5");
  await expect(page.getByTestId("openness-1").locator("input")).toBeChecked();
  await expect(page.getByTestId("tied-badge")).toHaveCount(2);

  const keyed = await rankingOnPage(page);
  expect(keyed).toHaveLength(7);
  expect(keyed[0]).toEqual([before[7]]);
  expect(keyed[1]).toEqual([before[0], before[2]]);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("ranking-board")).not.toHaveAttribute("data-prompt-id", String(second));

  const storedKeyed = storedAnnotation(second, annotator.id);
  expect(storedKeyed?.ranking).toEqual(keyed);
  expect(storedKeyed?.openness).toBe(1);
});

test("an expanded long response is dragged like any card, and stays expanded after the drop", async ({ page }) => {
  const { slug } = seedDataset({
    prompts: 1,
    responses: 4,
    label: "long",
    responseText: (r) => `Answer ${r}. ${"A long answer, paragraph after paragraph.\n\n".repeat(r === 0 ? 80 : 1)}`,
  });
  const annotator = createTestUser("annotator", "long-dragger");
  await login(page, annotator);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`/annotate?dataset=${slug}`);
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
  const cards = page.getByTestId("response-card");
  // Every response has the paragraph once; only "Answer 0." has it 80 times.
  const longIndex = await cards.evaluateAll((els) => els.findIndex((el) => el.textContent!.includes("Answer 0.")));
  const longCard = cards.nth(longIndex);
  const longId = Number(await longCard.getAttribute("data-response-id"));
  await longCard.getByTestId("expand-response").click();
  await expect(longCard.getByTestId("expand-response")).toHaveAttribute("aria-expanded", "true");
  // Taller than the screen once expanded.
  expect((await longCard.boundingBox())!.height).toBeGreaterThan(800);

  const target = longIndex === 3 ? 0 : 3;
  await dragCard(page, longIndex, target);
  await expect.poll(async () => (await rankingOnPage(page)).flat().indexOf(longId)).toBe(target);
  await expect(page.locator(`[data-response-id="${longId}"]`).getByTestId("expand-response")).toHaveAttribute(
    "aria-expanded",
    "true",
  );
});

test("bad submissions are refused with 4xx and change nothing", async ({ page, request }) => {
  const annotator = createTestUser("annotator");
  await login(page, annotator);
  const next = await (await page.request.post("/api/queue/next?dataset=demo")).json();
  expect(next.status).toBe("prompt");
  const promptId: number = next.prompt.id;
  const ids: number[] = next.responses.map((r: { id: number }) => r.id);
  expect(ids).toHaveLength(8);

  const db = openTestDb();
  const count = () =>
    (
      db
        .prepare("select (select count(*) from annotations) + (select count(*) from annotation_revisions) as n")
        .get() as { n: number }
    ).n;
  const foreign = (db.prepare("select id from responses where prompt_id != ? limit 1").get(promptId) as { id: number })
    .id;
  try {
    const before = count();
    const valid = { promptId, ranking: ids.map((id) => [id]), openness: 0.5, notRankable: false, durationMs: 1000 };
    const cases: [string, object, RegExp][] = [
      ["missing response", { ...valid, ranking: ids.slice(1).map((id) => [id]) }, /Missing: \d+/],
      ["duplicated id", { ...valid, ranking: [...ids.map((id) => [id]), [ids[2]]] }, /more than once/],
      ["id of another prompt", { ...valid, ranking: [...ids.slice(1).map((id) => [id]), [foreign]] }, /another prompt/],
      ["openness off the scale", { ...valid, openness: 0.3 }, /Openness must be one of/],
      ["no openness", { ...valid, openness: null }, /openness/i],
    ];
    for (const [name, body, message] of cases) {
      const response = await page.request.post("/api/annotations", { data: body });
      expect(response.status(), name).toBe(400);
      expect((await response.json()).error, name).toMatch(message);
    }
    // What another site's form could send with the session cookie: JSON spelled as text/plain.
    const formLike = await page.request.post("/api/annotations", {
      data: JSON.stringify(valid),
      headers: { "Content-Type": "text/plain" },
    });
    expect(formLike.status()).toBe(415);
    const anonymous = await request.post("/api/annotations", { data: valid });
    expect(anonymous.status()).toBe(401);
    expect((await request.post("/api/queue/next")).status()).toBe(401);
    expect(count()).toBe(before);
    expect(db.prepare("select count(*) as n from annotations where annotator_id = ?").get(annotator.id)).toEqual({
      n: 0,
    });

    // The same body with a valid ranking goes through, so the cases above failed for their reason.
    expect((await page.request.post("/api/annotations", { data: valid })).status()).toBe(201);
    expect(count()).toBe(before + 1);
  } finally {
    db.close();
  }
});

test("an annotator's history comes in pages, newest first, through the API and My annotations", async ({ page }) => {
  const annotator = createTestUser("annotator");
  await login(page, annotator);
  const saved: number[] = [];
  for (let i = 0; i < 3; i++) {
    const next = await (await page.request.post("/api/queue/next")).json();
    const ranking = next.responses.map((r: { id: number }) => [r.id]);
    const created = await page.request.post("/api/annotations", {
      data: { promptId: next.prompt.id, ranking, openness: 0.5, notRankable: false },
    });
    expect(created.status()).toBe(201);
    saved.push((await created.json()).annotation.id);
  }
  const seen: number[] = [];
  let url = "/api/annotations?limit=2";
  for (;;) {
    const response = await page.request.get(url);
    expect(response.status()).toBe(200);
    const body = await response.json();
    expect(body.total).toBe(3);
    seen.push(...body.annotations.map((a: { id: number }) => a.id));
    if (!body.next) break;
    url = `/api/annotations?limit=2&after=${body.next}`;
  }
  expect(seen).toEqual(saved.slice().reverse());
  for (const bad of ["limit=0", "limit=abc", "after=12", "limit=5000"]) {
    expect((await page.request.get(`/api/annotations?${bad}`)).status(), bad).toBe(400);
  }
  // A hand-edited cursor on the page starts over at the newest rather than failing.
  await page.goto("/annotate/mine?after=junk");
  await expect(page.getByTestId("my-annotation")).toHaveCount(3);
  await expect(page.getByTestId("mine-older")).toHaveCount(0);
});

test("an annotator reopens an earlier annotation, edits it, and the old version is kept", async ({ page }) => {
  const annotator = createTestUser("annotator");
  await login(page, annotator, "/annotate/mine");
  await expect(page.getByTestId("mine-empty")).toBeVisible();
  const next = await (await page.request.post("/api/queue/next")).json();
  const ids: number[] = next.responses.map((r: { id: number }) => r.id);
  const original = ids.map((id) => [id]);
  const created = await page.request.post("/api/annotations", {
    data: { promptId: next.prompt.id, ranking: original, openness: 0, notRankable: false, comment: "first pass" },
  });
  expect(created.status()).toBe(201);
  const annotationId: number = (await created.json()).annotation.id;

  await page.goto("/annotate/mine");
  await page.getByTestId("reopen").first().click();
  // Cancel leaves without saving, and says nothing about saving.
  await expect(page.getByTestId("ranking-board")).toHaveAttribute("data-hydrated", "true");
  await page.getByTestId("cancel-edit").click();
  await expect(page).toHaveURL(/\/annotate\/mine$/);
  await expect(page.getByTestId("saved-banner")).toHaveCount(0);
  await page.getByTestId("reopen").first().click();
  await expect(page.getByTestId("openness-0").locator("input")).toBeChecked();
  await expect(page.getByTestId("comment")).toHaveValue("first pass");
  expect((await rankingOnPage(page)).flat()).toEqual(ids);
  await page
    .getByTestId("response-card")
    .nth(1)
    .getByRole("button", { name: /Tie response/ })
    .click();
  await page.getByTestId("openness-0.5").click();
  const edited = await rankingOnPage(page);
  await page.keyboard.press("Enter"); // focus is on the openness radio just clicked: Enter still submits
  await expect(page.getByTestId("edit-count")).toHaveText("edited 1×");

  const db = openTestDb();
  try {
    const row = db.prepare("select ranking, openness from annotations where id = ?").get(annotationId) as {
      ranking: string;
      openness: number;
    };
    expect(JSON.parse(row.ranking)).toEqual(edited);
    expect(edited[0]).toHaveLength(2);
    expect(row.openness).toBe(0.5);
    const revisions = db
      .prepare("select ranking, openness, comment from annotation_revisions where annotation_id = ?")
      .all(annotationId) as {
      ranking: string;
      openness: number;
      comment: string;
    }[];
    expect(revisions).toHaveLength(1);
    expect(JSON.parse(revisions[0]!.ranking)).toEqual(original);
    expect(revisions[0]).toMatchObject({ openness: 0, comment: "first pass" });
  } finally {
    db.close();
  }

  // Someone else cannot open it.
  const other = createTestUser("annotator", "other");
  await page.context().clearCookies();
  await login(page, other);
  const response = await page.goto(`/annotate/mine/${annotationId}`);
  expect(response?.status()).toBe(404);
  expect(
    (await page.request.put(`/api/annotations/${annotationId}`, { data: { ranking: original, openness: 0 } })).status(),
  ).toBe(404);
});

test("the dataset's guidelines open above the prompt as formatted text", async ({ page }) => {
  const annotator = createTestUser("annotator", "reader");
  await login(page, annotator, "/annotate");
  const guidelines = page.getByTestId("guidelines");
  await guidelines.locator("summary").click();
  // The demo guidelines are markdown with a table of the openness scale: it arrives as a table.
  await expect(guidelines.locator("table")).toBeVisible();
  await expect(guidelines.locator("th").first()).toBeVisible();
  await expect(guidelines).not.toContainText("|---");
});

test("an annotator is kept out of datasets and the export", async ({ page }) => {
  const annotator = createTestUser("annotator");
  await login(page, annotator);
  await page.goto("/datasets");
  await expect(page.getByTestId("forbidden")).toBeVisible();
  const exported = await page.request.get("/api/datasets/demo/export?format=annotations");
  expect([401, 403]).toContain(exported.status());
});

test("/annotate fits a desktop and a phone screen without sideways scrolling", async ({ browser }, testInfo) => {
  const annotator = createTestUser("annotator", "shots");
  const signIn = await browser.newContext();
  await login(await signIn.newPage(), annotator);
  const storageState = await signIn.storageState();
  await signIn.close();
  for (const [name, options] of [
    ["desktop", { viewport: { width: 1280, height: 800 } }],
    ["phone", { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }],
  ] as const) {
    const context = await browser.newContext({ ...options, storageState });
    const page = await context.newPage();
    await page.goto("/annotate");
    await currentPromptId(page);
    if (name === "desktop") {
      await page.keyboard.press("3");
      await page.keyboard.press("t");
      await page.keyboard.press("Shift+Digit4");
      await expect(page.getByTestId("submit-status")).toContainText("Ready");
    }
    const width = options.viewport.width;
    expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(width);
    for (const box of await page
      .getByTestId("response-card")
      .evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON()))) {
      expect(box.right, `${name}: a response card sticks out of the screen`).toBeLessThanOrEqual(width);
    }
    await expect(page.getByTestId("submit-annotation")).toBeInViewport();
    // Kept with the test's output, for a person to look at.
    await page.screenshot({ path: testInfo.outputPath(`annotate-${name}.png`), fullPage: true });
    await context.close();
  }
});
