import path from "node:path";
import crypto from "node:crypto";
import Database from "better-sqlite3";
import { expect, type Page } from "@playwright/test";
import { hashPassword } from "../lib/auth/password";
import type { Role } from "../db/schema";

/** The same SQLite file the server under test uses (see playwright.config.ts). */
export function e2eDatabasePath(): string {
  const dir = process.env.E2E_DATA_DIR;
  if (!dir) throw new Error("E2E_DATA_DIR is not set: run the suite with `npm run test:e2e`.");
  return path.join(dir, "octorank.db");
}

export function openTestDb(): Database.Database {
  const db = new Database(e2eDatabasePath());
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  return db;
}

export type TestUser = { id: number; email: string; password: string; role: Role; name: string };

/** A fresh account per test, so specs don't depend on each other's work. */
export function createTestUser(role: Role, label: string = role): TestUser {
  const email = `${label}-${crypto.randomBytes(4).toString("hex")}@e2e.test`;
  const password = "e2e-password-123";
  const name = `E2E ${label}`;
  const db = openTestDb();
  try {
    const row = db
      .prepare("insert into users (email, name, password_hash, role) values (?, ?, ?, ?) returning id")
      .get(email, name, hashPassword(password), role) as { id: number };
    return { id: row.id, email, password, role, name };
  } finally {
    db.close();
  }
}

/** An API token of `user`, stored as the admin page stores one (a revoked one is no identity). */
export function createApiToken(user: Pick<TestUser, "id">, { revoked = false } = {}): string {
  const token = `ork_${crypto.randomBytes(24).toString("base64url")}`;
  const db = openTestDb();
  try {
    db.prepare("insert into api_tokens (user_id, name, token_hash, prefix, revoked_at) values (?, ?, ?, ?, ?)").run(
      user.id,
      "e2e",
      crypto.createHash("sha256").update(token).digest("hex"),
      token.slice(0, 8),
      revoked ? Date.now() : null,
    );
  } finally {
    db.close();
  }
  return token;
}

export async function login(page: Page, user: Pick<TestUser, "email" | "password">, callbackPath = "/"): Promise<void> {
  await page.goto(`/login?callbackUrl=${encodeURIComponent(callbackPath)}`);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("whoami")).toBeVisible();
}

export type SeededDataset = { datasetId: number; slug: string; prompts: { id: number; responses: number[] }[] };

/** A dataset written straight into the server's database (triggers fill prompt_stats as for any writer). */
export function seedDataset({
  prompts,
  responses,
  k = 3,
  mode = "ranking",
  label = "seed",
  guidelines = "",
  text = (i) => `Prompt ${i}`,
  responseText = (r, i) => `Answer ${r} to prompt ${i}`,
}: {
  prompts: number;
  responses: number;
  k?: number;
  mode?: "ranking" | "pairwise";
  /** The slug's prefix and the name's, for telling test datasets apart on a page. */
  label?: string;
  guidelines?: string;
  text?: (prompt: number) => string;
  responseText?: (response: number, prompt: number) => string;
}): SeededDataset {
  const db = openTestDb();
  try {
    const slug = `${label}-${crypto.randomBytes(3).toString("hex")}`;
    const datasetId = (
      db
        .prepare(
          "insert into datasets (slug, name, guidelines, responses_per_prompt, annotations_per_prompt, ranking_mode) values (?, ?, ?, ?, ?, ?) returning id",
        )
        .get(slug, `Dataset ${slug}`, guidelines, responses, k, mode) as { id: number }
    ).id;
    const insertPrompt = db.prepare(
      "insert into prompts (dataset_id, external_id, text) values (?, ?, ?) returning id",
    );
    const insertResponse = db.prepare(
      "insert into responses (prompt_id, position, external_id, text) values (?, ?, ?, ?) returning id",
    );
    const seeded = db.transaction(() =>
      Array.from({ length: prompts }, (_, i) => {
        const id = (insertPrompt.get(datasetId, `q${i}`, text(i)) as { id: number }).id;
        const ids = Array.from(
          { length: responses },
          (_, r) => (insertResponse.get(id, r, `r${r}`, responseText(r, i)) as { id: number }).id,
        );
        return { id, responses: ids };
      }),
    )();
    return { datasetId, slug, prompts: seeded };
  } finally {
    db.close();
  }
}

/** An annotation written straight into the database, as an import would; returns its id. */
export function insertAnnotation(
  promptId: number,
  annotatorId: number,
  ranking: number[][],
  comment: string | null = null,
): number {
  const db = openTestDb();
  try {
    return (
      db
        .prepare(
          "insert into annotations (prompt_id, annotator_id, ranking, openness, comment) values (?, ?, ?, 0.5, ?) returning id",
        )
        .get(promptId, annotatorId, JSON.stringify(ranking), comment) as { id: number }
    ).id;
  } finally {
    db.close();
  }
}

/** Rows of one SQL query against the server's database. */
export function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = openTestDb();
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}
