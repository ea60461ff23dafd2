import "server-only";
import crypto from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { writeWhenFree, type Db } from "@/db";
import { isProcessAlive } from "@/lib/process";
import {
  deleteDataset,
  deleteSomePrompts,
  hasSameContent,
  insertDataset,
  moveStagedPrompts,
  publishStagingDataset,
  storedAnnotation,
  writeAnnotation,
  type AnnotationVersion,
  type AnnotationWrite,
} from "@/db/store/writer";

/**
 * Where an import's rows wait until the whole file has passed: a dataset of its own, marked
 * import_staging, which no reader lists, so what the import writes stays invisible. It is written
 * in short transactions with a pause after each, so that other writers (annotation submits, queue
 * claims, a trainer renewing its lease) get the lock well within their busy timeout. A new dataset
 * lands in one constant-time transaction (the staging dataset is renamed); a merge into an existing
 * dataset passes a commit point (state "landing") and then moves its prompts and applies its
 * annotations in short transactions too, which whoever finds it abandoned finishes. Otherwise it is
 * discarded, also in short transactions that anyone can redo. A crashed importer's staging is
 * finished or discarded by the next import, by the server when its import child dies, and at server
 * start (discardAbandonedImports, discardImportsOf).
 */

/** An importer that has not renewed its lease this long is taken for dead and its staging discarded. */
export const IMPORT_LEASE_MS = 60_000;

/** What a write transaction of an import was doing: writing its staging, landing it, or discarding it. */
export type ImportPhase = "stage" | "land" | "discard";

export type StagingTuning = {
  /** A batch of lines is made smaller when its transaction held the write lock longer than this. */
  transactionBudgetMs: number;
  /**
   * Told how long each of the import's write transactions held the lock, after it committed (the
   * tests and the bench read it; the crash tests kill the process here, between two transactions).
   */
  onTransaction?: (heldMs: number, phase: ImportPhase) => void;
};
export const DEFAULT_STAGING_TUNING: StagingTuning = { transactionBudgetMs: 40 };

