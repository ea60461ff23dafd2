import { z } from "zod";
import { getStore } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";
import { datasetIdBySlug } from "@/lib/runs/request-run";
import { createExternalRun, readScoresBody } from "@/lib/runs/external";

export const dynamic = "force-dynamic";

/**
 * POST /api/datasets/<slug>/external-runs?name=&utility=&eps=&link=identity|logit&step= with a scores
 * JSONL body (see lib/runs/external.ts): 201 with the finished run (its summary holds the verdicts)
 * and its dashboard's path; 400 naming every bad line (nothing stored). With a training `step` the
 * scores are the run's first checkpoint (POST /api/runs/:id/checkpoints adds more).
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
      step: z.string().optional(),
    }),
  },
  async ({ request, params, query, user }) => {
    const text = await readScoresBody(request);
    const store = getStore();
    const datasetId = await datasetIdBySlug(store, params.slug);
    if (datasetId === null) throw new AppError("not-found", `There is no dataset "${params.slug}".`);
    const run = await createExternalRun(
      store,
      {
        datasetId,
        name: query.name,
        utility: query.utility as never,
        eps: query.eps,
        link: query.link as never,
        step: query.step,
      },
      text,
      user.id,
    );
    return Response.json({ run, dashboard: `/runs/${run.id}` }, { status: 201 });
  },
);
