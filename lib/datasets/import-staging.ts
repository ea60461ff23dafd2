import crypto from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import type { Db } from "@/db";
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
} from "@/lib/datasets/writer";

/**
 * Where an import's rows wait until the whole file has passed: a dataset of its own, marked
 * import_staging, which no reader lists, so what the import writes stays invisible. It is written
 * in short transactions with a pause after each, so that other writers (annotation submits, queue
 * claims, a trainer renewing its lease) get the lock well within their busy timeout; the import
 * lands in one last transaction (renaming the staging dataset, or moving its prompts into the
 * existing dataset), or is discarded. A crashed importer's staging is discarded by the next import
 * or server start (discardAbandonedImports).
 */

/** An importer that has not renewed its lease this long is taken for dead and its staging discarded. */
export const IMPORT_LEASE_MS = 60_000;

export type StagingTuning = {
  /** A batch of lines is made smaller when its transaction held the write lock longer than this. */
  transactionBudgetMs: number;
  /** Told how long each of the import's write transactions held the lock (the tests and the bench read it). */
  onTransaction?: (heldMs: number) => void;
};
export const DEFAULT_STAGING_TUNING: StagingTuning = { transactionBudgetMs: 40 };

const MAX_BATCH_LINES = 2048;
const DISCARD_BATCH_PROMPTS = 200;

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
      return work();
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

  /** Makes the whole import visible in one transaction; throws ImportConflictError when the target changed. */
  land(): Landing {
    const { value } = this.transaction(() => {
      this.renewLease();
      const annotations = { created: 0, updated: 0, unchanged: 0 };
      if (this.targetDatasetId === null) {
        if (this.db.$client.prepare("select 1 from datasets where slug = ?").get(this.targetSlug)) {
          throw new ImportConflictError(
            `Dataset "${this.targetSlug}" was created while this file was importing; import the file again to add to it.`,
          );
        }
        publishStagingDataset(this.db, this.datasetId, this.targetSlug);
        this.db.$client.prepare("delete from dataset_imports where staging_dataset_id = ?").run(this.datasetId);
        return { annotations };
      }
      this.assertTargetCanTake();
      moveStagedPrompts(this.db, this.datasetId, this.targetDatasetId);
      const staged = this.db.$client
        .prepare<[number], { prompt_id: number; annotator_id: number; version: string }>(
          "select prompt_id, annotator_id, version from staged_annotations where staging_dataset_id = ? order by id",
        )
        .all(this.datasetId);
      for (const row of staged) {
        const v = storedVersionSchema.parse(JSON.parse(row.version));
        const written = writeAnnotation(this.db, row.prompt_id, row.annotator_id, {
          ...v,
          createdAt: new Date(v.createdAt),
          updatedAt: new Date(v.updatedAt),
        });
        annotations[written.outcome]++;
      }
      deleteDataset(this.db, this.datasetId);
      return { annotations };
    });
    return value;
  }

  /** Removes everything the import staged, in short transactions. */
  async discard(): Promise<void> {
    const created = this.db.$client.transaction(() => claimStaging(this.db, this.datasetId)).immediate();
    await deleteStaging(this.db, this.datasetId, created, this.tuning);
  }

  private assertTargetCanTake(): void {
    const sqlite = this.db.$client;
    const target = sqlite
      .prepare<[number], { slug: string }>("select slug from datasets where id = ? and import_staging = 0")
      .get(this.targetDatasetId!);
    if (!target)
      throw new ImportConflictError(`Dataset "${this.targetSlug}" was deleted while this file was importing.`);
    // Another writer (a second import, say) stored some of the same prompts meanwhile.
    const clashes = sqlite
      .prepare<[number, number], { external_id: string }>(
        `select s.external_id from prompts s join prompts t on t.dataset_id = ? and t.external_id = s.external_id
         where s.dataset_id = ? limit 5`,
      )
      .all(this.targetDatasetId!, this.datasetId)
      .map((r) => `"${r.external_id}"`);
    if (clashes.length) {
      throw new ImportConflictError(
        `Prompt ${clashes.join(", ")} reached dataset "${this.targetSlug}" from another writer while this file was importing; import the file again.`,
      );
    }
  }

  private renewLease(): void {
    const renewed = this.db.$client
      .prepare("update dataset_imports set heartbeat_at = ?, created_annotator_ids = ? where staging_dataset_id = ?")
      .run(Date.now(), JSON.stringify(this.createdAnnotatorIds), this.datasetId);
    if (renewed.changes === 0) throw new StagingDiscardedError();
  }

  private transaction<T>(work: () => T): { value: T; heldMs: number } {
    let lockedAt = 0;
    // IMMEDIATE: the lock is taken at BEGIN, so the time from inside to after COMMIT is the hold.
    const value = this.db.$client
      .transaction(() => {
        lockedAt = performance.now();
        return work();
      })
      .immediate();
    const heldMs = performance.now() - lockedAt;
    this.tuning.onTransaction?.(heldMs);
    return { value, heldMs };
  }
}

