/**
 * Two servers on one database, on each backend: what one holds or counts, the other sees. "Another
 * host" is a lease written under another process's name, as a server elsewhere would write it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { databasePerTest, TEST_BACKENDS, type TestDatabase } from "@/db/pg/test-database";
import {
  recordFailure,
  recordSuccess,
  retryAfterMs,
  throttleKeys,
  MAX_FAILURES_PER_PAIR,
} from "@/lib/auth/login-throttle";
import { LEASE_HEARTBEAT_MS, LEASE_MS, processId, takeJobLease, takeSharedSlot } from "@/lib/coordination";
import { MAX_CONCURRENT_IMPORTS, takeImportSlot } from "@/lib/datasets/import-process";
import { anotherConnection } from "@/lib/test-fixtures";
import { getDataset } from "@/lib/datasets/queries";
import { seedDemo } from "@/lib/demo/seed";
import { getRun, requestCancel } from "@/lib/runs/lifecycle";
import { createRun } from "@/lib/runs/request-run";
import { runRequestSchema } from "@/lib/runs/schemas";
import { executeRun } from "@/lib/runs/training";

/** A second server's store on the test's database (its own connection or pool). */
const secondServer = (fresh: TestDatabase) => anotherConnection(fresh.location);

const ELSEWHERE = "other-host:4242:0123456789ab";

describe.each(TEST_BACKENDS)("coordination between servers on %s", (backend) => {
  const fresh: TestDatabase = databasePerTest(backend);
  const opened: { close: () => Promise<void> }[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(opened.splice(0).map((o) => o.close()));
  });
  const second = () => {
    const other = secondServer(fresh);
    opened.push(other);
    return other.store;
  };

  it("names this process by host, pid and a random part", () => {
    expect(processId()).toMatch(new RegExp(`:${process.pid}:[0-9a-f]{12}$`));
  });

  it("leaves a job to the live lease of another host, and takes it over once that lease stops being renewed", async () => {
    const store = fresh.store;
    const now = Date.now();
    const elsewhere = { name: "job:fit:7", kind: "job" as const, holder: ELSEWHERE, minIntervalMs: 0 };
    await store.coordination.takeLease({ ...elsewhere, at: now, expiresAt: now + LEASE_MS });
    expect(await takeJobLease(store, "job:fit:7", { minIntervalMs: 0, maxHeldHere: 4 })).toBeNull();

    // The other host died LEASE_MS ago: nothing renewed its lease since.
    await fresh.side.update("leases", { expiresAt: new Date(now - 1) }, {});
    const lease = await takeJobLease(store, "job:fit:7", { minIntervalMs: 0, maxHeldHere: 4 });
    expect(lease).not.toBeNull();
    expect((await store.coordination.lease("job:fit:7"))?.holder).toBe(processId());
    // Now the other server (its own connection) is the one refused.
    expect(await takeJobLease(second(), "job:fit:7", { minIntervalMs: 0, maxHeldHere: 4 })).toBeNull();
    await lease!.release();
    expect(await store.coordination.leaseHeld("job:fit:7", Date.now())).toBe(false);
  });

  it("renews what this process holds by heartbeat, and stops renewing what it released", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const store = fresh.store;
    const lease = (await takeJobLease(store, "job:fit:8", { minIntervalMs: 0, maxHeldHere: 4 }))!;
    const slot = (await takeSharedSlot(store, "import", 2))!;
    const expiry = async (name: string) => (await store.coordination.lease(name))?.expiresAt.getTime() ?? 0;
    const before = [await expiry("job:fit:8"), await expiry(slot.name)];
    await new Promise((resolve) => setTimeout(resolve, 5));
    vi.advanceTimersByTime(LEASE_HEARTBEAT_MS);
    await expect.poll(() => expiry("job:fit:8")).toBeGreaterThan(before[0]!);
    await expect.poll(() => expiry(slot.name)).toBeGreaterThan(before[1]!);
    await slot.release();
    expect(await store.coordination.lease(slot.name)).toBeNull();
    await lease.release();
    const released = await expiry("job:fit:8");
    vi.advanceTimersByTime(LEASE_HEARTBEAT_MS);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await expiry("job:fit:8")).toBe(released);
  });

  it("shares the import cap between servers: a third import anywhere is refused until one ends", async () => {
    const here = fresh.store;
    const there = second();
    const releases = [await takeImportSlot(here)];
    for (let i = 1; i < MAX_CONCURRENT_IMPORTS; i++) releases.push(await takeImportSlot(there));
    await expect(takeImportSlot(there)).rejects.toThrow(/imports are already running/);
    await expect(takeImportSlot(here)).rejects.toThrow(/imports are already running/);
    await releases[0]!();
    await releases[0]!();
    const another = await takeImportSlot(there);
    await expect(takeImportSlot(here)).rejects.toThrow(/imports are already running/);
    await another();
    for (const release of releases.slice(1)) await release();
  });

  it("frees the import slots of a server that died once their lease runs out", async () => {
    const store = fresh.store;
    const now = Date.now();
    for (let i = 0; i < MAX_CONCURRENT_IMPORTS; i++)
      await store.coordination.takeLease({
        name: `import:dead-${i}`,
        kind: "import",
        holder: ELSEWHERE,
        at: now - LEASE_MS - 10,
        expiresAt: now - 10,
        minIntervalMs: 0,
      });
    const release = await takeImportSlot(store);
    expect(await store.coordination.lease("import:dead-0")).toBeNull();
    await release();
  });

  it("stops a run training on one server when the other is asked to cancel it", async () => {
    const here = fresh.store;
    const there = second();
    await seedDemo(here);
    const datasetId = (await getDataset(here, "demo"))!.id;
    const run = await createRun(
      here,
      runRequestSchema.parse({ datasetId, train: { steps: 100_000, evalEvery: 5 } }),
      null,
      "cli",
      { workerPid: process.pid },
    );
    let asked: Promise<unknown> | null = null;
    const outcome = await executeRun(here, run.id, {
      onProgress: () => void (asked ??= requestCancel(there, run.id)),
    });
    expect(outcome).toBe("canceled");
    expect(await asked).toMatchObject({ stopping: true });
    expect((await getRun(there, run.id))?.status).toBe("canceled");
  });

  it("counts sign-in failures made on one server against attempts on the other", async () => {
    const here = fresh.store;
    const there = second();
    const keys = throttleKeys("someone@example.com", "203.0.113.9");
    for (let i = 0; i < MAX_FAILURES_PER_PAIR; i++) await recordFailure(i % 2 ? here : there, keys);
    expect(await retryAfterMs(here, keys)).toBeGreaterThan(0);
    expect(await retryAfterMs(there, keys)).toBeGreaterThan(0);
    // A sign-in on one server makes the address known-good for the other too.
    const owner = throttleKeys("owner@example.com", "198.51.100.4");
    await recordSuccess(there, owner);
    expect(await here.coordination.isKnownSignInAddress("owner@example.com", "198.51.100.4")).toBe(true);
  });
});
