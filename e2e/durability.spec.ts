import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { test, expect, request as playwrightRequest } from "@playwright/test";
import { createTestUser, e2eDatabasePath, openTestDb } from "./fixtures";

const PORT = Number(process.env.E2E_PORT ?? 3123) + 50;
const BASE = `http://127.0.0.1:${PORT}`;

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not come up`);
}

test("an acknowledged annotation survives kill -9 of the server right after the response", async () => {
  // A second real server on the same SQLite file, started directly so its real PID can be killed.
  const server = spawn(path.join("node_modules", ".bin", "next"), ["start", "-p", String(PORT)], {
    env: { ...process.env, DATABASE_PATH: e2eDatabasePath(), NEXTAUTH_URL: BASE, NODE_ENV: "production" },
    stdio: "ignore",
  });
  try {
    await waitUntilServing(`${BASE}/login`, server);
    const annotator = createTestUser("annotator", "durable");
    const api = await playwrightRequest.newContext({ baseURL: BASE });
    const { csrfToken } = (await (await api.get("/api/auth/csrf")).json()) as { csrfToken: string };
    await api.post("/api/auth/callback/credentials", {
      form: { email: annotator.email, password: annotator.password, csrfToken, json: "true" },
      headers: { "X-Auth-Return-Redirect": "1" },
    });

    const next = await api.post("/api/queue/next?dataset=demo");
    expect(next.status()).toBe(200);
    const body = (await next.json()) as { prompt: { id: number }; responses: { id: number }[] };
    const prompt = body.prompt;
    const ranking = body.responses.map((r) => [r.id]).reverse();

    const saved = await api.post("/api/annotations", {
      data: { promptId: prompt.id, ranking, openness: 0.75, durationMs: 1234 },
    });
    expect(saved.status()).toBeLessThan(300);
    server.kill("SIGKILL");
    await new Promise((r) => server.once("exit", r));

    const db = openTestDb();
    try {
      const row = db
        .prepare("select ranking, openness from annotations where prompt_id = ? and annotator_id = ?")
        .get(prompt.id, annotator.id) as { ranking: string; openness: number } | undefined;
      expect(row).toBeDefined();
      expect(JSON.parse(row!.ranking)).toEqual(ranking);
      expect(row!.openness).toBe(0.75);
    } finally {
      db.close();
    }
    await api.dispose();
  } finally {
    if (server.exitCode === null) server.kill("SIGKILL");
  }
});
