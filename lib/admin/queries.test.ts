import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db";
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

let db: Db;

const fresh = freshDbPerTest();
beforeEach(() => {
  ({ db } = fresh);
});

const user = (email: string, role: "admin" | "researcher" | "annotator") =>
  createUser(db, { email, name: email.split("@")[0]!, role, password: "password-123" });

describe("admin", () => {
  it("stores only the token's hash, lists it by prefix, and revokes it once", () => {
    const admin = user("a@x.org", "admin");
    const { token, id, prefix } = createApiToken(db, { userId: admin.id, name: "nightly" });
    expect(token.startsWith(prefix)).toBe(true);
    const stored = db.$client.prepare("select token_hash from api_tokens where id = ?").get(id) as {
      token_hash: string;
    };
    expect(stored.token_hash).toBe(hashApiToken(token));
    expect(JSON.stringify(db.$client.prepare("select * from api_tokens").all())).not.toContain(token);
    expect(listApiTokens(db)).toMatchObject([{ name: "nightly", prefix, revokedAt: null }]);
    revokeApiToken(db, { tokenId: id });
    expect(listApiTokens(db)[0]!.revokedAt).toBeInstanceOf(Date);
    expect(() => revokeApiToken(db, { tokenId: id })).toThrow(AdminError);
  });

  it("never leaves the team without an active admin, and an admin cannot disable themself", () => {
    const admin = user("a@x.org", "admin");
    const other = user("b@x.org", "annotator");
    expect(() => setUserRole(db, { userId: admin.id, role: "researcher" })).toThrow(/last active admin/);
    expect(() => setUserDisabled(db, admin.id, { userId: admin.id, disabled: true })).toThrow(/your own/);
    setUserRole(db, { userId: other.id, role: "admin" });
    setUserRole(db, { userId: admin.id, role: "researcher" });
    setUserDisabled(db, other.id, { userId: admin.id, disabled: true });
    expect(listUsers(db).find((u) => u.id === admin.id)).toMatchObject({ role: "researcher", disabled: true });
  });

  it("updates dataset settings and reports an unknown slug", () => {
    db.$client.prepare("insert into datasets (slug, name) values ('d', 'D')").run();
    updateDatasetSettings(db, { slug: "d", name: "New", guidelines: "Be kind.", annotationsPerPrompt: 5 });
    expect(db.$client.prepare("select name, guidelines, annotations_per_prompt from datasets").get()).toEqual({
      name: "New",
      guidelines: "Be kind.",
      annotations_per_prompt: 5,
    });
    expect(() =>
      updateDatasetSettings(db, { slug: "nope", name: "x", guidelines: "", annotationsPerPrompt: 1 }),
    ).toThrow(AdminError);
  });
});
