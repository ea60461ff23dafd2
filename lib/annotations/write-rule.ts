import "server-only";
import type { Store } from "@/lib/db";
import { AppError } from "@/lib/errors";

/**
 * The one rule for an annotator writing an annotation, whatever the door (the board, the API, a
 * script): the prompt's dataset is one annotators rank (not synthetic, not an import still being
 * staged); an edit of one's own annotation is always theirs to make; a first submission needs the
 * annotator's live lease on the prompt, or a slot still free under the dataset's target k (its
 * annotations plus others' live leases fewer than k). Call it inside the serial transaction
 * that writes, so two annotators cannot both take the last slot. Returns the refusal, or null.
 */
export async function annotationWriteRefusal(
  tx: Store,
  promptId: number,
  annotatorId: number,
  at: number,
): Promise<AppError | null> {
  const row = await tx.annotations.writeFacts(promptId, annotatorId, at);
  if (!row) return new AppError("not-found", `There is no prompt ${promptId}.`);
  if (row.synthetic) {
    return new AppError("forbidden", "This dataset is generated, not ranked by annotators; it takes no annotations.");
  }
  if (row.mine || row.leased || row.taken < row.k) return null;
  return new AppError(
    "conflict",
    `This prompt already has the ${row.k} annotation${row.k === 1 ? "" : "s"} its dataset asks for (counting others' claims); take the next prompt from the queue.`,
  );
}
