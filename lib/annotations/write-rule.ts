import "server-only";
import { sql } from "drizzle-orm";
import type { Db } from "@/db";
import { AppError } from "@/lib/errors";

/**
 * The one rule for an annotator writing an annotation, whatever the door (the board, the API, a
 * script): the prompt's dataset is one annotators rank (not synthetic, not an import still being
 * staged); an edit of one's own annotation is always theirs to make; a first submission needs the
 * annotator's live lease on the prompt, or a slot still free under the dataset's target k (its
 * annotations plus others' live leases fewer than k). Call it inside the immediate transaction
 * that writes, so two annotators cannot both take the last slot. Returns the refusal, or null.
 */
export function annotationWriteRefusal(tx: Db, promptId: number, annotatorId: number, at: number): AppError | null {
  const row = tx.get<{ synthetic: number; k: number; taken: number; mine: number; leased: number } | undefined>(sql`
    select d.synthetic as synthetic, d.annotations_per_prompt as k,
      p.annotation_count + (
        select count(*) from assignments s
        where s.prompt_id = p.id and s.annotator_id != ${annotatorId} and s.skipped = 0 and s.leased_until > ${at}
      ) as taken,
      exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId}) as mine,
      exists (
        select 1 from assignments s
        where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and s.skipped = 0 and s.leased_until > ${at}
      ) as leased
    from prompts p join datasets d on d.id = p.dataset_id
    where p.id = ${promptId} and d.import_staging = 0`);
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
