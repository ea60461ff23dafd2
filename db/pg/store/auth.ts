import { and, eq, isNull, lte } from "drizzle-orm";
import type { AuthStore } from "../../store/auth";
import { schema } from "../index";
import type { PgExecutor } from "./executor";

const { apiTokens, sessions, users } = schema;

export function postgresAuthStore(db: PgExecutor): AuthStore {
  return {
    userByEmail: async (email) => (await db.select().from(users).where(eq(users.email, email)))[0] ?? null,
    user: async (userId) => (await db.select().from(users).where(eq(users.id, userId)))[0] ?? null,
    addUser: async (user) => (await db.insert(users).values(user).returning())[0]!,
    async addSession(id, userId, expiresAt) {
      await db.insert(sessions).values({ id, userId, expiresAt: new Date(expiresAt) });
    },
    async session(sessionId) {
      const [row] = await db
        .select({
          userId: sessions.userId,
          role: users.role,
          disabled: users.disabled,
          external: users.external,
          expiresAt: sessions.expiresAt,
          revokedAt: sessions.revokedAt,
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(eq(sessions.id, sessionId));
      return row ? { ...row, expiresAt: row.expiresAt.getTime(), revokedAt: row.revokedAt?.getTime() ?? null } : null;
    },
    async revokeSession(sessionId, at) {
      await db
        .update(sessions)
        .set({ revokedAt: new Date(at) })
        .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)));
    },
    async revokeUserSessions(userId, at) {
      await db
        .update(sessions)
        .set({ revokedAt: new Date(at) })
        .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
    },
    async deleteExpiredSessions(at) {
      await db.delete(sessions).where(lte(sessions.expiresAt, new Date(at)));
    },
    unrevokedToken: async (tokenHash) =>
      (
        await db
          .select()
          .from(apiTokens)
          .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
      )[0] ?? null,
    async setTokenLastUsed(tokenId, at) {
      await db
        .update(apiTokens)
        .set({ lastUsedAt: new Date(at) })
        .where(eq(apiTokens.id, tokenId));
    },
  };
}
