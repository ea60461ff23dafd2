import { z } from "zod";
import { getDb, writeWhenUnlocked } from "@/lib/db";
import { findQueueDataset, nextPrompt } from "@/lib/annotations/queue";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const query = z.object({ dataset: z.string().optional() });

/**
 * POST /api/queue/next?dataset=slug: claims the caller's next prompt (leased to them), or status
 * "done". A POST because it takes a lease: a GET must not change anything (prefetchers, crawlers).
 */
export const POST = route({ access: "annotator", query }, ({ user, query }) => {
  const db = getDb();
  const dataset = findQueueDataset(db, query.dataset);
  if (!dataset) {
    throw new AppError(
      "not-found",
      query.dataset ? `There is no dataset "${query.dataset}".` : "There are no datasets yet.",
    );
  }
  return writeWhenUnlocked(db, () => nextPrompt(db, dataset, user.id));
});
