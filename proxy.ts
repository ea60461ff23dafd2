import { NextResponse, type NextRequest } from "next/server";
import { bearerToken } from "@/lib/auth/bearer";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for the HTTP API: a browser always sends Origin on a
 * state-changing request, so one whose Origin is another site is refused before any handler runs.
 * Requests without Origin (curl, scripts) and those authenticated by a bearer token carry no
 * ambient credentials a forger could borrow.
 */
export function proxy(request: NextRequest) {
  if (SAFE_METHODS.has(request.method)) return NextResponse.next();
  if (bearerToken(request.headers) !== null) return NextResponse.next();
  const origin = request.headers.get("origin");
  if (origin && origin !== request.nextUrl.origin && origin !== forwardedOrigin(request)) {
    return NextResponse.json({ error: `Cross-site request from ${origin} refused.` }, { status: 403 });
  }
  return NextResponse.next();
}

/** The origin the browser used, when the server sits behind a proxy that rewrites Host. */
function forwardedOrigin(request: NextRequest): string | null {
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (!host) return null;
  const proto = request.headers.get("x-forwarded-proto") ?? request.nextUrl.protocol.replace(":", "");
  return `${proto}://${host}`;
}

export const config = { matcher: "/api/:path*" };
