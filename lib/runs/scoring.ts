/** Scoring with a finished run's stored model; loaded models are kept, since decoding costs more than scoring. */
import { loadRewardModel, type LoadedRewardModel } from "@/ml";

const cache = new Map<number, LoadedRewardModel>();
const CACHE_SIZE = 4;

export function scoreWithRun(
  runId: number,
  weights: Uint8Array,
  prompt: string,
  responses: { text: string; embedding?: number[] }[],
  openness?: number,
): number[] {
  let model = cache.get(runId);
  if (!model) {
    model = loadRewardModel(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
    cache.set(runId, model);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  return model.score(prompt, responses, openness);
}
