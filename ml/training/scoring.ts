/** Loading saved reward models and scoring new responses (pure JS inference, no backend needed). */
import { Featurizer } from "./features";
import { type ModelSpec, decodeModel, scoreRowsJs, sigmoid } from "./model";

export interface LoadedRewardModel {
  spec: ModelSpec;
  meta: Record<string, unknown>;
  /** Rewards in (0, 1) of the responses to a prompt, in order. */
  score(prompt: string, responses: readonly { text: string; embedding?: number[] }[], openness?: number): number[];
}

export function loadRewardModel(weights: Uint8Array): LoadedRewardModel {
  const m = decodeModel(weights);
  const spec = m.spec;
  const featurizer = new Featurizer(spec.dim, spec.embeddingDim);
  return {
    spec,
    meta: m.meta ?? {},
    score(prompt, responses, openness) {
      if (spec.opennessInput && openness === undefined)
        throw new Error("this model takes openness as an input: pass openness");
      const p = featurizer.prompt(prompt);
      const rows = responses.map((r) => {
        const dense = new Float32Array(spec.denseDim);
        const { idx, val } = featurizer.response(p, r.text, r.embedding, dense, 0);
        if (spec.opennessInput) dense[spec.denseDim - 1] = openness as number;
        for (let c = 0; c < spec.denseDim; c++)
          dense[c] = ((dense[c] as number) - (spec.denseMean[c] as number)) / (spec.denseStd[c] as number);
        return { idx, val, dense };
      });
      return scoreRowsJs(m, rows).map(sigmoid);
    },
  };
}
