import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS } from "@/db/pg/test-database";

describe.each(TEST_BACKENDS)("the auth store on %s", (backend) => {
  const fresh = databasePerTest(backend);

  it("adds and finds users by email and id", async () => {
    const { auth } = fresh.store;
    const added = await auth.addUser({ email: "zoé@test.local", name: "Zoé", role: "researcher", passwordHash: "h" });
    expect(added).toMatchObject({ id: 1, email: "zoé@test.local", name: "Zoé", role: "researcher", disabled: false });
    expect(added.createdAt).toBeInstanceOf(Date);
    expect(await auth.userByEmail("zoé@test.local")).toEqual(added);
    expect(await auth.user(added.id)).toEqual(added);
    expect(await auth.userByEmail("ZOÉ@test.local")).toBeNull();
    expect(await auth.user(99)).toBeNull();
  });

  it("keeps sessions: reads one with its user's standing, revokes one or a user's, deletes the expired", async () => {
    const { auth } = fresh.store;
    const { id } = await auth.addUser({ email: "a@test.local", name: "A", role: "admin", passwordHash: "h" });
    await fresh.side.update("users", { disabled: true }, { id });
    await auth.addSession("s1", id, 2_000_000_000_123);
    await auth.addSession("s2", id, 1_000);
    await auth.addSession("s3", id, 2_000_000_000_000);
    expect(await auth.session("s1")).toEqual({
      userId: id,
      role: "admin",
      disabled: true,
      external: false,
      expiresAt: 2_000_000_000_123,
      revokedAt: null,
    });
    expect(await auth.session("none")).toBeNull();
    await auth.revokeSession("s1", 1_700_000_000_001);
    await auth.revokeSession("s1", 1_700_000_000_999);
    expect((await auth.session("s1"))?.revokedAt).toBe(1_700_000_000_001);
    await auth.revokeUserSessions(id, 1_700_000_000_500);
    expect((await auth.session("s1"))?.revokedAt).toBe(1_700_000_000_001);
    expect((await auth.session("s3"))?.revokedAt).toBe(1_700_000_000_500);
    await auth.deleteExpiredSessions(1_000);
    expect(await auth.session("s2")).toBeNull();
    expect(await auth.session("s3")).not.toBeNull();
  });

  it("finds a token by hash unless revoked, and records its last use", async () => {
    const { auth, admin } = fresh.store;
    const { id: userId } = await auth.addUser({ email: "a@test.local", name: "A", role: "admin", passwordHash: "h" });
    const tokenId = await admin.addToken(userId, "ci", "hash1", "oct_ab");
    const token = await auth.unrevokedToken("hash1");
    expect(token).toMatchObject({
      id: tokenId,
      userId,
      name: "ci",
      prefix: "oct_ab",
      lastUsedAt: null,
      revokedAt: null,
    });
    await auth.setTokenLastUsed(tokenId, 1_700_000_000_123);
    expect((await auth.unrevokedToken("hash1"))?.lastUsedAt?.getTime()).toBe(1_700_000_000_123);
    await admin.revokeToken(tokenId, 1_700_000_001_000);
    expect(await auth.unrevokedToken("hash1")).toBeNull();
    expect(await auth.unrevokedToken("other")).toBeNull();
  });
});
