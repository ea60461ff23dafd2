import { test, expect, createTestUser, e2eBaseURL, login, loginThroughForm, signIn } from "./fixtures";

test("demo researcher signs in and lands on datasets; wrong password is refused", async ({ page }) => {
  // Signed out, / says what Octorank is and leads to sign-in.
  await page.goto("/");
  await expect(page.getByTestId("landing")).toContainText("reward");
  await page.getByTestId("landing-sign-in").click();
  await expect(page).toHaveURL(/\/login/);
  // A demo account fills the form with one click.
  await page.getByTestId("demo-fill-researcher").click();
  await expect(page.getByLabel("Email")).toHaveValue("researcher@octorank.dev");
  await expect(page.getByLabel("Password")).toHaveValue("demo-researcher");
  await page.getByLabel("Email").fill("researcher@octorank.dev");
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("login-error")).toContainText("don't match");

  await loginThroughForm(page, { email: "researcher@octorank.dev", password: "demo-researcher" });
  await expect(page.getByTestId("whoami")).toContainText("researcher");
});

test("repeated failed sign-ins for one email are throttled with 429", async ({ request }) => {
  const user = createTestUser("annotator", "throttled");
  const attempt = (password: string) => signIn(request, { email: user.email, password });
  for (let i = 0; i < 5; i++) expect((await attempt("nope-nope")).status()).not.toBe(429);
  const blocked = await attempt(user.password);
  expect(blocked.status()).toBe(429);
  expect(blocked.headers()["retry-after"]).toBeTruthy();
});

test("an annotator is kept out of researcher and admin pages", async ({ page }) => {
  const annotator = createTestUser("annotator");
  await login(page, annotator);
  for (const path of ["/datasets", "/runs", "/admin"]) {
    await page.goto(path);
    await expect(page.getByTestId("forbidden")).toBeVisible();
  }
});

test("after sign-in the callback goes only to a path on this site", async ({ page }) => {
  const annotator = createTestUser("annotator");
  // Browsers read "/\evil.example" as "//evil.example", another host.
  await loginThroughForm(page, annotator, "/\\evil.example/phish");
  // The home page sends an annotator on to their queue.
  await expect(page).toHaveURL(new URL("/annotate", e2eBaseURL()).href);
});

test("a state-changing API request from another site is refused before it reaches a handler", async ({ page }) => {
  const annotator = createTestUser("annotator", "csrf");
  await login(page, annotator);
  const forged = await page.request.post("/api/queue/skip", {
    headers: { Origin: "http://evil.example", "Content-Type": "application/json" },
    data: { promptId: 1 },
  });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain("Cross-site");
  const sameSite = await page.request.post("/api/queue/skip", {
    headers: { Origin: new URL(e2eBaseURL()).origin, "Content-Type": "application/json" },
    data: { promptId: 1 },
  });
  expect(sameSite.status()).not.toBe(403);
});
