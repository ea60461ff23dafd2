/**
 * The imports store, one set of tests on both backends (db/store/imports.ts on SQLite,
 * db/pg/store/imports.ts on PostgreSQL): an import's reads, its staging's bookkeeping, landing and clean-up.
 */
import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS } from "../test-database";

describe.each(TEST_BACKENDS)("imports store on %s", (backend) => {
  const fresh = databasePerTest(backend);

  it("keeps a staging invisible, leases it, lands it into its target and cleans up", async () => {
    const { side } = fresh;
    const imports = fresh.store.imports;
    const [target, staging, other] = await side.insert("datasets", [
      { slug: "t", name: "T", guidelines: "g", responsesPerPrompt: 2, annotationsPerPrompt: 1 },
      { slug: "staging-1", name: "T", importStaging: true },
      { slug: "staging-2", name: "T", importStaging: true },
    ]);
    const [user, ext, unused] = await side.insert("users", [
      { email: "a@example.com", name: "A" },
      { email: "x@external.invalid", name: "x", external: true },
      { email: "y@external.invalid", name: "y", external: true },
    ]);
    const [t1] = await side.insert("prompts", [
      { datasetId: target!, externalId: "p1", text: "one", messages: [{ role: "user", content: "one" }] },
    ]);
    const staged = await side.insert("prompts", [
      { datasetId: staging!, externalId: "p2", text: "two" },
      { datasetId: staging!, externalId: "p1", text: "clash" },
      { datasetId: staging!, externalId: "p3", text: "three" },
    ]);
    await side.insert("prompts", [{ datasetId: other!, externalId: "p3", text: "landing elsewhere" }]);
    await side.insert("responses", [
      { promptId: t1!, position: 1, externalId: "b", text: "B" },
      { promptId: t1!, position: 0, externalId: "a", text: "A" },
    ]);

    expect(await imports.target("t")).toEqual({ id: target, responses_per_prompt: 2 });
    expect(await imports.target("staging-1")).toBeNull();
    expect(await imports.settings(target!)).toEqual({
      name: "T",
      guidelines: "g",
      responses_per_prompt: 2,
      annotations_per_prompt: 1,
    });
    expect(await imports.settings(9999)).toBeNull();
    expect(await imports.prompts(target!, ["p1", "none"])).toEqual([
      { id: t1, external_id: "p1", text: "one", messages: '[{"role":"user","content":"one"}]' },
    ]);
    expect(await imports.prompts(target!, [])).toEqual([]);
    expect((await imports.responses([t1!, 9999])).map((r) => [r.prompt_id, r.external_id])).toEqual([
      [t1, "a"],
      [t1, "b"],
    ]);
    expect(await imports.usersByEmail(["a@example.com", "none", "A@example.com"])).toEqual([
      { id: user, email: "a@example.com" },
    ]);
    expect([await imports.slugTaken("staging-1"), await imports.slugTaken("free")]).toEqual([true, false]);
    expect([await imports.datasetExists(staging!), await imports.datasetExists(9999)]).toEqual([true, false]);
    expect([await imports.visibleSlug(target!), await imports.visibleSlug(staging!)]).toEqual(["t", null]);

    await imports.register(staging!, target!, "t", 111, 1_000);
    await imports.register(other!, target!, "t", 222, 2_000);
    expect(await imports.stagings()).toEqual([
      { id: staging, owner_pid: 111, heartbeat_at: 1_000, target_dataset_id: target },
      { id: other, owner_pid: 222, heartbeat_at: 2_000, target_dataset_id: target },
    ]);
    expect(await imports.renewStaging(staging!, 1_500)).toBe(true);
    expect(await imports.renewLanding(staging!, 1_600, 333)).toBe(false);
    await imports.setCreatedAnnotators(staging!, [ext!, unused!]);
    expect(await imports.createdAnnotators(staging!)).toBe(JSON.stringify([ext, unused]));
    expect(await imports.createdAnnotators(9999)).toBeNull();
    await imports.stageAnnotations(staging!, [
      { promptId: staged[0]!, annotatorId: ext!, version: '{"ranking":[[1],[2]],"b":1,"a":2}' },
      { promptId: staged[2]!, annotatorId: user!, version: "{}" },
    ]);
    await imports.stageAnnotations(staging!, []);
    await expect(
      imports.stageAnnotations(staging!, [{ promptId: staged[0]!, annotatorId: ext!, version: "{}" }]),
    ).rejects.toThrow();
    // An external account goes only when nothing, staged or landed, names it.
    await imports.removeUnusedExternalUser(ext!);
    expect((await side.rows("users")).map((u) => u.id)).toEqual([user, ext, unused]);

    // A clash is an external id the target (or another import landing into it) already has.
    expect(await imports.landingClashes(target!, staging!)).toEqual(["p1"]);
    await imports.setState(other!, "landing");
    expect(await imports.landingClashes(target!, staging!)).toEqual(["p1", "p3"]);
    expect(await imports.landingClashes(target!, other!)).toEqual([]);
    expect(await imports.claim(other!, 444, 3_000)).toBe("landing");
    expect(await imports.renewLanding(other!, 3_500, 555)).toBe(true);
    expect(await imports.claim(staging!, 666, 4_000)).toBe("discarding");
    expect(await imports.claim(9999, 1, 1)).toBeNull();
    expect(await imports.renewStaging(staging!, 5_000)).toBe(false);
    await imports.renewAny(staging!, 6_000);
    expect((await imports.stagings()).map((s) => [s.owner_pid, s.heartbeat_at])).toEqual([
      [666, 6_000],
      [555, 3_500],
    ]);

    expect(await imports.stagedAnnotations(staging!, 1)).toEqual([
      { id: expect.any(Number), prompt_id: staged[0], annotator_id: ext, version: '{"ranking":[[1],[2]],"b":1,"a":2}' },
    ]);
    const all = await imports.stagedAnnotations(staging!, 10);
    expect(all.map((s) => s.prompt_id)).toEqual([staged[0], staged[2]]);
    await imports.deleteStagedAnnotations([all[0]!.id]);
    expect((await imports.stagedAnnotations(staging!, 10)).map((s) => s.id)).toEqual([all[1]!.id]);

    // Moving: lowest ids first, their stats re-keyed and stale.
    expect(await imports.movePrompts(staging!, target!, 1)).toBe(1);
    expect((await side.rows("prompts")).filter((p) => p.datasetId === target).map((p) => p.id)).toEqual([
      t1,
      staged[0],
    ]);
    const stats = (await side.rows("promptStats")).find((s) => s.promptId === staged[0]);
    expect([stats?.datasetId, stats?.stale]).toEqual([target, true]);
    // The clashing p1 is refused whole on both backends (a landing checks landingClashes first).
    await expect(imports.movePrompts(staging!, target!, -1)).rejects.toThrow();
    await side.remove("prompts", { id: staged[1]! });
    expect(await imports.movePrompts(staging!, target!, -1)).toBe(1);
    expect(await imports.movePrompts(staging!, target!, -1)).toBe(0);

    expect(await imports.deletePrompts(target!, 2)).toBe(2);
    expect((await side.rows("prompts")).filter((p) => p.datasetId === target)).toHaveLength(1);

    await imports.removeUnusedExternalUser(user!); // not external: kept
    await imports.removeUnusedExternalUser(unused!);
    await imports.removeUnusedExternalUser(ext!); // its staged annotation is gone
    expect((await side.rows("users")).map((u) => u.id)).toEqual([user]);

    await imports.publish(other!, "published");
    expect([await imports.visibleSlug(other!), (await imports.stagings()).map((s) => s.id)]).toEqual([
      "published",
      [staging],
    ]);
    await imports.deleteDataset(staging!);
    expect(await imports.stagings()).toEqual([]);
    expect(await imports.datasetExists(staging!)).toBe(false);
  });
});
