/**
 * The one way a route handler answers: who may call it (session cookie or API token, and the
 * least role), its path params, query and JSON body parsed with zod, and every failure turned into
 * a status: an AppError by its kind, a ZodError from lib/ as 400, anything else logged and 500.
 */
import { z } from "zod";
import type { Role } from "@/lib/domain";
import { requestUser } from "@/lib/auth/session";
import type { SessionUser } from "@/lib/auth/roles";
import { AppError, type ErrorKind } from "@/lib/errors";
import { crossSiteError, describeZodError, parseOrThrow, readJsonBody } from "@/lib/http/body";
import { foreignHostError } from "@/lib/http/host";

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "too-large": 413,
  "unsupported-media-type": 415,
  "too-many-requests": 429,
  timeout: 408,
};

export function statusOf(kind: ErrorKind): number {
  return STATUS[kind];
}

export function jsonError(status: number, message: string, details?: unknown): Response {
  return Response.json({ error: message, ...(details === undefined ? {} : { details }) }, { status });
}

/** Logs what nobody expected, with where it happened; the caller learns only that it failed. */
export function logUnexpected(where: string, error: unknown): void {
  console.error(`${where} failed:`, error);
}

export function errorResponse(error: unknown, where: string): Response {
  if (error instanceof AppError) return jsonError(STATUS[error.kind], error.message, error.details);
  if (error instanceof z.ZodError) return jsonError(400, describeZodError(error));
  logUnexpected(where, error);
  return jsonError(500, "Something went wrong on our side; it has been logged.");
}

type Access = Role | "public";
type Schema = z.ZodType | undefined;
type Parsed<S extends Schema> = S extends z.ZodType ? z.infer<S> : undefined;

export type RouteInput<A extends Access, P extends Schema, Q extends Schema, B extends Schema> = {
  request: Request;
  user: A extends "public" ? null : SessionUser;
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  /** Next's own context, for a handler that passes the request on (next-auth). */
  context: RouteContext;
};

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

/**
 * Wraps a route handler. The handler returns a Response, or a value sent as JSON with status 200.
 * Checks run in the order a caller fixes them: a request naming another host or a cross-site write
 * (403, also for the upload routes the proxy does not run on), who you are (401/403), which record (404), the query (400), the body
 * (415/413/400).
 */
export function route<
  A extends Access,
  P extends Schema = undefined,
  Q extends Schema = undefined,
  B extends Schema = undefined,
>(
  options: { access: A; params?: P; query?: Q; body?: B },
  handler: (input: RouteInput<A, P, Q, B>) => unknown,
): (request: Request, context: RouteContext) => Promise<Response> {
  return async (request, context) => {
    const where = `${request.method} ${new URL(request.url).pathname}`;
    try {
      const refused = foreignHostError(request) ?? crossSiteError(request);
      if (refused) throw refused;
      const user = options.access === "public" ? null : await requestUser(request, options.access);
      let params: unknown;
      if (options.params) {
        const parsed = options.params.safeParse(await context.params);
        if (!parsed.success) throw new AppError("not-found", parsed.error.issues.map((i) => i.message).join("; "));
        params = parsed.data;
      }
      const query = options.query
        ? parseOrThrow(options.query, Object.fromEntries(new URL(request.url).searchParams))
        : undefined;
      const body = options.body ? await readJsonBody(request, options.body) : undefined;
      const result = await handler({ request, user, params, query, body, context } as RouteInput<A, P, Q, B>);
      return result instanceof Response ? result : Response.json(result);
    } catch (error) {
      return errorResponse(error, where);
    }
  };
}
