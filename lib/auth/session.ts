import "server-only";
import { getServerSession } from "next-auth";
import { getToken } from "next-auth/jwt";
import { redirect } from "next/navigation";
import { isLockTimeout } from "@/db/store";
import { getStore } from "@/lib/db";
import { authOptions, liveSession } from "@/lib/auth/options";
import { hasRole, type SessionUser } from "@/lib/auth/roles";
import type { Role } from "@/lib/domain";
import { bearerToken } from "@/lib/auth/bearer";
import { hashApiToken } from "@/lib/auth/api-tokens";
import { clientAddress } from "@/lib/auth/client-address";
import { recordFailure, retryAfterMs, throttleKeys } from "@/lib/auth/login-throttle";
import { AppError } from "@/lib/errors";

async function activeUser(id: number): Promise<SessionUser | null> {
  const user = await getStore().auth.user(id);
  if (!user || user.disabled || user.external) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/**
 * The signed-in user, read fresh from the database on every request so that a role change or a
 * disabled account takes effect at once rather than when the session cookie expires.
 */
export async function currentUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions);
  const id = (session?.user as { id?: number } | undefined)?.id;
  return typeof id === "number" ? activeUser(id) : null;
}

/** For pages: sends the visitor to log in, or to the forbidden page when their role is too low. */
export async function requirePageUser(atLeast: Role, callbackPath?: string): Promise<SessionUser> {
  const user = await currentUser();
  if (!user) redirect(`/login${callbackPath ? `?callbackUrl=${encodeURIComponent(callbackPath)}` : ""}`);
  if (!hasRole(user.role, atLeast)) redirect(`/forbidden?need=${atLeast}`);
  return user;
}

const TOKEN_USE_RESOLUTION_MS = 60_000;

function unrevokedToken(token: string) {
  return getStore().auth.unrevokedToken(hashApiToken(token));
}

/**
 * The user of a bearer token, or null. A valid token is always taken: tokens are too long to
 * guess, and counting wrong ones against the address must not lock out everyone behind it (one
 * NAT, one proxy). A wrong token from an address with too many failures is refused with 429.
 */
async function tokenUser(request: Request, token: string): Promise<SessionUser | null> {
  const row = await unrevokedToken(token);
  if (!row) {
    const keys = throttleKeys(undefined, clientAddress(request.headers));
    if ((await retryAfterMs(getStore(), keys)) > 0) {
      throw new AppError("too-many-requests", "Too many failed sign-ins from this address; wait and retry.");
    }
    await recordFailure(getStore(), keys);
    return null;
  }
  // "Last used" to the minute is all the admin page shows; a write per request would cost every
  // API call a commit. A minute lost to a power cut is harmless, so it does not wait for the disk.
  const now = Date.now();
  // Nor does it wait for the lock: while an import holds it, a later request records the minute.
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > TOKEN_USE_RESOLUTION_MS) {
    try {
      await getStore().transaction("low-durability", (tx) => tx.auth.setTokenLastUsed(row.id, now), { lockWaitMs: 0 });
    } catch (error) {
      if (!isLockTimeout(error)) throw error;
    }
  }
  return activeUser(row.userId);
}

/**
 * For route handlers: the caller by bearer token or session cookie, or the "unauthenticated" or
 * "forbidden" AppError. A request that carries a bearer token is judged by the token alone.
 */
export async function requestUser(request: Request, atLeast: Role): Promise<SessionUser> {
  const token = bearerToken(request.headers);
  const user = token === null ? await currentUser() : await tokenUser(request, token);
  if (!user)
    throw new AppError("unauthenticated", "Sign in or send a valid API token (Authorization: Bearer <token>).");
  if (!hasRole(user.role, atLeast)) {
    throw new AppError("forbidden", `This needs the ${atLeast} role; you are signed in as ${user.role}.`);
  }
  return user;
}

/** The cookie's session user as of now, read from the request itself (no request scope needed). */
async function cookieSessionUser(request: Request): Promise<SessionUser | null> {
  const cookies = Object.fromEntries(
    (request.headers.get("cookie") ?? "")
      .split(";")
      .map((pair) => pair.trim().split("="))
      .filter(([name]) => name)
      .map(([name, ...value]) => [name!, decodeURIComponent(value.join("="))]),
  );
  const jwt = await getToken({
    req: { headers: Object.fromEntries(request.headers), cookies } as unknown as Parameters<typeof getToken>[0]["req"],
    secret: authOptions.secret,
  });
  if (!jwt || typeof jwt.sid !== "string") return null;
  const live = await liveSession(getStore(), jwt.sid);
  return live && live.userId === jwt.uid ? activeUser(live.userId) : null;
}

/**
 * requestUser's rule asked again during a long-lived response (a run's event stream), so that a
 * sign-out, a revoked token, a disabled account or a lower role ends it as it would any request.
 */
export async function stillAllowed(request: Request, atLeast: Role): Promise<boolean> {
  const token = bearerToken(request.headers);
  let user: SessionUser | null;
  if (token === null) user = await cookieSessionUser(request);
  else {
    const row = await unrevokedToken(token);
    user = row ? await activeUser(row.userId) : null;
  }
  return user !== null && hasRole(user.role, atLeast);
}