/**
 * Takes a staging away from its importer: from then on the importer's next write or landing
 * fails (StagingDiscardedError), so rows deleted below can never land half-way. Returns the
 * accounts the import created, to remove once its rows are gone.
 */
function claimStaging(db: Db, stagingDatasetId: number): number[] {
  const row = db.$client
    .prepare<[number], { created_annotator_ids: string }>(
      "delete from dataset_imports where staging_dataset_id = ? returning created_annotator_ids",
    )
    .get(stagingDatasetId);
  return z.array(z.number().int()).parse(JSON.parse(row?.created_annotator_ids ?? "[]"));
}

/** Deletes a claimed staging in short transactions, then the accounts only it used. */
async function deleteStaging(
  db: Db,
  stagingDatasetId: number,
  createdAnnotatorIds: number[],
  tuning: StagingTuning,
): Promise<void> {
  const timed = <T>(work: () => T): T => {
    let lockedAt = 0;
    const value = db.$client
      .transaction(() => {
        lockedAt = performance.now();
        return work();
      })
      .immediate();
    tuning.onTransaction?.(performance.now() - lockedAt);
    return value;
  };
  for (;;) {
    const started = performance.now();
    const deleted = timed(() => deleteSomePrompts(db, stagingDatasetId, DISCARD_BATCH_PROMPTS));
    if (deleted === 0) break;
    await sleep(Math.max(1, performance.now() - started));
  }
  timed(() => {
    deleteDataset(db, stagingDatasetId);
    // Only accounts nothing else refers to: a concurrent import may have found and used one.
    const removeUnused = db.$client.prepare(
      `delete from users where id = ? and external = 1
         and not exists (select 1 from annotations where annotator_id = users.id)
         and not exists (select 1 from staged_annotations where annotator_id = users.id)`,
    );
    for (const id of createdAnnotatorIds) removeUnused.run(id);
  });
}

/**
 * Discards the staging of every import whose process is gone or stopped renewing its lease
 * (never a live importer's); returns how many. Called before each import and at server start.
 * The stagings are claimed before this first awaits.
 */
export async function discardAbandonedImports(
  db: Db,
  tuning: StagingTuning = DEFAULT_STAGING_TUNING,
  now = Date.now(),
): Promise<number> {
  const claimed = db.$client
    .transaction(() => {
      const stagings = db.$client
        .prepare<[], { id: number; owner_pid: number | null; heartbeat_at: number | null }>(
          `select d.id, i.owner_pid, i.heartbeat_at from datasets d
           left join dataset_imports i on i.staging_dataset_id = d.id where d.import_staging = 1`,
        )
        .all();
      return stagings
        .filter(
          (s) =>
            s.owner_pid === null ||
            s.heartbeat_at === null ||
            now - s.heartbeat_at > IMPORT_LEASE_MS ||
            !isProcessAlive(s.owner_pid),
        )
        .map((s) => ({ id: s.id, createdAnnotatorIds: claimStaging(db, s.id) }));
    })
    .immediate();
  for (const s of claimed) await deleteStaging(db, s.id, s.createdAnnotatorIds, tuning);
  return claimed.length;
}
