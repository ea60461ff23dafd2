/**
 * The coordination area (db/store/coordination.ts), one test body on each backend: leases, a run's
 * cancellation flag and the sign-in throttle's tables, as two servers on one database see them.
 */
import { describe, expect, it } from "vitest";
import { databasePerTest, TEST_BACKENDS, type TestDatabase } from "@/db/pg/test-database";
import type { LeaseTake } from "@/db/store/coordination";

const T = 1_700_000_000_000;
const take = (over: Partial<LeaseTake> = {}): LeaseTake => ({
  name: "job:fit:1",
  kind: "job",
  holder: "host-a:1:aa",
  at: T,
  expiresAt: T + 30_000,
  minIntervalMs: 0,
  ...over,
});

describe.each(TEST_BACKENDS)("the coordination store on %s", (backend) => {
  const fresh: TestDatabase = databasePerTest(backend);

  it("gives a lease to one holder until it is released or expires, and spaces a job's starts", async () => {
    const store = fresh.store;
    expect(await store.coordination.lease("job:fit:1")).toBeNull();
    expect(await store.coordination.takeLease(take())).toBe(true);
    // Another host may not take a live lease, even for a moment after it was taken.
    expect(await store.coordination.takeLease(take({ holder: "host-b:1:bb", at: T + 1 }))).toBe(false);
    expect(await store.coordination.leaseHeld("job:fit:1", T + 29_999)).toBe(true);
    expect(await store.coordination.leaseHeld("job:fit:1", T + 30_000)).toBe(false);
    expect(await store.coordination.heldLeases("job", T + 1)).toBe(1);
    expect(await store.coordination.heldLeases("job", T + 1, "host-a:1:aa")).toBe(1);
    expect(await store.coordination.heldLeases("job", T + 1, "host-b:1:bb")).toBe(0);
    expect(await store.coordination.heldLeases("import", T + 1)).toBe(0);

    // Renewed by its holder only, and only while held.
    expect(await store.coordination.renewLeases("host-b:1:bb", ["job:fit:1"], T + 10_000, T + 40_000)).toBe(0);
    expect(await store.coordination.renewLeases("host-a:1:aa", ["job:fit:1", "job:x"], T + 10_000, T + 40_000)).toBe(1);
    expect(await store.coordination.renewLeases("host-a:1:aa", [], T + 10_000, T + 40_000)).toBe(0);
    expect(await store.coordination.leaseHeld("job:fit:1", T + 35_000)).toBe(true);
    const row = (await store.coordination.lease("job:fit:1"))!;
    expect(row).toMatchObject({ kind: "job", holder: "host-a:1:aa", releasedAt: null });
    expect(row.acquiredAt.getTime()).toBe(T);
    expect(row.expiresAt.getTime()).toBe(T + 40_000);

    // Not renewed any more (its holder died): after expiry another host takes it over.
    expect(
      await store.coordination.takeLease(take({ holder: "host-b:1:bb", at: T + 40_000, expiresAt: T + 70_000 })),
    ).toBe(true);
    expect(await store.coordination.renewLeases("host-a:1:aa", ["job:fit:1"], T + 40_001, T + 70_000)).toBe(0);
    expect((await store.coordination.lease("job:fit:1"))?.holder).toBe("host-b:1:bb");

    // Released: free again, but not within the job's interval of its last start.
    await store.coordination.releaseLease("job:fit:1", "host-a:1:aa", T + 41_000);
    expect(await store.coordination.leaseHeld("job:fit:1", T + 41_000)).toBe(true);
    await store.coordination.releaseLease("job:fit:1", "host-b:1:bb", T + 41_000);
    expect(await store.coordination.leaseHeld("job:fit:1", T + 41_000)).toBe(false);
    expect((await store.coordination.lease("job:fit:1"))?.releasedAt?.getTime()).toBe(T + 41_000);
    expect(await store.coordination.takeLease(take({ at: T + 42_000, minIntervalMs: 5_000 }))).toBe(false);
    expect(await store.coordination.takeLease(take({ at: T + 45_000, minIntervalMs: 5_000 }))).toBe(true);
  });

  it("counts import slots of every holder, and forgets expired ones and dropped ones", async () => {
    const store = fresh.store;
    const slot = (name: string, holder: string, expiresAt = T + 30_000) =>
      store.coordination.takeLease(take({ name, kind: "import", holder, expiresAt }));
    expect(await slot("import:1", "host-a:1:aa")).toBe(true);
    expect(await slot("import:2", "host-b:1:bb", T + 10)).toBe(true);
    expect(await store.coordination.heldLeases("import", T + 1)).toBe(2);
    expect(await store.coordination.heldLeases("import", T + 10)).toBe(1);
    await store.coordination.dropExpiredLeases("import", T + 10);
    expect(await store.coordination.lease("import:2")).toBeNull();
    expect(await store.coordination.lease("import:1")).not.toBeNull();
    // Only its holder drops a slot.
    await store.coordination.dropLease("import:1", "host-b:1:bb");
    expect(await store.coordination.heldLeases("import", T + 11)).toBe(1);
    await store.coordination.dropLease("import:1", "host-a:1:aa");
    expect(await store.coordination.heldLeases("import", T + 11)).toBe(0);
  });

  it("flags a running run for cancellation, keeping the first request's time, and no other run", async () => {
    const store = fresh.store;
    const [datasetId] = await fresh.side.insert("datasets", [{ slug: "d", name: "D" }]);
    const [running, queued] = await fresh.side.insert("trainingRuns", [
      { datasetId: datasetId!, config: {}, status: "running", heartbeatAt: new Date(T) },
      { datasetId: datasetId!, config: {}, status: "queued" },
    ]);
    expect(await store.coordination.runCancelRequestedAt(running!)).toBeNull();
    expect(await store.coordination.requestRunCancel(running!, T + 5)).toBe(true);
    expect(await store.coordination.requestRunCancel(running!, T + 9)).toBe(true);
    expect(await store.coordination.runCancelRequestedAt(running!)).toBe(T + 5);
    expect(await store.coordination.requestRunCancel(queued!, T + 5)).toBe(false);
    expect(await store.coordination.runCancelRequestedAt(queued!)).toBeNull();
    expect(await store.coordination.runCancelRequestedAt(999_999)).toBeNull();
  });

  it("names the process owning an import's staging, and lists what a process owns", async () => {
    const store = fresh.store;
    const ids = await fresh.side.insert("datasets", [
      { slug: "~import-a", name: "a", importStaging: true },
      { slug: "~import-b", name: "b", importStaging: true },
      { slug: "~import-c", name: "c", importStaging: true },
    ]);
    await fresh.side.insert(
      "datasetImports",
      ids.map((id) => ({
        stagingDatasetId: id,
        targetSlug: "t",
        ownerPid: 1,
        heartbeatAt: new Date(T),
        createdAnnotatorIds: [],
      })),
    );
    expect(await store.coordination.importsOwnedBy("host-a:import:1")).toEqual([]);
    await store.coordination.setImportOwner(ids[2]!, "host-a:import:1");
    await store.coordination.setImportOwner(ids[0]!, "host-a:import:1");
    await store.coordination.setImportOwner(ids[1]!, "host-b:import:2");
    expect(await store.coordination.importsOwnedBy("host-a:import:1")).toEqual([ids[0], ids[2]]);
    // A claim by another process moves it.
    await store.coordination.setImportOwner(ids[0]!, "host-b:import:2");
    expect(await store.coordination.importsOwnedBy("host-b:import:2")).toEqual([ids[0], ids[1]]);
  });

  it("counts sign-in failures per key as numbers, forgets old ones, and keeps an account's latest addresses", async () => {
    const store = fresh.store;
    expect(await store.coordination.loginFailureCounts([], T)).toEqual([]);
    await store.coordination.addLoginFailures(["address:10.0.0.1", "pair:10.0.0.1|é@x", "account:é@x"], T);
    await store.coordination.addLoginFailures(["address:10.0.0.1"], T + 7);
    await store.coordination.addLoginFailures([], T + 8);
    expect(
      await store.coordination.loginFailureCounts(["pair:10.0.0.1|é@x", "address:10.0.0.1", "account:none"], T - 1),
    ).toEqual([
      { key: "address:10.0.0.1", failures: 2, lastFailedAt: T + 7 },
      { key: "pair:10.0.0.1|é@x", failures: 1, lastFailedAt: T },
    ]);
    // Only failures after `since` count.
    expect(await store.coordination.loginFailureCounts(["address:10.0.0.1"], T)).toEqual([
      { key: "address:10.0.0.1", failures: 1, lastFailedAt: T + 7 },
    ]);
    await store.coordination.forgetLoginFailures("pair:10.0.0.1|é@x");
    await store.coordination.forgetLoginFailuresBefore(T + 1);
    expect(
      await store.coordination.loginFailureCounts(["pair:10.0.0.1|é@x", "address:10.0.0.1", "account:é@x"], 0),
    ).toEqual([{ key: "address:10.0.0.1", failures: 1, lastFailedAt: T + 7 }]);

    for (let i = 0; i < 4; i++) await store.coordination.rememberSignInAddress("é@x", `10.0.0.${i}`, T + i, 3);
    // Signing in again from an address keeps it among the latest.
    await store.coordination.rememberSignInAddress("é@x", "10.0.0.1", T + 10, 3);
    await store.coordination.rememberSignInAddress("other@x", "10.0.0.0", T, 3);
    const known = async (account: string, address: string) => store.coordination.isKnownSignInAddress(account, address);
    expect(await known("é@x", "10.0.0.0")).toBe(false);
    expect(await known("é@x", "10.0.0.1")).toBe(true);
    expect(await known("é@x", "10.0.0.2")).toBe(true);
    expect(await known("é@x", "10.0.0.3")).toBe(true);
    expect(await known("other@x", "10.0.0.0")).toBe(true);
    expect(await known("other@x", "10.0.0.1")).toBe(false);
  });
});
