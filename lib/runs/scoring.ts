/** Scoring with a finished run's stored model; loaded models are kept, since decoding costs more than scoring. */
import { loadRewardModel, type LoadedRewardModel } from "@/ml";
import { AppError } from "@/lib/errors";
import type { RunRow } from "@/lib/runs/schemas";

const cache = new Map<number, LoadedRewardModel>();
const CACHE_SIZE = 4;

function modelOf(runId: number, weights: Uint8Array): LoadedRewardModel {
  let model = cache.get(runId);
  if (!model) {
    model = loadRewardModel(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
    cache.set(runId, model);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return model;
}

/**
 * Rewards in (0, 1) of responses to a prompt under the run's model. What the caller can fix (a run
 * with no model yet, a missing openness, embeddings of the wrong size) is an "invalid" or "conflict"
 * AppError; a failure inside the model is a bug and is thrown as it is.
 */
export function scoreWithRun(
  run: Pick<RunRow, "id" | "status" | "weights">,
  prompt: string,
  responses: { text: string; embedding?: number[] }[],
  openness?: number,
): number[] {
  if (run.status !== "succeeded" || !run.weights) {
    throw new AppError("conflict", `Run ${run.id} is ${run.status}: only a succeeded run has a model to score with.`);
  }
  const model = modelOf(run.id, run.weights);
  if (model.spec.opennessInput && openness === undefined) {
    throw new AppError("invalid", "This run's model takes the prompt's openness as an input: send openness (0 to 1).");
  }
  // A model trained without embeddings ignores any it is sent.
  const { embeddingDim } = model.spec;
  for (const [i, r] of responses.entries()) {
    if (embeddingDim > 0 && r.embedding && r.embedding.length !== embeddingDim) {
      throw new AppError(
        "invalid",
        `responses.${i}.embedding: has ${r.embedding.length} dimensions; this run's model expects ${embeddingDim}.`,
      );
    }
  }
  return model.score(prompt, responses, openness);
}
