import { and, eq, gt, inArray, isNull, lt, lte, sql } from "drizzle-orm";
import { schema } from "../index";
import type { CoordinationStore, LeaseKind, LeaseTake } from "../../store/coordination";
import type { PgExecutor } from "./executor";

export function postgresCoordinationStore(db: PgExecutor): CoordinationStore {
  const { datasetImports, leases, loginFailures, loginKnownAddresses, trainingRuns } = schema;
  const held = (now: number) => and(isNull(leases.releasedAt), gt(leases.expiresAt, new Date(now)));
  return {
    async takeLease(take: LeaseTake) {
      const taken = await db
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
          setWhere: sql`(${leases.releasedAt} is not null or ${leases.expiresAt} <= ${new Date(take.at)})
            and ${leases.acquiredAt} <= ${new Date(take.at - take.minIntervalMs)}`,
        })
        .returning({ name: leases.name });
      return taken.length > 0;
    },
    async lease(name: string) {
      const [row] = await db.select().from(leases).where(eq(leases.name, name));
      return row ?? null;
    },
    async leaseHeld(name: string, now: number) {
      const rows = await db
        .select({ name: leases.name })
        .from(leases)
        .where(and(eq(leases.name, name), held(now)));
      return rows.length > 0;
    },
    async heldLeases(kind: LeaseKind, now: number, holder?: string) {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(leases)
        .where(and(eq(leases.kind, kind), held(now), holder === undefined ? undefined : eq(leases.holder, holder)));
      return row?.n ?? 0;
    },
    async renewLeases(holder: string, names: string[], now: number, expiresAt: number) {
      if (!names.length) return 0;
      const renewed = await db
        .update(leases)
        .set({ expiresAt: new Date(expiresAt) })
        .where(and(eq(leases.holder, holder), inArray(leases.name, names), held(now)))
        .returning({ name: leases.name });
      return renewed.length;
    },
    async releaseLease(name: string, holder: string, at: number) {
      await db
        .update(leases)
        .set({ releasedAt: new Date(at) })
        .where(and(eq(leases.name, name), eq(leases.holder, holder), isNull(leases.releasedAt)));
    },
    async dropLease(name: string, holder: string) {
      await db.delete(leases).where(and(eq(leases.name, name), eq(leases.holder, holder)));
    },
    async dropExpiredLeases(kind: LeaseKind, now: number) {
      await db.delete(leases).where(and(eq(leases.kind, kind), lte(leases.expiresAt, new Date(now))));
    },

    async requestRunCancel(runId: number, at: number) {
      const marked = await db
        .update(trainingRuns)
        .set({ cancelRequestedAt: sql`coalesce(${trainingRuns.cancelRequestedAt}, ${new Date(at)})` })
        .where(and(eq(trainingRuns.id, runId), eq(trainingRuns.status, "running")))
        .returning({ id: trainingRuns.id });
      return marked.length > 0;
    },
    async runCancelRequestedAt(runId: number) {
      const [row] = await db
        .select({ at: trainingRuns.cancelRequestedAt })
        .from(trainingRuns)
        .where(eq(trainingRuns.id, runId));
      return row?.at?.getTime() ?? null;
    },

    async setImportOwner(stagingDatasetId: number, owner: string) {
      await db.update(datasetImports).set({ owner }).where(eq(datasetImports.stagingDatasetId, stagingDatasetId));
    },
    async importsOwnedBy(owner: string) {
      const rows = await db
        .select({ id: datasetImports.stagingDatasetId })
        .from(datasetImports)
        .where(eq(datasetImports.owner, owner))
        .orderBy(datasetImports.stagingDatasetId);
      return rows.map((r) => r.id);
    },

    async addLoginFailures(keys: string[], at: number) {
      if (keys.length) await db.insert(loginFailures).values(keys.map((key) => ({ key, failedAt: new Date(at) })));
    },
    async loginFailureCounts(keys: string[], since: number) {
      if (!keys.length) return [];
      return db
        .select({
          key: loginFailures.key,
          failures: sql<number>`count(*)::int`,
          lastFailedAt: sql<number>`(extract(epoch from max(${loginFailures.failedAt})) * 1000)::float8`,
        })
        .from(loginFailures)
        .where(and(inArray(loginFailures.key, keys), gt(loginFailures.failedAt, new Date(since))))
        .groupBy(loginFailures.key)
        .orderBy(sql`${loginFailures.key} collate "C"`);
    },
    async forgetLoginFailures(key: string) {
      await db.delete(loginFailures).where(eq(loginFailures.key, key));
    },
    async forgetLoginFailuresBefore(before: number) {
      await db.delete(loginFailures).where(lt(loginFailures.failedAt, new Date(before)));
    },
    async rememberSignInAddress(account: string, address: string, at: number, keep: number) {
      await db
        .insert(loginKnownAddresses)
        .values({ account, address, signedInAt: new Date(at) })
        .onConflictDoUpdate({
          target: [loginKnownAddresses.account, loginKnownAddresses.address],
          set: { signedInAt: new Date(at) },
        });
      await db.delete(loginKnownAddresses).where(
        and(
          eq(loginKnownAddresses.account, account),
          sql`${loginKnownAddresses.address} not in (select address from ${loginKnownAddresses}
              where account = ${account} order by signed_in_at desc, address collate "C" limit ${keep})`,
        ),
      );
    },
    async isKnownSignInAddress(account: string, address: string) {
      const rows = await db
        .select({ account: loginKnownAddresses.account })
        .from(loginKnownAddresses)
        .where(and(eq(loginKnownAddresses.account, account), eq(loginKnownAddresses.address, address)));
      return rows.length > 0;
    },
  };
}