const MAX_BATCH_LINES = 2048;
const DISCARD_BATCH_PROMPTS = 200;
const LANDING_FIRST_BATCH = 64;

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
  /** Lines per write transaction, adapted to the budget as the import goes. */
  batchSize = 32;
  private createdAnnotatorIds: number[] = [];

  private constructor(
    private readonly db: Db,
    readonly datasetId: number,
    private readonly targetDatasetId: number | null,
    private readonly targetSlug: string,
    private readonly tuning: StagingTuning,
  ) {}

  /** Creates the staging dataset for an import into `target` (an existing dataset) or a new `targetSlug`. */
  static open(
    db: Db,
    targetSlug: string,
    targetDatasetId: number | null,
    settings: StagingSettings,
    tuning: StagingTuning,
  ): ImportStaging {
    const datasetId = db.$client.transaction(() => {
      const staging = insertDataset(db, {
        ...settings,
        slug: `~import-${crypto.randomUUID()}`,
        importStaging: true,
      });
      db.$client
        .prepare(
          `insert into dataset_imports (staging_dataset_id, target_dataset_id, target_slug, owner_pid, heartbeat_at, created_annotator_ids)
           values (?, ?, ?, ?, ?, '[]')`,
        )
        .run(staging.id, targetDatasetId, targetSlug, process.pid, Date.now());
      return staging.id;
    })();
    return new ImportStaging(db, datasetId, targetDatasetId, targetSlug, tuning);
  }

  /**
   * Runs `work` in one write transaction that also renews the lease, then pauses as long as the
   * lock was held, so that a writer waiting on it gets in before the next batch.
   */
  async write<T>(work: () => T): Promise<T> {
    const { value, heldMs } = this.transaction(() => {
      this.renewLease();
      const value = work();
      // In the same transaction as the accounts: a crash right after it cannot leave one unrecorded.
      this.recordCreatedAnnotators();
      return value;
    });
    if (heldMs > this.tuning.transactionBudgetMs) this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
    else if (heldMs < this.tuning.transactionBudgetMs / 4)
      this.batchSize = Math.min(MAX_BATCH_LINES, this.batchSize * 2);
    await sleep(Math.max(1, heldMs));
    return value;
  }

  /** Recorded so that discarding the staging removes the accounts too. Call inside write(). */
  noteCreatedAnnotator(userId: number): void {
    this.createdAnnotatorIds.push(userId);
  }

  /**
   * An imported version of an annotation of a prompt the target already has: kept for landing,
   * unless it is what is stored already. Call inside write().
   */
  stageAnnotation(promptId: number, annotatorId: number, version: AnnotationVersion): "staged" | "unchanged" {
    const existing = storedAnnotation(this.db, promptId, annotatorId);
    if (existing && hasSameContent(existing, version)) return "unchanged";
    const now = Date.now();
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
    this.db.$client
      .prepare(
        "insert into staged_annotations (staging_dataset_id, prompt_id, annotator_id, version) values (?, ?, ?, ?)",
      )
      .run(this.datasetId, promptId, annotatorId, JSON.stringify(stored));
    return "staged";
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
      this.transaction(() => {
        this.renewLease();
        if (this.db.$client.prepare("select 1 from datasets where slug = ?").get(this.targetSlug)) {
          throw new ImportConflictError(
            `Dataset "${this.targetSlug}" was created while this file was importing; import the file again to add to it.`,
          );
        }
        publishStagingDataset(this.db, this.datasetId, this.targetSlug);
        this.db.$client.prepare("delete from dataset_imports where staging_dataset_id = ?").run(this.datasetId);
      }, "land");
      return { annotations: { created: 0, updated: 0, unchanged: 0 } };
    }
    this.transaction(() => {
      this.renewLease();
      this.assertTargetCanTake();
      this.db.$client
        .prepare("update dataset_imports set state = 'landing' where staging_dataset_id = ?")
        .run(this.datasetId);
    }, "land");
    return finishLanding(this.db, this.datasetId, targetDatasetId, this.tuning);
  }

  /** Removes everything the import staged, in short transactions; a landing already committed is finished instead. */
  async discard(): Promise<void> {
    const claimed = this.db.$client.transaction(() => claimStaging(this.db, this.datasetId)).immediate();
    if (claimed === "landing") await finishLanding(this.db, this.datasetId, this.targetDatasetId!, this.tuning);
    else await deleteStaging(this.db, this.datasetId, this.tuning);
  }

  private assertTargetCanTake(): void {
    const sqlite = this.db.$client;
    const target = sqlite
      .prepare<[number], { slug: string }>("select slug from datasets where id = ? and import_staging = 0")
      .get(this.targetDatasetId!);
    if (!target)
      throw new ImportConflictError(`Dataset "${this.targetSlug}" was deleted while this file was importing.`);
    // Another writer (a second import, say) stored some of the same prompts meanwhile, or is
    // landing them: its prompts that have not moved yet are still in its staging.
    const clashes = sqlite
      .prepare<[{ target: number; staging: number }], { external_id: string }>(
        `select s.external_id from prompts s join prompts t on t.external_id = s.external_id
           and (t.dataset_id = @target or t.dataset_id in (select staging_dataset_id from dataset_imports
             where target_dataset_id = @target and state = 'landing' and staging_dataset_id != @staging))
         where s.dataset_id = @staging limit 5`,
      )
      .all({ target: this.targetDatasetId!, staging: this.datasetId })
      .map((r) => `"${r.external_id}"`);
    if (clashes.length) {
      throw new ImportConflictError(
        `Prompt ${clashes.join(", ")} reached dataset "${this.targetSlug}" from another writer while this file was importing; import the file again.`,
      );
    }
  }

  /** Fails once anyone has claimed the staging for discarding (or it is gone). */
  private renewLease(): void {
    const renewed = this.db.$client
      .prepare("update dataset_imports set heartbeat_at = ? where staging_dataset_id = ? and state = 'staging'")
      .run(Date.now(), this.datasetId);
    if (renewed.changes === 0) throw new StagingDiscardedError();
  }

  private recordCreatedAnnotators(): void {
    this.db.$client
      .prepare("update dataset_imports set created_annotator_ids = ? where staging_dataset_id = ?")
      .run(JSON.stringify(this.createdAnnotatorIds), this.datasetId);
  }

  private transaction<T>(work: () => T, phase: ImportPhase = "stage"): { value: T; heldMs: number } {
    return timedTransaction(this.db, this.tuning, phase, work);
  }
}

