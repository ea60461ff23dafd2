import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";
import { clientAddress } from "@/lib/auth/client-address";
import { retryAfterMs, throttleKeys } from "@/lib/auth/login-throttle";
import { route } from "@/lib/http/route";
import { getStore } from "@/lib/db";

type NextAuthContext = { params: Promise<{ nextauth: string[] }> };

const handler = NextAuth(authOptions) as (request: Request, context: NextAuthContext) => Promise<Response>;

export const GET = route({ access: "public" }, ({ request, context }) => handler(request, context as NextAuthContext));

/** The email a sign-in names, read the way next-auth reads the body: JSON or a form. */
async function attemptedEmail(request: Request): Promise<string | undefined> {
  const type = request.headers.get("content-type")?.toLowerCase() ?? "";
  const copy = request.clone();
  try {
    const body: unknown = type.includes("application/json")
      ? await copy.json()
      : Object.fromEntries((await copy.formData()).entries());
    const email = (body as { email?: unknown } | null)?.email;
    return typeof email === "string" ? email : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Credential sign-ins are refused with 429 while this address has too many recent failures, for
 * the account named or overall, whatever the body type. Failures are recorded where the password
 * is checked (checkCredentials in lib/auth/options.ts).
 */
export const POST = route({ access: "public" }, async ({ request, context }) => {
  if (new URL(request.url).pathname.endsWith("/callback/credentials")) {
    const wait = await retryAfterMs(
      getStore(),
      throttleKeys(await attemptedEmail(request), clientAddress(request.headers)),
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
  return handler(request, context as NextAuthContext);
});
