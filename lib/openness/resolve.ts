/**
 * The one rule for a prompt's openness, used by training, the dataset page, the exports and the
 * dashboard: the value imported with the prompt, else the mean of the tags of its rankable
 * annotations, else (for training) what the run's missing-openness policy says.
 */
import { z } from "zod";
import { numeric } from "@/lib/validation";

/**
 * What a run does with a ranked prompt that has no openness: leave it out, use the dataset's
 * openness estimate (lib/openness/estimates.ts; prompts without one are left out), or assume a value.
 */
export const missingOpennessSchema = z.discriminatedUnion("policy", [
  z.object({ policy: z.literal("exclude") }),
  z.object({ policy: z.literal("estimate") }),
  z.object({
    policy: z.literal("assume"),
    value: numeric(
      z
        .number({ message: "The assumed openness must be between 0 and 1." })
        .min(0, "The assumed openness must be between 0 and 1.")
        .max(1, "The assumed openness must be between 0 and 1."),
    ),
  }),
]);
export type MissingOpenness = z.infer<typeof missingOpennessSchema>;

export type TaggedAnnotation = {
  openness: number | null;
  notRankable: boolean;
  /** Groups of response ids, best first. */
  ranking: readonly (readonly unknown[])[];
};

/**
 * An annotation that judges something: not marked not-rankable, and ordering at least two groups
 * (a single group ties everything and says nothing). Only these rankings train, and only their
 * tags count towards the prompt's openness.
 */
export function isRankable(annotation: Pick<TaggedAnnotation, "notRankable" | "ranking">): boolean {
  return !annotation.notRankable && annotation.ranking.length > 1;
}

export type OpennessSource = "imported" | "annotators";
export type PromptOpenness = { value: number; source: OpennessSource } | { value: null; source: null };

export function promptOpenness(imported: number | null, annotations: readonly TaggedAnnotation[]): PromptOpenness {
  if (imported !== null) return { value: imported, source: "imported" };
  const tags = annotations
    .filter(isRankable)
    .map((a) => a.openness)
    .filter((o): o is number => o !== null);
  if (!tags.length) return { value: null, source: null };
  return { value: tags.reduce((s, t) => s + t, 0) / tags.length, source: "annotators" };
}

/**
 * The openness a run trains a prompt with, or null when the policy leaves the prompt out.
 * `estimate` is asked only under the "estimate" policy, and only when the data has no openness.
 */
export function trainingOpenness(
  resolved: PromptOpenness,
  missing: MissingOpenness,
  estimate: () => number | null = () => null,
): number | null {
  if (resolved.value !== null) return resolved.value;
  if (missing.policy === "assume") return missing.value;
  return missing.policy === "estimate" ? estimate() : null;
}
