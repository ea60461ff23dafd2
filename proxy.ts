import { NextResponse, type NextRequest } from "next/server";
import { crossSiteError } from "@/lib/http/body";
import { foreignHostError } from "@/lib/http/host";

/**
 * Runs before every page, server action and API route except the file uploads (see `config`):
 * refuses a request naming another host (DNS rebinding) and cross-site API writes, and gives each
 * page a Content-Security-Policy with a fresh script nonce.
 */
export function proxy(request: NextRequest) {
  const foreignHost = foreignHostError(request);
  if (foreignHost) return Response.json({ error: foreignHost.message }, { status: 403 });
  if (request.nextUrl.pathname.startsWith("/api/")) {
    const crossSite = crossSiteError(request);
    return crossSite ? Response.json({ error: crossSite.message }, { status: 403 }) : NextResponse.next();
  }
  return serverActionBodyRefusal(request) ?? withPageSecurityPolicy(request);
}

/** Next's default `serverActions.bodySizeLimit` (next.config.js leaves it as it is). */
export const SERVER_ACTION_BODY_LIMIT = 1024 * 1024;

/**
 * Next answers a server action whose body passes its limit with a 500 (and logs an error), to
 * anyone: refused here first, with 413, or 411 when the size is not announced (a browser always
 * announces it; a chunked body could only be counted by reading it).
 */
function serverActionBodyRefusal(request: NextRequest): Response | null {
  if (request.method !== "POST" || !request.headers.has("next-action")) return null;
  const length = request.headers.get("content-length");
  if (length === null)
    return Response.json({ error: "Send the action's body with a Content-Length." }, { status: 411 });
  if (Number(length) > SERVER_ACTION_BODY_LIMIT)
    return Response.json({ error: "The action's body is larger than 1 MB." }, { status: 413 });
  return null;
}

/**
 * Scripts run only with this response's nonce (Next adds it to its own scripts when it finds the
 * policy on the request) or when loaded by such a script; styles may be inline because charts and
 * maths set style attributes. The page can be framed by no one.
 */
export function pageSecurityPolicy(nonce: string, development: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${development ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function withPageSecurityPolicy(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const policy = pageSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  return response;
}

export const config = {
  matcher: [
    /*
     * Not the routes that take a file (an import, an external run's scores or checkpoint): Next buffers the body
     * of any request the proxy sees and silently keeps only its first 10 MB, and a file must be
     * read whole or refused. route() checks their origin itself. Not static files either:
     * they carry no script and need no per-response nonce.
     */
    "/((?!api/datasets/[^/]+/(?:import|external-runs)$|api/runs/[^/]+/checkpoints$|_next/static|_next/image|favicon\\.ico).*)",
  ],
};
