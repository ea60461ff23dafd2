import "server-only";
import crypto from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { hasSameContent, type Store, type TransactionIntent } from "@/db/store";
import type { AnnotationVersion, AnnotationWrite } from "@/db/store/writer";
import { processId } from "@/lib/coordination";

/**
 * Where an import's rows wait until the whole file has passed: a dataset of its own, marked
 * import_staging, which no reader lists, so what the import writes stays invisible. It is written
 * in short transactions with a pause after each, so that other writers (annotation submits, queue
 * claims, a trainer renewing its lease) get the lock well within their busy timeout. A new dataset
 * lands in one constant-time transaction (the staging dataset is renamed); a merge into an existing
 * dataset passes a commit point (state "landing") and then moves its prompts and applies its
 * annotations in short transactions too, which whoever finds it abandoned finishes. Otherwise it is
 * discarded, also in short transactions that anyone can redo. A crashed importer's staging is
 * finished or discarded at once by the server whose import child it was (discardImportsOf), else
 * once its lease has run out, by the next import, a server's start or its periodic sweep
 * (discardAbandonedImports), on whatever host.
 */

/** An importer that has not renewed its lease this long is taken for dead and its staging discarded. */
export const IMPORT_LEASE_MS = 60_000;

/** What a write transaction of an import was doing: writing its staging, landing it, or discarding it. */
export type ImportPhase = "stage" | "land" | "discard";

export type StagingTuning = {
  /**
   * How long one of the import's transactions may hold the write lock (SQLite's one writer,
   * PostgreSQL's serial writers' lock, which annotators' submits and queue claims take too): the
   * longest an annotator's write waits for the import. Batches are sized to it (BatchSizer).
   */
  transactionBudgetMs: number;
  /**
   * Told how long each of the import's write transactions held the lock, after it committed (the
   * tests and the bench read it; the crash tests kill the process here, between two transactions;
   * the import waits for what it returns, so a test can act between two of its transactions).
   */
  onTransaction?: (heldMs: number, phase: ImportPhase) => void | Promise<void>;
};
export const DEFAULT_STAGING_TUNING: StagingTuning = { transactionBudgetMs: 40 };

const MAX_BATCH_LINES = 2048;
const DISCARD_BATCH_PROMPTS = 200;
const LANDING_FIRST_BATCH = 64;
/** Batches this small take about what any batch takes: their time tells a batch's fixed cost. */
const SMALL_BATCH = 2;

/** The staging was discarded under the importer (it stalled past its lease): the import cannot land. */
export class StagingDiscardedError extends Error {
  constructor() {
    super("The import stalled past its lease and its staged rows were discarded; run it again.");
  }
}

/** The import cannot land because its target changed meanwhile; nothing of it was written. */
export class ImportConflictError extends Error {}

export type StagingSettings = {
  name: string;
  guidelines: string;
  responsesPerPrompt: number;
  annotationsPerPrompt: number;
};

/** What landing applied besides the staged dataset: the annotations for prompts the target already had. */
export type Landing = { annotations: Record<AnnotationWrite["outcome"], number> };

