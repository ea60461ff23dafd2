/**
 * Openness from the prompt text: Bayesian ridge regression of the mean tag on the prompt's hashed
 * words, bigrams and character trigrams (the reward model's own featurizer, prompt namespaces),
 * trained on tagged prompts. Each estimate carries its standard error, wide for a prompt whose
 * words the tagged prompts never used.
 */
import { Featurizer } from "../training/features";
import { type AnnotatedPrompt, type OpennessEstimate, type OpennessEstimator, clamp01, meanTag } from "./evaluation";
import { type RidgeFit, type SparseRow, fitRidgeCv, predictRidge } from "./ridge";

/** Hashed dimension of the text model: small, the Cholesky solve is cubic in it. */
export const TEXT_OPENNESS_DIM = 512;

export interface TextOpennessModel extends OpennessEstimator {
  estimateText(text: string): OpennessEstimate;
  fit: RidgeFit;
}

function promptRow(f: Featurizer, text: string): SparseRow {
  // The featurizer scales the prompt part to norm 1/sqrt(2); the model wants unit rows.
  const p = f.prompt(text);
  return { idx: p.idx, val: Float64Array.from(p.val, (v) => v * Math.SQRT2) };
}

export function fitTextOpenness(
  prompts: readonly { text: string; openness: number }[],
  { dim = TEXT_OPENNESS_DIM }: { dim?: number } = {},
): TextOpennessModel {
  if (prompts.length < 2) throw new Error("The text openness model needs at least 2 tagged prompts.");
  const f = new Featurizer(dim);
  const fit = fitRidgeCv(
    prompts.map((p) => promptRow(f, p.text)),
    prompts.map((p) => p.openness),
    dim,
  );
  const estimateText = (text: string): OpennessEstimate => {
    const { mean, sd } = predictRidge(fit, promptRow(f, text));
    return { estimate: clamp01(mean), sd };
  };
  return { name: "text", fit, estimateText, estimate: (p) => estimateText(p.text) };
}

/** The text estimator trained on annotated prompts (target: each prompt's mean tag). */
export function fitTextOpennessOn(train: readonly AnnotatedPrompt[]): TextOpennessModel {
  return fitTextOpenness(
    train.flatMap((p) => {
      const m = meanTag(p);
      return m === null ? [] : [{ text: p.text, openness: m }];
    }),
  );
}
