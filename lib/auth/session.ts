import crypto from "node:crypto";
import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { and, eq, isNull } from "drizzle-orm";
import { getDb, schema } from "@/db";
import { authOptions } from "@/lib/auth/options";
import { hasRole, type SessionUser } from "@/lib/auth/roles";
import type { Role } from "@/db/schema";
import { jsonError } from "@/lib/http/body";
import { clientAddress } from "@/lib/auth/client-address";
import { recordFailure, retryAfterMs, throttleKeys } from "@/lib/auth/login-throttle";

function activeUser(id: number): SessionUser | null {
  const user = getDb().select().from(schema.users).where(eq(schema.users.id, id)).get();
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

export function hashApiToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/** A bearer token, or undefined without one; "throttled" while this address has too many failures. */
function tokenUser(request: Request): SessionUser | null | undefined | "throttled" {
  const header = request.headers.get("authorization");
  if (!header?.toLowerCase().startsWith("bearer ")) return undefined;
  // Wrong tokens count against the address like wrong passwords do.
  const keys = throttleKeys(undefined, clientAddress(request.headers));
  if (retryAfterMs(keys) > 0) return "throttled";
  const token = header.slice(7).trim();
  const db = getDb();
  const row = db
    .select()
    .from(schema.apiTokens)
    .where(and(eq(schema.apiTokens.tokenHash, hashApiToken(token)), isNull(schema.apiTokens.revokedAt)))
    .get();
  if (!row) {
    recordFailure(keys);
    return null;
  }
  // "Last used" to the minute is all the admin page shows; a write per request would cost every
  // API call a commit (and its fsync).
  const now = Date.now();
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > TOKEN_USE_RESOLUTION_MS)
    db.update(schema.apiTokens)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(schema.apiTokens.id, row.id))
      .run();
  return activeUser(row.userId);
}

export type Authorized = { user: SessionUser; response?: undefined } | { user?: undefined; response: Response };

/**
 * For route handlers: the caller by bearer token or session cookie, or the 401/403 response to
 * return. A request that carries a bearer token is judged by the token alone.
 */
export async function authorizeRequest(request: Request, atLeast: Role): Promise<Authorized> {
  const byToken = tokenUser(request);
  if (byToken === "throttled")
    return { response: jsonError(429, "Too many failed sign-ins from this address; wait and retry.") };
  const user = byToken === undefined ? await currentUser() : byToken;
  if (!user) return { response: jsonError(401, "Sign in or send a valid API token (Authorization: Bearer <token>).") };
  if (!hasRole(user.role, atLeast)) {
    return { response: jsonError(403, `This needs the ${atLeast} role; you are signed in as ${user.role}.`) };
  }
  return { user };
}
