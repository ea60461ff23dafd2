import "server-only";
import type { Db } from "@/db";
import type { QueueOrderName } from "@/lib/domain";

/** Priorities written per transaction, so a worker never holds the write lock for long. */
const WRITE_BATCH = 2_000;

/**
 * Writes a model-driven order's prompts.queue_priority, a batch a transaction, and at the end the
 * version they are of, for as long as the dataset's order is still `order`: an admin who switched
 * the order meanwhile is not overwritten. A worker's job (lib/annotations/queue-priority.ts).
 */
export function storeQueuePriorities(
  db: Db,
  datasetId: number,
  order: QueueOrderName,
  priorities: readonly (readonly [promptId: number, priority: number])[],
  version: string,
): void {
  const sqlite = db.$client;
  const stillTheirs = sqlite.prepare("select 1 from datasets where id = ? and queue_order = ?").pluck();
  const update = sqlite.prepare("update prompts set queue_priority = ? where id = ? and dataset_id = ?");
  const setVersion = sqlite.prepare("update datasets set queue_priority_version = ? where id = ?");
  for (let i = 0; i < priorities.length || i === 0; i += WRITE_BATCH) {
    const stopped = sqlite
      .transaction(() => {
        if (!stillTheirs.get(datasetId, order)) return true;
        for (const [id, priority] of priorities.slice(i, i + WRITE_BATCH)) update.run(priority, id, datasetId);
        if (i + WRITE_BATCH >= priorities.length) setVersion.run(version, datasetId);
        return false;
      })
      .immediate();
    if (stopped) return;
  }
}
