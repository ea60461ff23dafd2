import { and, eq, isNull } from "drizzle-orm";
import { schema, type Db } from "../index";
import type { Role } from "@/lib/domain";
import type { Synchronous } from "./transaction";

export type UserRow = typeof schema.users.$inferSelect;
export type ApiTokenRecord = typeof schema.apiTokens.$inferSelect;
export type SessionRow = {
  userId: number;
  role: Role;
  disabled: boolean;
  external: boolean;
  /** Epoch ms. */
  expiresAt: number;
  revokedAt: number | null;
};

/** Accounts, sign-in sessions and API tokens as authentication reads them. Times are epoch ms. */
export interface AuthStore {
  userByEmail(email: string): Promise<UserRow | null>;
  user(userId: number): Promise<UserRow | null>;
  addUser(user: { email: string; name: string; role: Role; passwordHash: string }): Promise<UserRow>;
  addSession(sessionId: string, userId: number, expiresAt: number): Promise<void>;
  /** A session with its user's role and standing; null when there is no such session. */
  session(sessionId: string): Promise<SessionRow | null>;
  revokeSession(sessionId: string, at: number): Promise<void>;
  revokeUserSessions(userId: number, at: number): Promise<void>;
  deleteExpiredSessions(at: number): Promise<void>;
  /** The token with this sha256, unless revoked. */
  unrevokedToken(tokenHash: string): Promise<ApiTokenRecord | null>;
  setTokenLastUsed(tokenId: number, at: number): Promise<void>;
}

export function sqliteAuthStore(db: Db) {
  const sqlite = db.$client;
  return {
    userByEmail: (email: string) => db.select().from(schema.users).where(eq(schema.users.email, email)).get() ?? null,
    user: (userId: number) => db.select().from(schema.users).where(eq(schema.users.id, userId)).get() ?? null,
    addUser: (user: { email: string; name: string; role: Role; passwordHash: string }) =>
      db.insert(schema.users).values(user).returning().get(),
    addSession(id: string, userId: number, expiresAt: number) {
      db.insert(schema.sessions)
        .values({ id, userId, expiresAt: new Date(expiresAt) })
        .run();
    },
    session(sessionId: string) {
      const row = sqlite
        .prepare<
          [string],
          {
            user_id: number;
            role: Role;
            disabled: number;
            external: number;
            expires_at: number;
            revoked_at: number | null;
          }
        >(
          `select s.user_id, u.role, u.disabled, u.external, s.expires_at, s.revoked_at
       from sessions s join users u on u.id = s.user_id where s.id = ?`,
        )
        .get(sessionId);
      return row
        ? {
            userId: row.user_id,
            role: row.role,
            disabled: !!row.disabled,
            external: !!row.external,
            expiresAt: row.expires_at,
            revokedAt: row.revoked_at,
          }
        : null;
    },
    revokeSession(sessionId: string, at: number) {
      sqlite.prepare("update sessions set revoked_at = ? where id = ? and revoked_at is null").run(at, sessionId);
    },
    revokeUserSessions(userId: number, at: number) {
      sqlite.prepare("update sessions set revoked_at = ? where user_id = ? and revoked_at is null").run(at, userId);
    },
    deleteExpiredSessions(at: number) {
      sqlite.prepare("delete from sessions where expires_at <= ?").run(at);
    },
    unrevokedToken: (tokenHash: string) =>
      db
        .select()
        .from(schema.apiTokens)
        .where(and(eq(schema.apiTokens.tokenHash, tokenHash), isNull(schema.apiTokens.revokedAt)))
        .get() ?? null,
    setTokenLastUsed(tokenId: number, at: number) {
      db.update(schema.apiTokens)
        .set({ lastUsedAt: new Date(at) })
        .where(eq(schema.apiTokens.id, tokenId))
        .run();
    },
  } satisfies Synchronous<AuthStore>;
}
