import "server-only";
import crypto from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { schema, type Db } from "@/db";
import { getDb } from "@/lib/db";
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
export function checkCredentials(
  db: Db,
  credentials: unknown,
  address: string,
): { id: number; email: string; name: string; role: Role } | null {
  const parsed = credentialsSchema.safeParse(credentials);
  const keys = throttleKeys(parsed.success ? parsed.data.email : undefined, address);
  // The route answers 429 before this; this keeps any other way in to the same rule.
  if (retryAfterMs(keys) > 0) return null;
  if (!parsed.success) {
    recordFailure(keys);
    return null;
  }
  const { email, password } = parsed.data;
  const user = db.select().from(schema.users).where(eq(schema.users.email, email)).get();
  if (
    // The password is checked first, even for no account: the answer takes as long either way.
    !verifyAccountPassword(password, user?.passwordHash) ||
    !user ||
    user.disabled ||
    user.external ||
    isPublicDemoLogin(email, password)
  ) {
    recordFailure(keys);
    return null;
  }
  recordSuccess(keys);
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** Starts a session row for a sign-in; its id goes into the cookie. */
export function startSession(db: Db, userId: number, now = Date.now()): string {
  const id = crypto.randomBytes(32).toString("base64url");
  db.insert(schema.sessions)
    .values({ id, userId, expiresAt: new Date(now + SESSION_MAX_AGE_S * 1000) })
    .run();
  return id;
}

/** The session's user as of now, or null when the session was revoked, expired or its user disabled. */
export function liveSession(db: Db, sessionId: string, now = Date.now()): { userId: number; role: Role } | null {
  const row = db.$client
    .prepare<
      [string],
      { user_id: number; role: Role; disabled: number; external: number; expires_at: number; revoked_at: number | null }
    >(
      `select s.user_id, u.role, u.disabled, u.external, s.expires_at, s.revoked_at
       from sessions s join users u on u.id = s.user_id where s.id = ?`,
    )
    .get(sessionId);
  if (!row || row.revoked_at !== null || row.expires_at <= now || row.disabled || row.external) return null;
  return { userId: row.user_id, role: row.role };
}

export function revokeSession(db: Db, sessionId: string, now = Date.now()): void {
  db.$client.prepare("update sessions set revoked_at = ? where id = ? and revoked_at is null").run(now, sessionId);
}

/** Ends every session of a user (their account was disabled, or an admin asked to). */
export function revokeUserSessions(db: Db, userId: number, now = Date.now()): void {
  db.$client.prepare("update sessions set revoked_at = ? where user_id = ? and revoked_at is null").run(now, userId);
}

/** Sessions past their expiry are of no use to anyone; cleared on sign-in so the table stays small. */
function forgetExpiredSessions(db: Db, now = Date.now()): void {
  db.$client.prepare("delete from sessions where expires_at <= ?").run(now);
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
        const user = checkCredentials(getDb(), credentials, clientAddress(req?.headers));
        return user && { id: String(user.id), email: user.email, name: user.name, role: user.role };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      const db = getDb();
      if (user) {
        forgetExpiredSessions(db);
        token.uid = Number(user.id);
        token.sid = startSession(db, Number(user.id));
        token.role = (user as { role?: Role }).role ?? "annotator";
        return token;
      }
      const live = typeof token.sid === "string" ? liveSession(db, token.sid) : null;
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
    signOut({ token }) {
      if (typeof token?.sid === "string") revokeSession(getDb(), token.sid);
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
