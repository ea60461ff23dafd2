import type { z } from "zod";
import { bearerToken } from "@/lib/auth/bearer";
import { AppError } from "@/lib/errors";
// People's messages for zod's defaults (installed by importing it).
import "@/lib/zod-messages";

/**
 * A zod error as lines a person can act on, each field named as it was sent (an API client maps it
 * back): "comment: Too long: at most 5,000 characters (this has 5,001)."
 */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for the HTTP API: a browser always sends Origin on a
 * state-changing request, so one whose Origin is another site is refused (403) before any handler
 * runs: by the proxy, and again by route() for the upload routes the proxy skips.
 * Requests without Origin (curl, scripts) and those authenticated by a bearer token carry no
 * ambient credentials a forger could borrow.
 */
export function crossSiteError(request: Request): AppError | null {
  if (SAFE_METHODS.has(request.method)) return null;
  if (bearerToken(request.headers) !== null) return null;
  const origin = request.headers.get("origin");
  const own = new URL(request.url).origin;
  if (origin && origin !== own && origin !== forwardedOrigin(request)) {
    return new AppError("forbidden", `Cross-site request from ${origin} refused.`);
  }
  return null;
}

/** The origin the browser used, when the server sits behind a proxy that rewrites Host. */
function forwardedOrigin(request: Request): string | null {
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (!host) return null;
  const proto = request.headers.get("x-forwarded-proto") ?? new URL(request.url).protocol.replace(":", "");
  return `${proto}://${host}`;
}

function mediaType(request: Request): string {
  return request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
}

/**
 * Whether another site could have sent this request with the visitor's session cookie: a form,
 * or a fetch that needs no CORS preflight, can only send no type or an urlencoded, multipart or
 * text/plain body (and a text/plain body can spell JSON); any other type is stopped by CORS.
 * A bearer-token request is exempt, since no browser attaches a token on its own.
 */
export function isCrossSiteFormRisk(request: Request): boolean {
  if (bearerToken(request.headers) !== null) return false;
  const type = mediaType(request);
  return (
    type === "" ||
    type === "application/x-www-form-urlencoded" ||
    type === "multipart/form-data" ||
    type === "text/plain"
  );
}

/** JSON bodies are small (an annotation, a run's settings, a scoring request); files go through import. */
export const MAX_JSON_BODY_BYTES = 2_000_000;

export class BodyTooLargeError extends Error {}

/**
 * How slowly a body may arrive: a client that sends nothing for `idleMs`, or less than
 * `minBytesPerSecond` on average once `graceMs` have passed, is cut off, so a trickled upload
 * cannot hold one of the few import slots (or a request's memory) for ever. Any real connection
 * sends far faster; 16 KB/s brings the largest import (200 MB) in under four hours.
 */
export const BODY_PACE = { idleMs: 30_000, graceMs: 60_000, minBytesPerSecond: 16 * 1024 };
export type BodyPace = typeof BODY_PACE;

export const bodyTooSlowError = () =>
  new AppError(
    "timeout",
    "The request body arrived too slowly and was cut off; send it again over a faster connection.",
  );

/**
 * A body's chunks, cancelling it and throwing BodyTooLargeError once they pass `limit` bytes, or
 * the "timeout" AppError once it arrives slower than `pace`.
 */
export async function* chunksUpTo(
  body: ReadableStream<Uint8Array>,
  limit: number,
  pace: BodyPace = BODY_PACE,
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  const started = performance.now();
  let size = 0;
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<"idle">((resolve) => (timer = setTimeout(() => resolve("idle"), pace.idleMs)));
    const next = await Promise.race([reader.read(), idle]).finally(() => clearTimeout(timer));
    const tooSlow = () => {
      void reader.cancel().catch(() => {});
      return bodyTooSlowError();
    };
    if (next === "idle") throw tooSlow();
    const { done, value } = next;
    if (done) return;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError(`The body is larger than ${limit} bytes.`);
    }
    const elapsedMs = performance.now() - started;
    if (elapsedMs > pace.graceMs && size / (elapsedMs / 1000) < pace.minBytesPerSecond) throw tooSlow();
    yield value;
  }
}

/**
 * The body as text, or null once it passes `limit` bytes (read no further: a huge body costs
 * nothing). A body that is not UTF-8 is refused rather than stored with U+FFFD in place of what
 * it said.
 */
export async function readTextUpTo(request: Request, limit: number): Promise<string | null> {
  if (Number(request.headers.get("content-length") ?? 0) > limit) return null;
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of chunksUpTo(request.body, limit)) chunks.push(chunk);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return null;
    throw error;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new AppError("invalid", "The body is not valid UTF-8.");
  }
}

/** Parses `input` against a schema, or throws the "invalid" error saying what is wrong. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new AppError("invalid", describeZodError(parsed.error));
  return parsed.data;
}

/**
 * A JSON body parsed against a schema; throws the AppError to answer otherwise. The body must be
 * declared as JSON, which keeps cookie-authenticated endpoints out of reach of cross-site forms.
 */
export async function readJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const type = mediaType(request);
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw new AppError(
      "unsupported-media-type",
      "Send the body as JSON, with the header Content-Type: application/json.",
    );
  }
  const text = await readTextUpTo(request, MAX_JSON_BODY_BYTES);
  if (text === null) {
    throw new AppError("too-large", `The JSON body is larger than ${MAX_JSON_BODY_BYTES / 1_000_000} MB.`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("invalid", "The request body must be JSON.");
  }
  return parseOrThrow(schema, body);
}

/**
 * A server action's form argument, checked: anyone can call an action with any serialisable
 * arguments, not just the form the page renders. Null when it is not a FormData.
 */
export function formArgument(value: unknown): FormData | null {
  return value instanceof FormData ? value : null;
}
