import { and, eq, gt, inArray, isNull, lt, lte, sql } from "drizzle-orm";
import { schema, type Db } from "../index";
import type { Synchronous } from "./transaction";

export type LeaseKind = (typeof schema.leases.kind.enumValues)[number];
export type LeaseRow = typeof schema.leases.$inferSelect;

export type LeaseTake = {
  name: string;
  kind: LeaseKind;
  holder: string;
  /** Epoch ms: now, which is also when it counts as taken. */
  at: number;
  expiresAt: number;
  /** Refused while the lease's last taking is more recent than this many ms (0: no spacing). */
  minIntervalMs: number;
};

export type LoginFailureCount = { key: string; failures: number; lastFailedAt: number };

/**
 * What the servers sharing a database coordinate through it instead of their own memory: leases
 * (a background job run once for all, an import slot) renewed by their holder's heartbeat, a run's
 * cancellation, and the sign-in throttle's failures. Times are epoch ms; a lease is held while it
 * is unreleased and expires after `now`.
 */
export interface CoordinationStore {
  /**
   * Takes the lease for `holder` unless someone holds it now or it was taken less than
   * `minIntervalMs` ago; whether it was taken. Atomic by itself (one conditional upsert).
   */
  takeLease(take: LeaseTake): Promise<boolean>;
  lease(name: string): Promise<LeaseRow | null>;
  /** Whether anyone holds the lease at `now`. */
  leaseHeld(name: string, now: number): Promise<boolean>;
  /** How many leases of this kind are held at `now`, by `holder` or (without it) by anyone. */
  heldLeases(kind: LeaseKind, now: number, holder?: string): Promise<number>;
  /** Extends those of the named leases that `holder` still holds at `now` to `expiresAt`; how many. */
  renewLeases(holder: string, names: string[], now: number, expiresAt: number): Promise<number>;
  /** Ends `holder`'s lease, keeping its row (when it was last taken spaces the next taking). */
  releaseLease(name: string, holder: string, at: number): Promise<void>;
  /** Ends `holder`'s lease and forgets it. */
  dropLease(name: string, holder: string): Promise<void>;
  /** Forgets the leases of this kind that expired before `now` (import slots of servers that died). */
  dropExpiredLeases(kind: LeaseKind, now: number): Promise<void>;

  /** Marks a running run to be canceled; false when it is not running. Its first request's time is kept. */
  requestRunCancel(runId: number, at: number): Promise<boolean>;
  /** When the run's cancellation was asked for; null when it was not. */
  runCancelRequestedAt(runId: number): Promise<number | null>;

  /** Names the process that now owns an import's staging (it registered or claimed it). */
  setImportOwner(stagingDatasetId: number, owner: string): Promise<void>;
  /** The stagings this process owns, by staging dataset id (ascending). */
  importsOwnedBy(owner: string): Promise<number[]>;

  /** One failure at `at` against each key. */
  addLoginFailures(keys: string[], at: number): Promise<void>;
  /** Each key's failures since `since` (keys without any are left out). */
  loginFailureCounts(keys: string[], since: number): Promise<LoginFailureCount[]>;
  forgetLoginFailures(key: string): Promise<void>;
  /** Forgets every failure before `before`, whatever its key. */
  forgetLoginFailuresBefore(before: number): Promise<void>;
  /** Records a sign-in to `account` from `address`, keeping the account's `keep` most recent addresses. */
  rememberSignInAddress(account: string, address: string, at: number, keep: number): Promise<void>;
  isKnownSignInAddress(account: string, address: string): Promise<boolean>;
}