/** One IMMEDIATE transaction: the lock is taken at BEGIN, so the time from inside to after COMMIT is the hold. */
function timedTransaction<T>(
  db: Db,
  tuning: StagingTuning,
  phase: ImportPhase,
  work: () => T,
): { value: T; heldMs: number } {
  let lockedAt = 0;
  const value = db.$client
    .transaction(() => {
      lockedAt = performance.now();
      return work();
    })
    .immediate();
  const heldMs = performance.now() - lockedAt;
  tuning.onTransaction?.(heldMs, phase);
  return { value, heldMs };
}

/**
 * Runs `step` in short transactions until it says it is done: each batch is halved when it held
 * the lock past the budget and doubled when well under it, and the caller pauses as long as the
 * lock was held, so that writers waiting in their busy handler get in between. A transaction that
 * finds the database locked past its own busy timeout is tried again: the work is resumable.
 */
async function inShortTransactions(
  db: Db,
  tuning: StagingTuning,
  phase: ImportPhase,
  firstBatch: number,
  step: (batch: number) => boolean,
): Promise<void> {
  let batch = firstBatch;
  for (;;) {
    const { value: done, heldMs } = await writeWhenFree(
      () => timedTransaction(db, tuning, phase, () => step(batch)),
      Date.now() + IMPORT_LEASE_MS / 2,
    );
    if (done) return;
    if (heldMs > tuning.transactionBudgetMs) batch = Math.max(1, Math.floor(batch / 2));
    else if (heldMs < tuning.transactionBudgetMs / 4) batch = Math.min(MAX_BATCH_LINES, batch * 2);
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
  db: Db,
  stagingDatasetId: number,
  targetDatasetId: number,
  tuning: StagingTuning,
): Promise<Landing> {
  const sqlite = db.$client;
  const annotations = { created: 0, updated: 0, unchanged: 0 };
  const renew = sqlite.prepare(
    "update dataset_imports set heartbeat_at = ?, owner_pid = ? where staging_dataset_id = ? and state = 'landing'",
  );
  const targetExists = sqlite.prepare("select 1 from datasets where id = ?").pluck();
  const nextStaged = sqlite.prepare<
    [number, number],
    { id: number; prompt_id: number; annotator_id: number; version: string }
  >(
    "select id, prompt_id, annotator_id, version from staged_annotations where staging_dataset_id = ? order by id limit ?",
  );
  const deleteApplied = sqlite.prepare("delete from staged_annotations where id in (select value from json_each(?))");
  let targetGone = false;
  await inShortTransactions(db, tuning, "land", LANDING_FIRST_BATCH, (batch) => {
    // Finished meanwhile by another process (the importer, or a clean-up that took it over).
    if (renew.run(Date.now(), process.pid, stagingDatasetId).changes === 0) return true;
    if (!targetExists.get(targetDatasetId)) {
      targetGone = true;
      return true;
    }
    if (moveStagedPrompts(db, stagingDatasetId, targetDatasetId, batch) > 0) return false;
    const staged = nextStaged.all(stagingDatasetId, batch);
    for (const row of staged) {
      const v = storedVersionSchema.parse(JSON.parse(row.version));
      const written = writeAnnotation(db, row.prompt_id, row.annotator_id, {
        ...v,
        createdAt: new Date(v.createdAt),
        updatedAt: new Date(v.updatedAt),
      });
      annotations[written.outcome]++;
    }
    if (staged.length > 0) {
      deleteApplied.run(JSON.stringify(staged.map((row) => row.id)));
      return false;
    }
    deleteDataset(db, stagingDatasetId);
    return true;
  });
  if (targetGone) {
    // Nowhere to land: what is left of it goes.
    sqlite
      .prepare("update dataset_imports set state = 'discarding' where staging_dataset_id = ?")
      .run(stagingDatasetId);
    await deleteStaging(db, stagingDatasetId, tuning);
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
function claimStaging(db: Db, stagingDatasetId: number): "discard" | "landing" {
  const row = db.$client
    .prepare<[number, number, number], { state: string }>(
      `update dataset_imports set state = case state when 'landing' then 'landing' else 'discarding' end,
         owner_pid = ?, heartbeat_at = ? where staging_dataset_id = ? returning state`,
    )
    .get(process.pid, Date.now(), stagingDatasetId);
  return row?.state === "landing" ? "landing" : "discard";
}

/** Deletes a claimed staging in short transactions, then the accounts it created that nothing else uses. */
async function deleteStaging(db: Db, stagingDatasetId: number, tuning: StagingTuning): Promise<void> {
  const sqlite = db.$client;
  const renew = sqlite.prepare("update dataset_imports set heartbeat_at = ? where staging_dataset_id = ?");
  await inShortTransactions(db, tuning, "discard", DISCARD_BATCH_PROMPTS, () => {
    renew.run(Date.now(), stagingDatasetId);
    return deleteSomePrompts(db, stagingDatasetId, DISCARD_BATCH_PROMPTS) === 0;
  });
  timedTransaction(db, tuning, "discard", () => {
    const row = sqlite
      .prepare<[number], { created_annotator_ids: string }>(
        "select created_annotator_ids from dataset_imports where staging_dataset_id = ?",
      )
      .get(stagingDatasetId);
    const createdAnnotatorIds = z.array(z.number().int()).parse(JSON.parse(row?.created_annotator_ids ?? "[]"));
    // The dataset_imports row and staged_annotations go with the dataset.
    deleteDataset(db, stagingDatasetId);
    // Only accounts nothing else refers to: a concurrent import may have found and used one.
    const removeUnused = sqlite.prepare(
      `delete from users where id = ? and external = 1
         and not exists (select 1 from annotations where annotator_id = users.id)
         and not exists (select 1 from staged_annotations where annotator_id = users.id)`,
    );
    for (const id of createdAnnotatorIds) removeUnused.run(id);
  });
}

type Abandoned = { id: number; targetDatasetId: number | null; claimed: "discard" | "landing" };

/** Claims, in one transaction, the stagings `isAbandoned` picks, then finishes or discards each. */
async function cleanUp(
  db: Db,
  tuning: StagingTuning,
  isAbandoned: (s: { owner_pid: number | null; heartbeat_at: number | null }) => boolean,
): Promise<number> {
  const claimed = db.$client
    .transaction(() => {
      const stagings = db.$client
        .prepare<
          [],
          { id: number; owner_pid: number | null; heartbeat_at: number | null; target_dataset_id: number | null }
        >(
          `select d.id, i.owner_pid, i.heartbeat_at, i.target_dataset_id from datasets d
           left join dataset_imports i on i.staging_dataset_id = d.id where d.import_staging = 1`,
        )
        .all();
      return stagings
        .filter(isAbandoned)
        .map((s): Abandoned => ({ id: s.id, targetDatasetId: s.target_dataset_id, claimed: claimStaging(db, s.id) }));
    })
    .immediate();
  for (const s of claimed) {
    try {
      if (s.claimed === "landing" && s.targetDatasetId !== null)
        await finishLanding(db, s.id, s.targetDatasetId, tuning);
      else await deleteStaging(db, s.id, tuning);
    } catch (error) {
      // Left for the next clean-up to take over again; one that keeps failing must not stop every import.
      console.error(`Octorank: could not clean up the staging of import ${s.id}:`, error);
    }
  }
  return claimed.length;
}

/**
 * Finishes (a landing) or discards (anything else) the staging of every import whose process is
 * gone or stopped renewing its lease, never a live importer's; returns how many. Called before each
 * import and at server start. The stagings are claimed before this first awaits.
 */
export function discardAbandonedImports(
  db: Db,
  tuning: StagingTuning = DEFAULT_STAGING_TUNING,
  now = Date.now(),
): Promise<number> {
  return cleanUp(
    db,
    tuning,
    (s) =>
      s.owner_pid === null ||
      s.heartbeat_at === null ||
      now - s.heartbeat_at > IMPORT_LEASE_MS ||
      !isProcessAlive(s.owner_pid),
  );
}

/**
 * The same for the imports of one process that has exited (an import child that died): its
 * staging is finished or discarded at once rather than at the next import or server start.
 */
export function discardImportsOf(db: Db, pid: number, tuning: StagingTuning = DEFAULT_STAGING_TUNING): Promise<number> {
  return cleanUp(db, tuning, (s) => s.owner_pid === pid && !isProcessAlive(pid));
}