const storedVersionSchema = z.object({
  ranking: z.array(z.array(z.number().int())),
  openness: z.number().nullable(),
  notRankable: z.boolean(),
  notRankableReason: z.string().nullable(),
  comment: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

export class ImportStaging {
  private readonly sizer: BatchSizer;
  private createdAnnotatorIds: number[] = [];

  private constructor(
    private readonly store: Store,
    readonly datasetId: number,
    private readonly targetDatasetId: number | null,
    private readonly targetSlug: string,
    private readonly tuning: StagingTuning,
  ) {
    this.sizer = new BatchSizer(32, tuning.transactionBudgetMs);
  }

  /** Lines per write transaction, adapted to the budget as the import goes. */
  get batchSize(): number {
    return this.sizer.size;
  }

  /** Creates the staging dataset for an import into `target` (an existing dataset) or a new `targetSlug`. */
  static async open(
    store: Store,
    targetSlug: string,
    targetDatasetId: number | null,
    settings: StagingSettings,
    tuning: StagingTuning,
  ): Promise<ImportStaging> {
    // Staged rows need not survive a power cut (an interrupted import is discarded anyway), so
    // their commits skip the fsync; landing is a full commit, which makes all of them durable.
    const datasetId = await store.transaction("low-durability", async (tx) => {
      const staging = await tx.datasets.insertDataset({
        ...settings,
        slug: `~import-${crypto.randomUUID()}`,
        importStaging: true,
      });
      await tx.imports.register(staging.id, targetDatasetId, targetSlug, process.pid, Date.now());
      await tx.coordination.setImportOwner(staging.id, processId());
      return staging.id;
    });
    return new ImportStaging(store, datasetId, targetDatasetId, targetSlug, tuning);
  }

  /**
   * Runs `work` in one write transaction that also renews the lease and records the accounts it
   * created (`createdAnnotatorIds`), then pauses as long as the lock was held, so that a writer
   * waiting on it gets in before the next batch. `work` writes through the transaction's store it
   * is given, and only through it; it may be run again (a retried transaction), so it changes
   * nothing outside the database: its caller applies the value it returns.
   */
  async write<T>(work: (tx: Store) => Promise<{ value: T; createdAnnotatorIds: readonly number[] }>): Promise<T> {
    let linesMs = 0;
    const { value, heldMs } = await this.transaction("stage", async (tx) => {
      await this.renewLease(tx);
      const started = performance.now();
      const done = await work(tx);
      linesMs = performance.now() - started;
      // In the same transaction as the accounts: a crash right after it cannot leave one unrecorded.
      if (done.createdAnnotatorIds.length)
        await tx.imports.setCreatedAnnotators(this.datasetId, [
          ...this.createdAnnotatorIds,
          ...done.createdAnnotatorIds,
        ]);
      return done;
    });
    // Recorded so that discarding the staging removes the accounts too.
    this.createdAnnotatorIds.push(...value.createdAnnotatorIds);
    this.sizer.after(heldMs, linesMs);
    await sleep(Math.max(1, heldMs));
    return value.value;
  }

  /**
   * Imported versions of annotations of prompts the target already has: each kept for landing,
   * unless it is what is stored already. Call inside write(); says which of them were staged.
   */
  async stageAnnotations(
    tx: Store,
    annotations: readonly { promptId: number; annotatorId: number; version: AnnotationVersion }[],
  ): Promise<("staged" | "unchanged")[]> {
    if (!annotations.length) return [];
    const keyOf = (a: { promptId: number; annotatorId: number }) => `${a.promptId}:${a.annotatorId}`;
    const stored = new Map((await tx.annotations.storedOf(annotations)).map((a) => [keyOf(a), a]));
    const now = Date.now();
    const outcomes = annotations.map(({ promptId, annotatorId, version }) => {
      const existing = stored.get(keyOf({ promptId, annotatorId }));
      return existing && hasSameContent(existing, version) ? ("unchanged" as const) : ("staged" as const);
    });
    await tx.imports.stageAnnotations(
      this.datasetId,
      annotations
        .filter((_, i) => outcomes[i] === "staged")
        .map(({ promptId, annotatorId, version }) => {
          const stored: z.infer<typeof storedVersionSchema> = {
            ranking: version.ranking,
            openness: version.openness,
            notRankable: version.notRankable,
            notRankableReason: version.notRankableReason ?? null,
            comment: version.comment ?? null,
            durationMs: version.durationMs ?? null,
            createdAt: version.createdAt?.getTime() ?? now,
            updatedAt: version.updatedAt?.getTime() ?? version.createdAt?.getTime() ?? now,
          };
          return { promptId, annotatorId, version: JSON.stringify(stored) };
        }),
    );
    return outcomes;
  }

  /**
   * Makes the whole import visible; throws ImportConflictError when the target changed. A new
   * dataset is one transaction. A merge commits to landing in one short transaction (after which
   * it is never discarded, only finished, by this process or by whoever finds it abandoned), then
   * moves its prompts and applies its staged annotations in short transactions.
   */
  async land(): Promise<Landing> {
    const targetDatasetId = this.targetDatasetId;
    if (targetDatasetId === null) {
      await this.transaction("land", async (tx) => {
        await this.renewLease(tx);
        if (await tx.imports.slugTaken(this.targetSlug)) {
          throw new ImportConflictError(
            `Dataset "${this.targetSlug}" was created while this file was importing; import the file again to add to it.`,
          );
        }
        await tx.imports.publish(this.datasetId, this.targetSlug);
      });
      return { annotations: { created: 0, updated: 0, unchanged: 0 } };
    }
    await this.transaction("land", async (tx) => {
      await this.renewLease(tx);
      await this.assertTargetCanTake(tx);
      await tx.imports.setState(this.datasetId, "landing");
    });
    return finishLanding(this.store, this.datasetId, targetDatasetId, this.tuning);
  }

  /** Removes everything the import staged, in short transactions; a landing already committed is finished instead. */
  async discard(): Promise<void> {
    const claimed = await this.store.transaction("serial", (tx) => claimStaging(tx, this.datasetId));
    if (claimed === "landing") await finishLanding(this.store, this.datasetId, this.targetDatasetId!, this.tuning);
    else await deleteStaging(this.store, this.datasetId, this.tuning);
  }

  private async assertTargetCanTake(tx: Store): Promise<void> {
    if ((await tx.imports.visibleSlug(this.targetDatasetId!)) === null)
      throw new ImportConflictError(`Dataset "${this.targetSlug}" was deleted while this file was importing.`);
    // Another writer (a second import, say) stored some of the same prompts meanwhile, or is
    // landing them: its prompts that have not moved yet are still in its staging.
    const clashes = (await tx.imports.landingClashes(this.targetDatasetId!, this.datasetId)).map((id) => `"${id}"`);
    if (clashes.length) {
      throw new ImportConflictError(
        `Prompt ${clashes.join(", ")} reached dataset "${this.targetSlug}" from another writer while this file was importing; import the file again.`,
      );
    }
  }

  /** Fails once anyone has claimed the staging for discarding (or it is gone). */
  private async renewLease(tx: Store): Promise<void> {
    if (!(await tx.imports.renewStaging(this.datasetId, Date.now()))) throw new StagingDiscardedError();
  }

  private transaction<T>(
    phase: "stage" | "land",
    work: (tx: Store) => Promise<T>,
  ): Promise<{ value: T; heldMs: number }> {
    return timedTransaction(this.store, this.tuning, phase, work);
  }
}

/**
 * What each phase's transactions need: staging writes may be lost to a power cut (the import is
 * discarded then), landing and discarding are ordinary serial writes.
 */
const PHASE_INTENT: Record<ImportPhase, TransactionIntent> = {
  stage: "low-durability",
  land: "serial",
  discard: "serial",
};

/** One serial transaction: the lock is taken at its start, so the time from inside to after COMMIT is the hold. */
async function timedTransaction<T>(
  store: Store,
  tuning: StagingTuning,
  phase: ImportPhase,
  work: (tx: Store) => Promise<T>,
  lockWaitMs?: number,
): Promise<{ value: T; heldMs: number }> {
  let lockedAt = 0;
  const value = await store.transaction(
    PHASE_INTENT[phase],
    (tx) => {
      lockedAt = performance.now();
      return work(tx);
    },
    lockWaitMs === undefined ? undefined : { lockWaitMs },
  );
  const heldMs = performance.now() - lockedAt;
  await tuning.onTransaction?.(heldMs, phase);
  return { value, heldMs };
}

/**
 * The size of an import's batches, resized to the budget after each transaction from how long it
 * held the lock (`heldMs`) and how much of that its batch's own statements took (`batchMs`). What
 * no batch size shortens is left out: the transaction's lock, BEGIN, COMMIT and lease, and what a
 * batch of a line or two takes (on PostgreSQL its round trips, more than its rows). The lines'
 * share of the budget is what that fixed part leaves of it (at least half), and a batch is halved
 * when its lines took more, doubled when well under. Otherwise a fixed part near the budget would
 * shrink batches to a line, each transaction paying it again: the lock would be held longer in
 * all for the same lines, and annotators would wait as long each time.
 */
class BatchSizer {
  /** The fastest a batch of at most SMALL_BATCH lines took: what any batch takes. */
  private smallBatchMs = Infinity;
  constructor(
    public size: number,
    private readonly budgetMs: number,
  ) {}

  after(heldMs: number, batchMs: number): void {
    if (this.size <= SMALL_BATCH) this.smallBatchMs = Math.min(this.smallBatchMs, batchMs);
    const perBatchMs = Math.min(batchMs, Number.isFinite(this.smallBatchMs) ? this.smallBatchMs : 0);
    const linesMs = batchMs - perBatchMs;
    const share = this.budgetMs - Math.min(heldMs - linesMs, this.budgetMs / 2);
    if (linesMs > share) this.size = Math.max(1, Math.floor(this.size / 2));
    else if (linesMs < share / 4) this.size = Math.min(MAX_BATCH_LINES, this.size * 2);
  }
}

/**
 * Runs `step` in short transactions until it says it is done, each batch resized to the budget
 * (BatchSizer), pausing as long as the lock was held after each, so that writers waiting in their
 * busy handler (or on PostgreSQL's serial writers' lock) get in between. A transaction that
 * finds the database locked past its own busy timeout is tried again: the work is resumable.
 * `committed` is called after each transaction commits (a retried `step` must not count twice).
 */
async function inShortTransactions(
  store: Store,
  tuning: StagingTuning,
  phase: ImportPhase,
  firstBatch: number,
  step: (tx: Store, batch: number) => Promise<boolean>,
  committed?: () => void,
): Promise<void> {
  const sizer = new BatchSizer(firstBatch, tuning.transactionBudgetMs);
  for (;;) {
    let stepMs = 0;
    const { value: done, heldMs } = await timedTransaction(
      store,
      tuning,
      phase,
      async (tx) => {
        const started = performance.now();
        const value = await step(tx, sizer.size);
        stepMs = performance.now() - started;
        return value;
      },
      IMPORT_LEASE_MS / 2,
    );
    committed?.();
    if (done) return;
    sizer.after(heldMs, stepMs);
    await sleep(Math.max(1, heldMs));
  }
}

/**
 * Moves a landing import's prompts into its target and applies its staged annotations, a batch a
 * transaction, then deletes the emptied staging (its dataset_imports row goes with it). Every
 * batch starts from what is left, so a crash anywhere is finished by running this again; until it
 * has finished, part of the import is visible in the target.
 */
async function finishLanding(
  store: Store,
  stagingDatasetId: number,
  targetDatasetId: number,
  tuning: StagingTuning,
): Promise<Landing> {
  const annotations = { created: 0, updated: 0, unchanged: 0 };
  let written: AnnotationWrite["outcome"][] = [];
  let targetGone = false;
  const step = async (tx: Store, batch: number) => {
    written = [];
    // Finished meanwhile by another process (the importer, or a clean-up that took it over).
    if (!(await tx.imports.renewLanding(stagingDatasetId, Date.now(), process.pid))) return true;
    if (!(await tx.imports.datasetExists(targetDatasetId))) {
      targetGone = true;
      return true;
    }
    if ((await tx.imports.movePrompts(stagingDatasetId, targetDatasetId, batch)) > 0) return false;
    const staged = await tx.imports.stagedAnnotations(stagingDatasetId, batch);
    const outcomes = await tx.annotations.writeAll(
      staged.map((row) => {
        const v = storedVersionSchema.parse(JSON.parse(row.version));
        return {
          promptId: row.prompt_id,
          annotatorId: row.annotator_id,
          version: { ...v, createdAt: new Date(v.createdAt), updatedAt: new Date(v.updatedAt) },
        };
      }),
      "keep",
    );
    written = outcomes;
    if (staged.length > 0) {
      await tx.imports.deleteStagedAnnotations(staged.map((row) => row.id));
      return false;
    }
    await tx.imports.deleteDataset(stagingDatasetId);
    return true;
  };
  await inShortTransactions(store, tuning, "land", LANDING_FIRST_BATCH, step, () => {
    for (const outcome of written) annotations[outcome]++;
  });
  if (targetGone) {
    // Nowhere to land: what is left of it goes.
    await store.transaction("serial", (tx) => tx.imports.setState(stagingDatasetId, "discarding"));
    await deleteStaging(store, stagingDatasetId, tuning);
  }
  return { annotations };
}

/**
 * Takes a staging away from its importer, to discard: from then on the importer's next write or
 * landing fails (StagingDiscardedError), so rows deleted below can never land half-way. A landing
 * import is not taken ("landing": finish it instead). The dataset_imports row stays, with the
 * accounts the import created, until the last of its rows is gone, so a discarder that dies
 * half-way leaves work that the next one completes.
 */
async function claimStaging(tx: Store, stagingDatasetId: number): Promise<"discard" | "landing"> {
  const state = await tx.imports.claim(stagingDatasetId, process.pid, Date.now());
  await tx.coordination.setImportOwner(stagingDatasetId, processId());
  return state === "landing" ? "landing" : "discard";
}

/** Deletes a claimed staging in short transactions, then the accounts it created that nothing else uses. */
async function deleteStaging(store: Store, stagingDatasetId: number, tuning: StagingTuning): Promise<void> {
  await inShortTransactions(store, tuning, "discard", DISCARD_BATCH_PROMPTS, async (tx) => {
    await tx.imports.renewAny(stagingDatasetId, Date.now());
    return (await tx.imports.deletePrompts(stagingDatasetId, DISCARD_BATCH_PROMPTS)) === 0;
  });
  await timedTransaction(store, tuning, "discard", async (tx) => {
    const created = await tx.imports.createdAnnotators(stagingDatasetId);
    const createdAnnotatorIds = z.array(z.number().int()).parse(JSON.parse(created ?? "[]"));
    // The dataset_imports row and staged_annotations go with the dataset.
    await tx.imports.deleteDataset(stagingDatasetId);
    // Only accounts nothing else refers to: a concurrent import may have found and used one.
    for (const id of createdAnnotatorIds) await tx.imports.removeUnusedExternalUser(id);
  });
}

type Abandoned = { id: number; targetDatasetId: number | null; claimed: "discard" | "landing" };

/**
 * Claims, in one transaction, the stagings `abandonedIn` picks (it reads what it needs in that
 * transaction), then finishes or discards each.
 */
async function cleanUp(
  store: Store,
  tuning: StagingTuning,
  abandonedIn: (tx: Store) => Promise<(s: { id: number; heartbeat_at: number | null }) => boolean>,
): Promise<number> {
  const claimed = await store.transaction("serial", async (tx) => {
    const abandoned: Abandoned[] = [];
    const isAbandoned = await abandonedIn(tx);
    for (const s of (await tx.imports.stagings()).filter(isAbandoned))
      abandoned.push({ id: s.id, targetDatasetId: s.target_dataset_id, claimed: await claimStaging(tx, s.id) });
    return abandoned;
  });
  for (const s of claimed) {
    try {
      if (s.claimed === "landing" && s.targetDatasetId !== null)
        await finishLanding(store, s.id, s.targetDatasetId, tuning);
      else await deleteStaging(store, s.id, tuning);
    } catch (error) {
      // Left for the next clean-up to take over again; one that keeps failing must not stop every import.
      console.error(`Octorank: could not clean up the staging of import ${s.id}:`, error);
    }
  }
  return claimed.length;
}

/**
 * Finishes (a landing) or discards (anything else) the staging of every import whose process
 * stopped renewing its lease (it died or hangs, on whatever host), never a live importer's, which
 * may run on another server: a pid says nothing there. Returns how many. Called before each import,
 * at server start and every IMPORT_LEASE_MS by each server. All of them are claimed, in one
 * transaction, before any is finished or discarded.
 */
export function discardAbandonedImports(
  store: Store,
  tuning: StagingTuning = DEFAULT_STAGING_TUNING,
  now = Date.now(),
): Promise<number> {
  return cleanUp(store, tuning, async () => (s) => s.heartbeat_at === null || now - s.heartbeat_at > IMPORT_LEASE_MS);
}

/**
 * The same for the imports of one process that has exited (an import child that died, named by
 * its processId): whoever saw it exit finishes or discards its staging at once, rather than once
 * its lease has run out.
 */
export function discardImportsOf(
  store: Store,
  owner: string,
  tuning: StagingTuning = DEFAULT_STAGING_TUNING,
): Promise<number> {
  return cleanUp(store, tuning, async (tx) => {
    const owned = new Set(await tx.coordination.importsOwnedBy(owner));
    return (s) => owned.has(s.id);
  });
}