export function sqliteCoordinationStore(db: Db) {
  const { datasetImports, leases, loginFailures, loginKnownAddresses, trainingRuns } = schema;
  const held = (now: number) => and(isNull(leases.releasedAt), gt(leases.expiresAt, new Date(now)));
  return {
    takeLease(take: LeaseTake) {
      const taken = db
        .insert(leases)
        .values({
          name: take.name,
          kind: take.kind,
          holder: take.holder,
          acquiredAt: new Date(take.at),
          expiresAt: new Date(take.expiresAt),
        })
        .onConflictDoUpdate({
          target: leases.name,
          set: {
            kind: take.kind,
            holder: take.holder,
            acquiredAt: new Date(take.at),
            expiresAt: new Date(take.expiresAt),
            releasedAt: null,
          },
          setWhere: sql`(${leases.releasedAt} is not null or ${leases.expiresAt} <= ${take.at})
            and ${leases.acquiredAt} <= ${take.at - take.minIntervalMs}`,
        })
        .returning({ name: leases.name })
        .all();
      return taken.length > 0;
    },
    lease: (name: string) => db.select().from(leases).where(eq(leases.name, name)).get() ?? null,
    leaseHeld: (name: string, now: number) =>
      db
        .select({ name: leases.name })
        .from(leases)
        .where(and(eq(leases.name, name), held(now)))
        .get() !== undefined,
    heldLeases(kind: LeaseKind, now: number, holder?: string) {
      const row = db
        .select({ n: sql<number>`count(*)` })
        .from(leases)
        .where(and(eq(leases.kind, kind), held(now), holder === undefined ? undefined : eq(leases.holder, holder)))
        .get();
      return row?.n ?? 0;
    },
    renewLeases: (holder: string, names: string[], now: number, expiresAt: number) =>
      names.length === 0
        ? 0
        : db
            .update(leases)
            .set({ expiresAt: new Date(expiresAt) })
            .where(and(eq(leases.holder, holder), inArray(leases.name, names), held(now)))
            .run().changes,
    releaseLease(name: string, holder: string, at: number) {
      db.update(leases)
        .set({ releasedAt: new Date(at) })
        .where(and(eq(leases.name, name), eq(leases.holder, holder), isNull(leases.releasedAt)))
        .run();
    },
    dropLease(name: string, holder: string) {
      db.delete(leases)
        .where(and(eq(leases.name, name), eq(leases.holder, holder)))
        .run();
    },
    dropExpiredLeases(kind: LeaseKind, now: number) {
      db.delete(leases)
        .where(and(eq(leases.kind, kind), lte(leases.expiresAt, new Date(now))))
        .run();
    },

    requestRunCancel: (runId: number, at: number) =>
      db
        .update(trainingRuns)
        .set({ cancelRequestedAt: sql`coalesce(${trainingRuns.cancelRequestedAt}, ${at})` })
        .where(and(eq(trainingRuns.id, runId), eq(trainingRuns.status, "running")))
        .run().changes > 0,
    runCancelRequestedAt(runId: number) {
      const row = db
        .select({ at: trainingRuns.cancelRequestedAt })
        .from(trainingRuns)
        .where(eq(trainingRuns.id, runId))
        .get();
      return row?.at?.getTime() ?? null;
    },

    setImportOwner(stagingDatasetId: number, owner: string) {
      db.update(datasetImports).set({ owner }).where(eq(datasetImports.stagingDatasetId, stagingDatasetId)).run();
    },
    importsOwnedBy: (owner: string) =>
      db
        .select({ id: datasetImports.stagingDatasetId })
        .from(datasetImports)
        .where(eq(datasetImports.owner, owner))
        .orderBy(datasetImports.stagingDatasetId)
        .all()
        .map((r) => r.id),

    addLoginFailures(keys: string[], at: number) {
      if (keys.length)
        db.insert(loginFailures)
          .values(keys.map((key) => ({ key, failedAt: new Date(at) })))
          .run();
    },
    loginFailureCounts(keys: string[], since: number) {
      if (!keys.length) return [];
      return db
        .select({
          key: loginFailures.key,
          failures: sql<number>`count(*)`,
          lastFailedAt: sql<number>`max(${loginFailures.failedAt})`,
        })
        .from(loginFailures)
        .where(and(inArray(loginFailures.key, keys), gt(loginFailures.failedAt, new Date(since))))
        .groupBy(loginFailures.key)
        .orderBy(loginFailures.key)
        .all();
    },
    forgetLoginFailures(key: string) {
      db.delete(loginFailures).where(eq(loginFailures.key, key)).run();
    },
    forgetLoginFailuresBefore(before: number) {
      db.delete(loginFailures)
        .where(lt(loginFailures.failedAt, new Date(before)))
        .run();
    },
    rememberSignInAddress(account: string, address: string, at: number, keep: number) {
      db.insert(loginKnownAddresses)
        .values({ account, address, signedInAt: new Date(at) })
        .onConflictDoUpdate({
          target: [loginKnownAddresses.account, loginKnownAddresses.address],
          set: { signedInAt: new Date(at) },
        })
        .run();
      db.delete(loginKnownAddresses)
        .where(
          and(
            eq(loginKnownAddresses.account, account),
            sql`${loginKnownAddresses.address} not in (select address from ${loginKnownAddresses}
              where account = ${account} order by signed_in_at desc, address limit ${keep})`,
          ),
        )
        .run();
    },
    isKnownSignInAddress: (account: string, address: string) =>
      db
        .select({ account: loginKnownAddresses.account })
        .from(loginKnownAddresses)
        .where(and(eq(loginKnownAddresses.account, account), eq(loginKnownAddresses.address, address)))
        .get() !== undefined,
  } satisfies Synchronous<CoordinationStore>;
}
