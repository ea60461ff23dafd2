import { z } from "zod";
import { getStore } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/http/ids";
import { route } from "@/lib/http/route";
import { getRun } from "@/lib/runs/lifecycle";
import { scoreWithRun } from "@/lib/runs/scoring";

const responseSchema = z.union([
  z.string().min(1, "A response must not be empty.").max(50_000),
  z.object({
    text: z.string().min(1, "A response must not be empty.").max(50_000),
    embedding: z.array(z.number()).max(8192).optional(),
  }),
]);

const body = z.object({
  prompt: z.string().min(1, "Send the prompt text.").max(50_000),
  responses: z
    .array(responseSchema)
    .min(1, "Send at least one response.")
    .max(64, "Score at most 64 responses per request."),
  openness: z.number().min(0).max(1).optional(),
});

/** POST /api/runs/:id/score {prompt, responses[], openness?}: rewards in (0, 1) from the run's stored model. */
export const POST = route({ access: "researcher", params: idParams("run"), body }, async ({ params, body }) => {
  const run = await getRun(getStore(), params.id);
  if (!run) throw new AppError("not-found", `There is no run ${params.id}.`);
  const responses = body.responses.map((r) => (typeof r === "string" ? { text: r } : r));
  return { runId: run.id, rewards: scoreWithRun(run, body.prompt, responses, body.openness) };
});
