import "server-only";
import crypto from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import type { Store } from "@/db/store";
import { getStore } from "@/lib/db";
import { DEMO_ACCOUNTS } from "@/lib/demo/accounts";
import type { Role } from "@/lib/domain";
import { clientAddress } from "@/lib/auth/client-address";
import { authSecret, demoMode } from "@/lib/env";
import { verifyAccountPassword } from "@/lib/auth/password";
import { recordFailure, recordSuccess, retryAfterMs, throttleKeys } from "@/lib/auth/login-throttle";

export const SESSION_MAX_AGE_S = 7 * 24 * 3600;

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().email().max(320),
  password: z.string().min(1).max(1000),
});

/** Thrown from the jwt callback for a cookie whose session ended: next-auth then treats it as signed out. */
export class SessionEndedError extends Error {}

/** A demo account still using its public password, on a server others can reach: never let it in. */
function isPublicDemoLogin(email: string, password: string): boolean {
  if (demoMode()) return false;
  return DEMO_ACCOUNTS.some((a) => a.email === email && a.password === password);
}

/** Checks email and password, counting failures per address, account and both (lib/auth/login-throttle.ts). */
export async function checkCredentials(
  store: Store,
  credentials: unknown,
  address: string,
): Promise<{ id: number; email: string; name: string; role: Role } | null> {
  const parsed = credentialsSchema.safeParse(credentials);
  const keys = throttleKeys(parsed.success ? parsed.data.email : undefined, address);
  // The route answers 429 before this; this keeps any other way in to the same rule.
  if ((await retryAfterMs(store, keys)) > 0) return null;
  if (!parsed.success) {
    await recordFailure(store, keys);
    return null;
  }
  const { email, password } = parsed.data;
  const user = await store.auth.userByEmail(email);
  if (
    // The password is checked first, even for no account: the answer takes as long either way.
    !verifyAccountPassword(password, user?.passwordHash) ||
    !user ||
    user.disabled ||
    user.external ||
    isPublicDemoLogin(email, password)
  ) {
    await recordFailure(store, keys);
    return null;
  }
  await recordSuccess(store, keys);
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** Starts a session row for a sign-in; its id goes into the cookie. */
export async function startSession(store: Store, userId: number, now = Date.now()): Promise<string> {
  const id = crypto.randomBytes(32).toString("base64url");
  await store.transaction("atomic", (tx) => tx.auth.addSession(id, userId, now + SESSION_MAX_AGE_S * 1000));
  return id;
}

/** The session's user as of now, or null when the session was revoked, expired or its user disabled. */
export async function liveSession(
  store: Store,
  sessionId: string,
  now = Date.now(),
): Promise<{ userId: number; role: Role } | null> {
  const row = await store.auth.session(sessionId);
  if (!row || row.revokedAt !== null || row.expiresAt <= now || row.disabled || row.external) return null;
  return { userId: row.userId, role: row.role };
}

export function revokeSession(store: Store, sessionId: string, now = Date.now()): Promise<void> {
  return store.transaction("atomic", (tx) => tx.auth.revokeSession(sessionId, now));
}

/** Ends every session of a user (their account was disabled, or an admin asked to). */
export function revokeUserSessions(store: Store, userId: number, now = Date.now()): Promise<void> {
  return store.transaction("atomic", (tx) => tx.auth.revokeUserSessions(userId, now));
}

/** Sessions past their expiry are of no use to anyone; cleared on sign-in so the table stays small. */
function forgetExpiredSessions(store: Store, now = Date.now()): Promise<void> {
  return store.transaction("atomic", (tx) => tx.auth.deleteExpiredSessions(now));
}

export const authOptions: NextAuthOptions = {
  secret: authSecret(),
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const user = await checkCredentials(getStore(), credentials, clientAddress(req?.headers));
        return user && { id: String(user.id), email: user.email, name: user.name, role: user.role };
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      const store = getStore();
      if (user) {
        await forgetExpiredSessions(store);
        token.uid = Number(user.id);
        token.sid = await startSession(store, Number(user.id));
        token.role = (user as { role?: Role }).role ?? "annotator";
        return token;
      }
      const live = typeof token.sid === "string" ? await liveSession(store, token.sid) : null;
      if (!live || live.userId !== token.uid) throw new SessionEndedError("The session has ended.");
      token.role = live.role;
      return token;
    },
    session({ session, token }) {
      if (session.user) {
        Object.assign(session.user, { id: token.uid, role: token.role });
      }
      return session;
    },
  },
  events: {
    async signOut({ token }) {
      if (typeof token?.sid === "string") await revokeSession(getStore(), token.sid);
    },
  },
  logger: {
    error(code, metadata) {
      // A stale cookie after sign-out is expected, not an error worth a stack trace per request.
      if (metadata instanceof SessionEndedError) return;
      console.error(`[next-auth][error][${code}]`, metadata);
    },
    warn(code) {
      console.warn(`[next-auth][warn][${code}]`);
    },
    debug() {},
  },
};
