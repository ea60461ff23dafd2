import { z } from "zod";
import { getStore } from "@/lib/db";
import { idParams } from "@/lib/http/ids";
import { route } from "@/lib/http/route";
import { addExternalCheckpoint, readScoresBody } from "@/lib/runs/external";

export const dynamic = "force-dynamic";

/**
 * POST /api/runs/:id/checkpoints?step=N with a scores JSONL body (lib/runs/external.ts): the
 * external run's scores at a later training step, added to its trajectory. 200 with the run; 400
 * naming every bad line, 409 for a step not after the last one or a run trained here (nothing stored).
 */
export const POST = route(
  { access: "researcher", params: idParams("run"), query: z.object({ step: z.string().optional() }) },
  async ({ request, params, query }) => {
    const text = await readScoresBody(request);
    const run = await addExternalCheckpoint(getStore(), params.id, { step: query.step }, text);
    return { run, dashboard: `/runs/${run.id}` };
  },
);
