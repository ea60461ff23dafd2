/**
 * How the servers sharing one database (and their workers, and the CLI) coordinate: through the
 * database, never through one process's memory or its pids, so that it holds whatever host each
 * runs on. A process is named by processId(); what it holds is a lease it renews by heartbeat, so
 * a process that dies or hangs, here or on another host, lets go when its leases expire.
 */
import "server-only";
import crypto from "node:crypto";
import os from "node:os";
import type { Store } from "@/db/store";

/** A lease not renewed for this long is free again: its holder died or hangs. */
export const LEASE_MS = 30_000;
/** Every process renews the leases it holds this often. */
export const LEASE_HEARTBEAT_MS = 5_000;

/** Set by a parent for a child it must recognise afterwards (lib/datasets/import-process.ts). */
export const PROCESS_ID_ENV = "OCTORANK_PROCESS_ID";

const PROCESS_ID = Symbol.for("octorank.processId");

/**
 * This process's name in the database: its host, pid and a random part (pids repeat across hosts
 * and after restarts). Kept on globalThis: Next bundles this module into several chunks.
 */
export function processId(): string {
  const g = globalThis as { [PROCESS_ID]?: string };
  g[PROCESS_ID] ??= process.env[PROCESS_ID_ENV] || newProcessId(String(process.pid));
  return g[PROCESS_ID];
}

/** A fresh process name, for a child about to be started (`who` says what it is, since its pid is not known yet). */
export function newProcessId(who: string): string {
  return `${os.hostname()}:${who}:${crypto.randomBytes(6).toString("hex")}`;
}

/** A lease this process holds until it releases it; renewed meanwhile by the store's heartbeat. */
export type Lease = { readonly name: string; release(): Promise<void> };

type Heartbeat = { names: Set<string>; timer: ReturnType<typeof setInterval> | null };

const HEARTBEAT = Symbol.for("octorank.leaseHeartbeat");

/** The leases this process holds in one database, kept on its store (one heartbeat per database). */
function heartbeatOf(store: Store): Heartbeat {
  const s = store as Store & { [HEARTBEAT]?: Heartbeat };
  s[HEARTBEAT] ??= { names: new Set(), timer: null };
  return s[HEARTBEAT];
}

async function renewHeld(store: Store): Promise<void> {
  const names = [...heartbeatOf(store).names];
  if (!names.length) return;
  const now = Date.now();
  try {
    await store.transaction("low-durability", (tx) =>
      tx.coordination.renewLeases(processId(), names, now, now + LEASE_MS),
    );
  } catch (error) {
    // Only late: the next heartbeat tries again, and the lease lasts several heartbeats.
    console.error("Octorank: could not renew this server's leases:", error);
  }
}

function hold(store: Store, name: string, onRelease: (name: string) => Promise<void>): Lease {
  const heartbeat = heartbeatOf(store);
  heartbeat.names.add(name);
  if (!heartbeat.timer) {
    heartbeat.timer = setInterval(() => void renewHeld(store), LEASE_HEARTBEAT_MS);
    heartbeat.timer.unref();
  }
  let released: Promise<void> | null = null;
  return {
    name,
    release() {
      released ??= (async () => {
        heartbeat.names.delete(name);
        if (!heartbeat.names.size && heartbeat.timer) {
          clearInterval(heartbeat.timer);
          heartbeat.timer = null;
        }
        // Not renewed from here on: should the write below fail, the lease expires by itself.
        await onRelease(name);
      })();
      return released;
    },
  };
}

/**
 * Takes the lease of a job that one process at a time runs for every server (a background fit,
 * named by its key): refused (null) while anyone holds it, within `minIntervalMs` of its last
 * start, or when this process already holds `maxHeldHere` job leases (its own machine's bound).
 */
export async function takeJobLease(
  store: Store,
  name: string,
  { minIntervalMs, maxHeldHere }: { minIntervalMs: number; maxHeldHere: number },
): Promise<Lease | null> {
  const holder = processId();
  const now = Date.now();
  // Most asks come while the job runs or soon after it ran: a read says no without a write transaction.
  const last = await store.coordination.lease(name);
  if (
    last &&
    ((last.releasedAt === null && last.expiresAt.getTime() > now) || now - last.acquiredAt.getTime() < minIntervalMs)
  )
    return null;
  const taken = await store.transaction("serial", async (tx) => {
    if ((await tx.coordination.heldLeases("job", now, holder)) >= maxHeldHere) return false;
    return tx.coordination.takeLease({ name, kind: "job", holder, at: now, expiresAt: now + LEASE_MS, minIntervalMs });
  });
  if (!taken) return null;
  // The row stays, released: its start time spaces the job's next start on every server.
  return hold(store, name, (n) =>
    store.transaction("atomic", (tx) => tx.coordination.releaseLease(n, holder, Date.now())),
  );
}

/**
 * Takes one of the `max` slots shared by every server of the database (imports at once), or null
 * when all are held. Slots of a server that died free themselves when their lease expires.
 */
export async function takeSharedSlot(store: Store, kind: "import", max: number): Promise<Lease | null> {
  const holder = processId();
  const now = Date.now();
  const name = `${kind}:${crypto.randomUUID()}`;
  const taken = await store.transaction("serial", async (tx) => {
    await tx.coordination.dropExpiredLeases(kind, now);
    if ((await tx.coordination.heldLeases(kind, now)) >= max) return false;
    return tx.coordination.takeLease({ name, kind, holder, at: now, expiresAt: now + LEASE_MS, minIntervalMs: 0 });
  });
  if (!taken) return null;
  return hold(store, name, (n) => store.transaction("atomic", (tx) => tx.coordination.dropLease(n, holder)));
}

/** How many of the shared slots of this kind are held now, by every server together. */
export function sharedSlotsHeld(store: Store, kind: "import"): Promise<number> {
  return store.coordination.heldLeases(kind, Date.now());
}

/** Whether any process, on any host, holds the lease now. */
export function isLeaseHeld(store: Store, name: string): Promise<boolean> {
  return store.coordination.leaseHeld(name, Date.now());
}
