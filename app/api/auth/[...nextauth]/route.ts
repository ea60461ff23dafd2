import NextAuth from "next-auth";
import { authOptions, clientAddress } from "@/lib/auth/options";
import { retryAfterMs, throttleKeys } from "@/lib/auth/login-throttle";
import { route } from "@/lib/http/route";

type NextAuthContext = { params: Promise<{ nextauth: string[] }> };

const handler = NextAuth(authOptions) as (request: Request, context: NextAuthContext) => Promise<Response>;

export const GET = route({ access: "public" }, ({ request, context }) => handler(request, context as NextAuthContext));

/** Credential sign-ins are refused with 429 while the email or address has too many recent failures. */
export const POST = route({ access: "public" }, async ({ request, context }) => {
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
  return handler(request, context as NextAuthContext);
});
