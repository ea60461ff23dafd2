import { z } from "zod";
import { getDb } from "@/lib/db";
import { skipPrompt } from "@/lib/annotations/queue";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";

const body = z.object({ promptId: z.number().int().positive("promptId must be a prompt's id.") });

/** POST /api/queue/skip {promptId}: gives the prompt back to the pool and out of the caller's queue. */
export const POST = route({ access: "annotator", body }, ({ user, body }) => {
  if (!skipPrompt(getDb(), body.promptId, user.id))
    throw new AppError("not-found", `There is no prompt ${body.promptId}.`);
  return { skipped: body.promptId };
});
