import { z } from "zod";
import { getStore } from "@/lib/db";
import { findQueueDataset, nextPrompt } from "@/lib/annotations/queue";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const query = z.object({
  dataset: z.string().optional(),
  /** The prompt on the caller's screen: claim the one after it (a prefetch), renewing its lease. */
  ahead: z.coerce.number().int().positive().optional(),
});

/**
 * POST /api/queue/next?dataset=slug: claims the caller's next prompt (leased to them), or status
 * "done"; with `ahead=<prompt id>` the prompt after that one (prefetched while the caller works). A POST because it takes a lease: a GET must not change anything (prefetchers, crawlers).
 */
export const POST = route({ access: "annotator", query }, async ({ user, query }) => {
  const store = getStore();
  const dataset = await findQueueDataset(store, query.dataset);
  if (!dataset) {
    throw new AppError(
      "not-found",
      query.dataset ? `There is no dataset "${query.dataset}".` : "There are no datasets yet.",
    );
  }
  return nextPrompt(store, dataset, user.id, new Date(), dataset.queueOrder ?? "fill", query.ahead ?? null);
});
