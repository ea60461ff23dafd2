import { beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createApiToken } from "@/lib/admin/queries";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/http/ids";
import { route } from "@/lib/http/route";
import { MAX_FAILURES_PER_ADDRESS } from "@/lib/auth/login-throttle";
import { freshDbPerTest, seedUser, serveTestStore } from "@/lib/test-fixtures";

let researcher: string;
let annotator: string;

const fresh = freshDbPerTest();
serveTestStore(fresh);
beforeEach(async () => {
  const token = async (userId: number) => (await createApiToken(fresh.store, { userId, name: "t" })).token;
  researcher = await token(await seedUser(fresh.side, "rita", "researcher"));
  annotator = await token(await seedUser(fresh.side, "ann", "annotator"));
});

const call = (
  handler: ReturnType<typeof route>,
  { token = researcher, id = "7", body }: { token?: string | null; id?: string; body?: string } = {},
) =>
  handler(
    new Request("http://octorank.test/api/things/x", {
      method: body === undefined ? "GET" : "POST",
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), "Content-Type": "application/json" },
      body,
    }),
    { params: Promise.resolve({ id }) },
  );

const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

describe("route", () => {
  const echo = route(
    { access: "researcher", params: idParams("thing"), body: z.object({ n: z.number() }) },
    ({ user, params, body }) => ({ user: user.email, id: params.id, n: body.n }),
  );

  it("passes the token's user, the parsed params and the parsed body, and answers JSON", async () => {
    const response = await call(echo, { body: '{"n":2}' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: "rita@test.local", id: 7, n: 2 });
  });

  it("refuses a cross-site write before anything else, unless a token authenticates it", async () => {
    const forged = (headers: Record<string, string>) =>
      echo(
        new Request("http://octorank.test/api/things/x", {
          method: "POST",
          headers: { "Content-Type": "application/json", Origin: "http://evil.example", ...headers },
          body: '{"n":1}',
        }),
        { params: Promise.resolve({ id: "7" }) },
      );
    const refused = await forged({});
    expect(refused.status).toBe(403);
    expect(await errorOf(refused)).toBe("Cross-site request from http://evil.example refused.");
    expect((await forged({ Authorization: `Bearer ${researcher}` })).status).toBe(200);
    expect((await forged({ Origin: "http://octorank.test", Authorization: `Bearer ${researcher}` })).status).toBe(200);
  });

  it("answers who-are-you first, then which record, then what was sent", async () => {
    expect((await call(echo, { token: "ork_wrong", id: "x", body: "{" })).status).toBe(401);
    expect((await call(echo, { token: annotator, id: "x", body: "{" })).status).toBe(403);
    const badId = await call(echo, { id: "7abc", body: "{" });
    expect(badId.status).toBe(404);
    expect(await errorOf(badId)).toBe('There is no thing "7abc".');
    for (const id of ["0", "-1", "1.5", " 7", "1e3"])
      expect((await call(echo, { id, body: "{}" })).status, id).toBe(404);
    expect((await call(echo, { body: "{" })).status).toBe(400);
    const wrong = await call(echo, { body: '{"n":"2"}' });
    expect(wrong.status).toBe(400);
    expect(await errorOf(wrong)).toMatch(/^n: /);
  });

  it("turns each kind of AppError into its status, with the message and details", async () => {
    const kinds = {
      invalid: 400,
      "not-found": 404,
      conflict: 409,
      "too-large": 413,
      "unsupported-media-type": 415,
    } as const;
    for (const [kind, status] of Object.entries(kinds)) {
      const failing = route({ access: "annotator" }, () => {
        throw new AppError(kind as keyof typeof kinds, `no: ${kind}`, { why: kind });
      });
      const response = await call(failing);
      expect(response.status, kind).toBe(status);
      expect(await response.json()).toEqual({ error: `no: ${kind}`, details: { why: kind } });
    }
  });

  it("logs an unexpected error and answers 500 without its message", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = route({ access: "annotator" }, async () => {
      throw new TypeError("secret internals");
    });
    const response = await call(broken);
    expect(response.status).toBe(500);
    expect(await errorOf(response)).not.toContain("secret");
    expect(log).toHaveBeenCalledWith("GET /api/things/x failed:", expect.any(TypeError));
    log.mockRestore();
  });

  it("lets a public route through without a caller, and passes a Response through as it is", async () => {
    const open = route({ access: "public" }, ({ user }) => new Response(String(user), { status: 202 }));
    const response = await call(open, { token: null });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("null");
  });
});

describe("route() with bearer tokens from one address", () => {
  it("refuses wrong tokens with 401, then 429 once the address has too many, and still takes a valid token from it", async () => {
    const handler = route({ access: "researcher" }, () => ({ ok: true }));
    const from = (token: string) =>
      handler(
        new Request("http://octorank.test/api/things", {
          headers: { Authorization: `Bearer ${token}`, "x-octorank-peer": "198.51.100.77" },
        }),
        { params: Promise.resolve({}) },
      );
    const statuses: number[] = [];
    for (let i = 0; i <= MAX_FAILURES_PER_ADDRESS; i++) statuses.push((await from(`ork_wrong${i}`)).status);
    expect(statuses.slice(0, MAX_FAILURES_PER_ADDRESS).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect((await from(researcher)).status).toBe(200);
  });
});
