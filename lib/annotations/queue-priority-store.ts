import "server-only";
import type { Store } from "@/db/store";
import type { QueueOrderName } from "@/lib/domain";

/** Priorities written per transaction, so a worker never holds the write lock for long. */
const WRITE_BATCH = 2_000;

/**
 * Writes a model-driven order's prompts.queue_priority, a batch a transaction, and at the end the
 * version they are of, for as long as the dataset's order is still `order`: an admin who switched
 * the order meanwhile is not overwritten. A worker's job (lib/annotations/queue-priority.ts).
 */
export async function storeQueuePriorities(
  store: Store,
  datasetId: number,
  order: QueueOrderName,
  priorities: readonly (readonly [promptId: number, priority: number])[],
  version: string,
): Promise<void> {
  for (let i = 0; i < priorities.length || i === 0; i += WRITE_BATCH) {
    // Serial: the order is checked and the batch written with no admin's switch between them.
    const stopped = await store.transaction("serial", async (tx) => {
      if (!(await tx.queuePriorities.isOrder(datasetId, order))) return true;
      await tx.queuePriorities.setPriorities(datasetId, priorities.slice(i, i + WRITE_BATCH));
      if (i + WRITE_BATCH >= priorities.length) await tx.queuePriorities.setVersion(datasetId, version);
      return false;
    });
    if (stopped) return;
  }
}
