import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { chunksUpTo, isCrossSiteFormRisk, MAX_JSON_BODY_BYTES, readJsonBody, type BodyPace } from "@/lib/http/body";

const schema = z.object({ promptId: z.number() });
/** The kind and message readJsonBody refuses a request with, or its data. */
async function outcome(request: Request) {
  try {
    return { data: await readJsonBody(request, schema) };
  } catch (error) {
    if (error instanceof AppError) return { kind: error.kind, message: error.message };
    throw error;
  }
}
const post = (body: string, headers: Record<string, string>) =>
  new Request("http://octorank.test/api/annotations", { method: "POST", body, headers });

describe("readJsonBody", () => {
  it("takes a body declared as JSON", async () => {
    const parsed = await outcome(post('{"promptId":3}', { "Content-Type": "application/json; charset=utf-8" }));
    expect(parsed.data).toEqual({ promptId: 3 });
  });

  it("refuses JSON sent as a form type (what a cross-site form can send) as an unsupported media type (415)", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const parsed = await outcome(post('{"promptId":3}', { "Content-Type": type }));
      expect(parsed.kind, type).toBe("unsupported-media-type");
    }
  });

  it("refuses a body over the limit as too large (413), whether or not it declares its length", async () => {
    const big = JSON.stringify({ promptId: 1, padding: "x".repeat(MAX_JSON_BODY_BYTES) });
    const declared = await outcome(post(big, { "Content-Type": "application/json" }));
    expect(declared.kind).toBe("too-large");
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
    expect((await outcome(streamed)).kind).toBe("too-large");
  });

  it("refuses a body that is not UTF-8 rather than reading U+FFFD into it", async () => {
    const latin1 = new Uint8Array([...new TextEncoder().encode('{"promptId":3,"c":"caf'), 0xe9, 0x22, 0x7d]);
    const request = new Request("http://octorank.test/api/annotations", {
      method: "POST",
      body: latin1,
      headers: { "Content-Type": "application/json" },
    });
    expect(await outcome(request)).toEqual({ kind: "invalid", message: "The body is not valid UTF-8." });
  });

  it("answers a body that breaks the schema as invalid (400) with what is wrong", async () => {
    const parsed = await outcome(post('{"promptId":"3"}', { "Content-Type": "application/json" }));
    expect(parsed.kind).toBe("invalid");
    expect(parsed.message).toMatch(/^promptId: /);
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

describe("chunksUpTo's pace", () => {
  const drain = async (body: ReadableStream<Uint8Array>, pace: BodyPace) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of chunksUpTo(body, 1_000_000, pace)) chunks.push(chunk);
    return chunks.length;
  };
  const trickle = (everyMs: number, cancelled: { value: boolean }) =>
    new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, everyMs));
        controller.enqueue(new Uint8Array(1));
      },
      cancel() {
        cancelled.value = true;
      },
    });

  it("cuts off a body that stops sending, and one that trickles in slower than the pace once the grace is over", async () => {
    const stalled = { value: false };
    const stalls = trickle(60_000, stalled);
    await expect(drain(stalls, { idleMs: 100, graceMs: 60_000, minBytesPerSecond: 0 })).rejects.toMatchObject({
      kind: "timeout",
    });
    expect(stalled.value).toBe(true);
    const trickled = { value: false };
    await expect(
      drain(trickle(10, trickled), { idleMs: 1_000, graceMs: 200, minBytesPerSecond: 10_000 }),
    ).rejects.toMatchObject({ kind: "timeout" });
    expect(trickled.value).toBe(true);
  });

  it("reads a body that keeps the pace whole", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(10));
        controller.close();
      },
    });
    expect(await drain(body, { idleMs: 100, graceMs: 0, minBytesPerSecond: 1 })).toBe(5);
  });
});
