import { z } from "zod";
import { getDb } from "@/db";
import { jsonError, parseJsonBody } from "@/lib/http/body";
import { getRun } from "@/lib/runs/lifecycle";
import { parseRunId } from "@/lib/runs/schemas";
import { scoreWithRun } from "@/lib/runs/scoring";
import { authorizeRequest } from "@/lib/auth/session";

const responseSchema = z.union([
  z.string().min(1, "A response must not be empty.").max(50_000),
  z.object({
    text: z.string().min(1, "A response must not be empty.").max(50_000),
    embedding: z.array(z.number()).max(8192).optional(),
  }),
]);

const scoreSchema = z.object({
  prompt: z.string().min(1, "Send the prompt text.").max(50_000),
  responses: z
    .array(responseSchema)
    .min(1, "Send at least one response.")
    .max(64, "Score at most 64 responses per request."),
  openness: z.number().min(0).max(1).optional(),
});

/** POST /api/runs/:id/score {prompt, responses[], openness?}: rewards in (0, 1) from the run's stored model. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const auth = await authorizeRequest(request, "researcher");
  if (auth.response) return auth.response;
  const id = parseRunId((await params).id);
  const run = id === null ? undefined : getRun(getDb(), id);
  if (!run) return jsonError(404, "There is no such run.");
  if (run.status !== "succeeded" || !run.weights)
    return jsonError(409, `Run ${run.id} is ${run.status}: only a succeeded run has a model to score with.`);
  const body = await parseJsonBody(request, scoreSchema);
  if (body.response) return body.response;
  const responses = body.data.responses.map((r) => (typeof r === "string" ? { text: r } : r));
  try {
    const rewards = scoreWithRun(run.id, run.weights, body.data.prompt, responses, body.data.openness);
    return Response.json({ runId: run.id, rewards });
  } catch (error) {
    return jsonError(400, error instanceof Error ? error.message : String(error));
  }
}
