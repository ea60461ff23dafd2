import { describe, expect, it } from "vitest";
import { z } from "zod";
import { isCrossSiteFormRisk, MAX_JSON_BODY_BYTES, parseJsonBody } from "./body";

const schema = z.object({ promptId: z.number() });
const post = (body: string, headers: Record<string, string>) =>
  new Request("http://octorank.test/api/annotations", { method: "POST", body, headers });

describe("parseJsonBody", () => {
  it("takes a body declared as JSON", async () => {
    const parsed = await parseJsonBody(
      post('{"promptId":3}', { "Content-Type": "application/json; charset=utf-8" }),
      schema,
    );
    expect(parsed.data).toEqual({ promptId: 3 });
  });

  it("refuses JSON sent as a form type (what a cross-site form can send) with 415", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const parsed = await parseJsonBody(post('{"promptId":3}', { "Content-Type": type }), schema);
      expect(parsed.response?.status, type).toBe(415);
    }
  });

  it("refuses a body over the limit with 413, whether or not it declares its length", async () => {
    const big = JSON.stringify({ promptId: 1, padding: "x".repeat(MAX_JSON_BODY_BYTES) });
    const declared = await parseJsonBody(post(big, { "Content-Type": "application/json" }), schema);
    expect(declared.response?.status).toBe(413);
    const chunks = [new TextEncoder().encode(big.slice(0, 10)), new TextEncoder().encode(big.slice(10))];
    const streamed = new Request("http://octorank.test/api/runs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(next);
          else controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect((await parseJsonBody(streamed, schema)).response?.status).toBe(413);
  });

  it("answers a body that breaks the schema with 400 and what is wrong", async () => {
    const parsed = await parseJsonBody(post('{"promptId":"3"}', { "Content-Type": "application/json" }), schema);
    expect(parsed.response?.status).toBe(400);
    expect(((await parsed.response!.json()) as { error: string }).error).toMatch(/^promptId: /);
  });
});

describe("isCrossSiteFormRisk", () => {
  it("flags form types and a missing type, unless a bearer token authenticates the request", () => {
    expect(isCrossSiteFormRisk(post("x", { "Content-Type": "text/plain" }))).toBe(true);
    expect(isCrossSiteFormRisk(post("x", { "Content-Type": "multipart/form-data; boundary=b" }))).toBe(true);
    expect(isCrossSiteFormRisk(new Request("http://octorank.test/", { method: "POST" }))).toBe(true);
    expect(isCrossSiteFormRisk(post("x", { "Content-Type": "application/x-ndjson" }))).toBe(false);
    expect(isCrossSiteFormRisk(post("x", { "Content-Type": "text/plain", Authorization: "Bearer ork_abc" }))).toBe(
      false,
    );
  });
});
