import { z } from "zod";
import { getStore } from "@/lib/db";
import { skipPrompt } from "@/lib/annotations/queue";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";

const body = z.object({
  promptId: z.number().int().positive("promptId must be a prompt's id."),
  reason: z.string().max(1000, "Keep the reason under 1000 characters.").nullish(),
});

/** POST /api/queue/skip {promptId, reason?}: gives the prompt back to the pool and out of the caller's queue. */
export const POST = route({ access: "annotator", body }, async ({ user, body }) => {
  const skipped = await skipPrompt(getStore(), body.promptId, user.id, new Date(), body.reason ?? null);
  if (!skipped) throw new AppError("not-found", `There is no prompt ${body.promptId}.`);
  return { skipped: body.promptId };
});
