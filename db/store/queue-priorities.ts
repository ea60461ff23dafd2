import type { Db } from "../index";
import type { Synchronous } from "./transaction";

/**
 * prompts.queue_priority for the queue orders a model decides (lib/annotations/queue-priority.ts):
 * what a worker reads to score a dataset's prompts, and the priorities and their version it writes.
 */
export interface QueuePriorityStore {
  /** The dataset's latest succeeded run that stored its weights (the highest id); null when it has none. */
  latestTrainedRun(datasetId: number): Promise<number | null>;
  /** The run's stored weights (its saved reward model); null when it has none or there is no such run. */
  runWeights(runId: number): Promise<Uint8Array | null>;
  /** Every prompt of the dataset, with its text, in no set order. */
  prompts(datasetId: number): Promise<{ id: number; text: string }[]>;
  /** The texts of the prompt's responses in their board order (position). */
  responseTexts(promptId: number): Promise<string[]>;
  /**
   * What the dataset's stored priorities are of (datasets.queue_priority_version: null before any
   * were written); null when there is no such dataset.
   */
  version(datasetId: number): Promise<{ version: string | null } | null>;
  /** Whether the dataset's queue order is `order` now (false when there is no such dataset). */
  isOrder(datasetId: number, order: string): Promise<boolean>;
  /** Sets these prompts' queue priorities; ids not of the dataset are left alone. */
  setPriorities(
    datasetId: number,
    priorities: readonly (readonly [promptId: number, priority: number])[],
  ): Promise<void>;
  /** Records what the dataset's stored priorities are of. */
  setVersion(datasetId: number, version: string): Promise<void>;
}

export function sqliteQueuePriorityStore(db: Db) {
  const sqlite = db.$client;
  return {
    latestTrainedRun: (datasetId: number) =>
      sqlite
        .prepare<[number], { id: number }>(
          `select id from training_runs
        where dataset_id = ? and status = 'succeeded' and weights is not null order by id desc limit 1`,
        )
        .get(datasetId)?.id ?? null,
    runWeights: (runId: number) =>
      sqlite.prepare<[number], { weights: Buffer | null }>(`select weights from training_runs where id = ?`).get(runId)
        ?.weights ?? null,
    prompts: (datasetId: number) =>
      sqlite
        .prepare<[number], { id: number; text: string }>(`select id, text from prompts where dataset_id = ?`)
        .all(datasetId),
    responseTexts: (promptId: number) =>
      sqlite
        .prepare<[number], string>(`select text from responses where prompt_id = ? order by position`)
        .pluck()
        .all(promptId),
    version: (datasetId: number) =>
      sqlite
        .prepare<[number], { version: string | null }>(
          `select queue_priority_version as version from datasets where id = ?`,
        )
        .get(datasetId) ?? null,
    isOrder: (datasetId: number, order: string) =>
      sqlite.prepare("select 1 from datasets where id = ? and queue_order = ?").pluck().get(datasetId, order) !==
      undefined,
    setPriorities(datasetId: number, priorities: readonly (readonly [promptId: number, priority: number])[]) {
      const update = sqlite.prepare("update prompts set queue_priority = ? where id = ? and dataset_id = ?");
      for (const [id, priority] of priorities) update.run(priority, id, datasetId);
    },
    setVersion(datasetId: number, version: string) {
      sqlite.prepare("update datasets set queue_priority_version = ? where id = ?").run(version, datasetId);
    },
  } satisfies Synchronous<QueuePriorityStore>;
}
