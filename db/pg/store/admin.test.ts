import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS, type Side } from "@/db/pg/test-database";

/** A visible dataset and a staged import's, a prompt in each, and a team of three plus an external annotator. */
async function seedTeam(side: Side) {
  const [visible, staged] = await side.insert("datasets", [
    { slug: "visible", name: "Visible" },
    { slug: "staged", name: "Staged", importStaging: true },
  ]);
  const [shown, hidden, other] = await side.insert("prompts", [
    { datasetId: visible!, externalId: "p1", text: "one" },
    { datasetId: staged!, externalId: "p2", text: "two" },
    { datasetId: visible!, externalId: "p3", text: "three" },
  ]);
  const [zed, emile, ann, external] = await side.insert("users", [
    { email: "zed@test.local", name: "Zed", role: "annotator", passwordHash: "x" },
    { email: "émile@test.local", name: "Émile", role: "annotator", passwordHash: "x" },
    { email: "ann@test.local", name: "", role: "admin", passwordHash: "x", createdAt: new Date(1_600_000_000_000) },
    { email: "ext@test.local", name: "Ext", role: "annotator", external: true },
  ]);
  const at = (ms: number) => new Date(ms);
  await side.insert("annotations", [
    { promptId: shown!, annotatorId: zed!, ranking: [[1]], durationMs: 4000, updatedAt: at(1_000_000) },
    { promptId: other!, annotatorId: zed!, ranking: [[1]], durationMs: null, updatedAt: at(3_000_000) },
    { promptId: hidden!, annotatorId: zed!, ranking: [[1]], durationMs: 9000, updatedAt: at(5_000_000) },
    { promptId: other!, annotatorId: ann!, ranking: [[1]], durationMs: 1500, updatedAt: at(2_000_000) },
    { promptId: shown!, annotatorId: external!, ranking: [[1]], durationMs: 100 },
  ]);
  return { visible: visible!, staged: staged!, zed: zed!, emile: emile!, ann: ann!, external: external! };
}

describe.each(TEST_BACKENDS)("the admin store on %s", (backend) => {
  const fresh = databasePerTest(backend);

  it("lists the team by role then email (bytewise), with annotations in visible datasets counted", async () => {
    const team = await seedTeam(fresh.side);
    const users = await fresh.store.admin.users(2_500_000);
    expect(
      users.map((u) => [u.email, u.role, u.annotations, u.annotationsLastWeek, u.lastAnnotationAt?.getTime()]),
    ).toEqual([
      ["ann@test.local", "admin", 1, 0, 2_000_000],
      ["zed@test.local", "annotator", 2, 1, 3_000_000],
      ["émile@test.local", "annotator", 0, 0, undefined],
    ]);
    expect(users[0]).toMatchObject({ id: team.ann, name: "", disabled: false });
    expect(users[0]!.createdAt.getTime()).toBe(1_600_000_000_000);
    expect(users.every((u) => typeof u.annotations === "number" && typeof u.annotationsLastWeek === "number")).toBe(
      true,
    );
  });

  it("reads a user's durations in visible datasets, and the user's standing", async () => {
    const team = await seedTeam(fresh.side);
    expect(await fresh.store.admin.durations(team.zed)).toEqual([4000]);
    expect(await fresh.store.admin.durations(team.emile)).toEqual([]);
    expect(await fresh.store.admin.user(team.external)).toEqual({
      id: team.external,
      role: "annotator",
      disabled: false,
      external: true,
      email: "ext@test.local",
    });
    expect(await fresh.store.admin.user(999)).toBeNull();
  });

  it("counts enabled internal admins through role and disabled changes", async () => {
    const team = await seedTeam(fresh.side);
    const { admin } = fresh.store;
    expect(await admin.activeAdmins()).toBe(1);
    await admin.setRole(team.zed, "admin");
    await admin.setRole(team.external, "admin");
    expect(await admin.activeAdmins()).toBe(2);
    await admin.setDisabled(team.ann, true);
    expect(await admin.activeAdmins()).toBe(1);
    expect(await admin.user(team.ann)).toMatchObject({ disabled: true, role: "admin" });
    await admin.setDisabled(team.ann, false);
    expect(await admin.activeAdmins()).toBe(2);
  });

  it("lists tokens live first, newest first, and revokes a live one once", async () => {
    const team = await seedTeam(fresh.side);
    const { admin } = fresh.store;
    const first = await admin.addToken(team.ann, "first", "h1", "oct_1");
    const second = await admin.addToken(team.zed, "second", "h2", "oct_2");
    const third = await admin.addToken(team.ann, "third", "h3", "oct_3");
    expect(await admin.revokeToken(third, 1_700_000_000_000)).toBe(true);
    expect(await admin.revokeToken(third, 1_700_000_000_500)).toBe(false);
    expect(await admin.revokeToken(999, 1_700_000_000_500)).toBe(false);
    const tokens = await admin.tokens();
    expect(
      tokens.map((t) => [t.id, t.name, t.prefix, t.userEmail, t.userRole, t.revokedAt?.getTime() ?? null]),
    ).toEqual([
      [second, "second", "oct_2", "zed@test.local", "annotator", null],
      [first, "first", "oct_1", "ann@test.local", "admin", null],
      [third, "third", "oct_3", "ann@test.local", "admin", 1_700_000_000_000],
    ]);
    expect(tokens.every((t) => t.createdAt instanceof Date && t.lastUsedAt === null)).toBe(true);
  });

  it("updates a dataset's settings by slug, keeping the modes given as null, and its quality", async () => {
    const team = await seedTeam(fresh.side);
    const { admin } = fresh.store;
    const settings = { slug: "visible", name: "Renamed", guidelines: "Rank ✓", annotationsPerPrompt: 5 };
    expect(await admin.updateDataset({ ...settings, rankingMode: null, queueOrder: "least" })).toBe(team.visible);
    expect(await admin.updateDataset({ ...settings, slug: "none", rankingMode: null, queueOrder: null })).toBeNull();
    await admin.setQuality(team.visible, '{"gold":{"rate":0.1},"attention":true}');
    const [row] = (await fresh.side.rows("datasets")).filter((d) => d.id === team.visible);
    expect(row).toMatchObject({
      name: "Renamed",
      guidelines: "Rank ✓",
      annotationsPerPrompt: 5,
      rankingMode: "ranking",
      queueOrder: "least",
      quality: { gold: { rate: 0.1 }, attention: true },
    });
  });
});
