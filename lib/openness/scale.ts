/**
 * The openness scale annotators tag prompts with (docs/design.md): 0 = one correct answer,
 * 1 = many equally good answers. Pure constants, shared by the server's validation and the UI.
 */
export const OPENNESS_SCALE = [0, 0.25, 0.5, 0.75, 1] as const;
export type Openness = (typeof OPENNESS_SCALE)[number];

export const OPENNESS_LABELS: Record<Openness, string> = {
  0: "One correct answer",
  0.25: "Mostly one answer",
  0.5: "A few good answers",
  0.75: "Many good answers",
  1: "Many equally good answers",
};

export const OPENNESS_HINTS: Record<Openness, string> = {
  0: "Arithmetic, facts, code output: anything else is wrong.",
  0.25: "One best answer, small variations are fine.",
  0.5: "Several different answers can be right.",
  0.75: "Lots of good answers, some better than others.",
  1: "Stories, names, ideas: taste decides.",
};

export function isOnOpennessScale(value: number): value is Openness {
  return (OPENNESS_SCALE as readonly number[]).includes(value);
}

export function opennessLabel(value: number | null | undefined): string {
  if (value === null || value === undefined) return "Not tagged";
  return isOnOpennessScale(value) ? OPENNESS_LABELS[value] : String(value);
}
