import { z } from "zod";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isCrossSiteFormRisk, readTextUpTo } from "@/lib/http/body";
import { route } from "@/lib/http/route";
import { datasetIdBySlug } from "@/lib/runs/request-run";
import { createExternalRun, MAX_SCORES_BYTES } from "@/lib/runs/external";

export const dynamic = "force-dynamic";

/**
 * POST /api/datasets/<slug>/external-runs?name=&utility=&eps=&link=identity|logit with a scores JSONL body (see
 * lib/runs/external.ts): 201 with the finished run (its summary holds the verdicts) and its
 * dashboard's path; 400 naming every bad line (nothing stored).
 */
export const POST = route(
  {
    access: "researcher",
    params: z.object({ slug: z.string() }),
    query: z.object({
      name: z.string().optional(),
      utility: z.string().optional(),
      eps: z.string().optional(),
      link: z.string().optional(),
    }),
  },
  async ({ request, params, query, user }) => {
    if (isCrossSiteFormRisk(request))
      throw new AppError(
        "unsupported-media-type",
        "Send the file with Content-Type: application/x-ndjson (or an API token).",
      );
    // The proxy does not run here (it would keep only the first 10 MB), so the size is checked as it streams.
    const text = await readTextUpTo(request, MAX_SCORES_BYTES);
    if (text === null) throw new AppError("too-large", "The scores file is over 20 MB.");
    const db = getDb();
    const datasetId = datasetIdBySlug(db, params.slug);
    if (datasetId === null) throw new AppError("not-found", `There is no dataset "${params.slug}".`);
    const run = createExternalRun(
      db,
      { datasetId, name: query.name, utility: query.utility as never, eps: query.eps, link: query.link as never },
      text,
      user.id,
    );
    return Response.json({ run, dashboard: `/runs/${run.id}` }, { status: 201 });
  },
);
