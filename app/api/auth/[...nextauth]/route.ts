import NextAuth from "next-auth";
import { authOptions, clientAddress } from "@/lib/auth/options";
import { retryAfterMs, throttleKeys } from "@/lib/auth/login-throttle";

type RouteContext = { params: Promise<{ nextauth: string[] }> };

const handler = NextAuth(authOptions);

export function GET(request: Request, context: RouteContext) {
  return handler(request, context);
}

/** Credential sign-ins are refused with 429 while the email or address has too many recent failures. */
export async function POST(request: Request, context: RouteContext) {
  if (new URL(request.url).pathname.endsWith("/callback/credentials")) {
    const form = await request
      .clone()
      .formData()
      .catch(() => null);
    const email = form?.get("email");
    const wait = retryAfterMs(
      throttleKeys(typeof email === "string" ? email : undefined, clientAddress(request.headers)),
    );
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      const url = new URL(`/login?error=TooManyAttempts&retryAfter=${seconds}`, request.url);
      // next-auth's client reads `url` from the JSON body to find the error.
      return Response.json(
        { url: url.toString(), error: `Too many failed sign-ins. Try again in ${seconds} s.` },
        { status: 429, headers: { "Retry-After": String(seconds) } },
      );
    }
  }
  return handler(request, context);
}
