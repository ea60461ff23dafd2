import path from "node:path";
import { spawn } from "node:child_process";
import { request as playwrightRequest } from "@playwright/test";
import { test, expect, createTestUser, e2eDatabasePath, openTestDb, sparePort, waitUntilServing } from "./fixtures";

test("an acknowledged annotation survives kill -9 of the server right after the response", async () => {
  const PORT = sparePort(2);
  const BASE = `http://127.0.0.1:${PORT}`;
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
