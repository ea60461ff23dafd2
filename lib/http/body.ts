import type { z } from "zod";

export function jsonError(status: number, message: string, details?: unknown): Response {
  return Response.json({ error: message, ...(details === undefined ? {} : { details }) }, { status });
}

/** A zod error as lines a person can act on: "ranking.0: Expected number, received string". */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
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
  if (request.headers.get("authorization")?.toLowerCase().startsWith("bearer ")) return false;
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

/** A body's chunks, cancelling it and throwing BodyTooLargeError once they pass `limit` bytes. */
export async function* chunksUpTo(body: ReadableStream<Uint8Array>, limit: number): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BodyTooLargeError(`The body is larger than ${limit} bytes.`);
    }
    yield value;
  }
}

/** The body as text, or null once it passes `limit` bytes (read no further: a huge body costs nothing). */
async function readTextUpTo(request: Request, limit: number): Promise<string | null> {
  if (Number(request.headers.get("content-length") ?? 0) > limit) return null;
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of chunksUpTo(request.body, limit)) chunks.push(chunk);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return null;
    throw error;
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Parses a JSON body against a schema, or gives the 4xx to return. The body must be declared as
 * JSON, which keeps cookie-authenticated endpoints out of reach of cross-site forms.
 */
export async function parseJsonBody<T extends z.ZodType>(
  request: Request,
  schema: T,
): Promise<{ data: z.infer<T>; response?: undefined } | { data?: undefined; response: Response }> {
  const type = mediaType(request);
  if (type !== "application/json" && !type.endsWith("+json")) {
    return { response: jsonError(415, "Send the body as JSON, with the header Content-Type: application/json.") };
  }
  const text = await readTextUpTo(request, MAX_JSON_BODY_BYTES);
  if (text === null) {
    return { response: jsonError(413, `The JSON body is larger than ${MAX_JSON_BODY_BYTES / 1_000_000} MB.`) };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { response: jsonError(400, "The request body must be JSON.") };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) return { response: jsonError(400, describeZodError(parsed.error)) };
  return { data: parsed.data };
}
