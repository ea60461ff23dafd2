import { beforeEach, describe, expect, it } from "vitest";
import type { Store } from "@/db/store";
import { freshDbPerTest } from "@/lib/test-fixtures";
import { hashApiToken } from "@/lib/auth/api-tokens";
import { createUser } from "@/lib/auth/users";
import {
  AdminError,
  createApiToken,
  listApiTokens,
  listUsers,
  revokeApiToken,
  setUserDisabled,
  setUserRole,
  updateDatasetSettings,
} from "./queries";

let store: Store;

const fresh = freshDbPerTest();
beforeEach(() => {
  ({ store } = fresh);
});

const user = (email: string, role: "admin" | "researcher" | "annotator") =>
  createUser(store, { email, name: email.split("@")[0]!, role, password: "password-123" });

describe("admin", () => {
  it("stores only the token's hash, lists it by prefix, and revokes it once", async () => {
    const admin = await user("a@x.org", "admin");
    const { token, id, prefix } = await createApiToken(store, { userId: admin.id, name: "nightly" });
    expect(token.startsWith(prefix)).toBe(true);
    const stored = await fresh.side.rows("apiTokens");
    expect(stored.map((t) => [t.id, t.tokenHash])).toEqual([[id, hashApiToken(token)]]);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(await listApiTokens(store)).toMatchObject([{ name: "nightly", prefix, revokedAt: null }]);
    await revokeApiToken(store, { tokenId: id });
    expect((await listApiTokens(store))[0]!.revokedAt).toBeInstanceOf(Date);
    await expect(revokeApiToken(store, { tokenId: id })).rejects.toThrow(AdminError);
  });

  it("never leaves the team without an active admin, and an admin cannot disable themself", async () => {
    const admin = await user("a@x.org", "admin");
    const other = await user("b@x.org", "annotator");
    await expect(setUserRole(store, { userId: admin.id, role: "researcher" })).rejects.toThrow(/last active admin/);
    await expect(setUserDisabled(store, admin.id, { userId: admin.id, disabled: true })).rejects.toThrow(/your own/);
    await setUserRole(store, { userId: other.id, role: "admin" });
    await setUserRole(store, { userId: admin.id, role: "researcher" });
    await setUserDisabled(store, other.id, { userId: admin.id, disabled: true });
    expect((await listUsers(store)).find((u) => u.id === admin.id)).toMatchObject({
      role: "researcher",
      disabled: true,
    });
  });

  it("lets only one of two admins demoting each other at once succeed", async () => {
    const [a, b] = [await user("a@x.org", "admin"), await user("b@x.org", "admin")];
    const results = await Promise.allSettled([
      setUserRole(store, { userId: a.id, role: "researcher" }),
      setUserRole(store, { userId: b.id, role: "annotator" }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await listUsers(store)).filter((u) => u.role === "admin")).toHaveLength(1);
  });

  it("updates dataset settings and reports an unknown slug", async () => {
    await fresh.side.insert("datasets", [{ slug: "d", name: "D" }]);
    await updateDatasetSettings(store, { slug: "d", name: "New", guidelines: "Be kind.", annotationsPerPrompt: 5 });
    expect(await fresh.side.rows("datasets")).toMatchObject([
      { name: "New", guidelines: "Be kind.", annotationsPerPrompt: 5 },
    ]);
    await expect(
      updateDatasetSettings(store, { slug: "nope", name: "x", guidelines: "", annotationsPerPrompt: 1 }),
    ).rejects.toThrow(AdminError);
  });
});
