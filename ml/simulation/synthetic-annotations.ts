/**
 * Simulated annotators on synthetic prompts with graded openness, for the openness estimators and
 * the active-queue bench. Each prompt has a true openness on the 5-point scale; its 8 responses'
 * latent qualities are the ideal rewards of that openness (the exact n-point optimum of the
 * conditioned utility: two points for a closed prompt, an even spread for an open one) plus a
 * little jitter, and each response's text carries its quality through a dozen marker words (good
 * with probability equal to the quality), so a reward model can learn the ranking from the text,
 * but only from enough rankings. Prompt texts come from templates that read as
 * their level; a share of prompts (`mislead`) use a neighbouring level's template, so the text
 * does not give the openness away.
 *
 * An annotator perceives each quality with noise, ranks by it, ties neighbours closer than
 * `tieWithin` (if they are one who ties), and tags the openness with their own bias and noise,
 * rounded to the scale.
 */
import type { PromptAnnotation } from "../openness/evaluation";
import { mulberry32, normal, pick, type Rng, shuffleInPlace } from "../rng";
import { optimalRewards } from "../diagnosis/theory";
import type { TrainingResponse } from "../types";

export const OPENNESS_LEVELS = [0, 0.25, 0.5, 0.75, 1] as const;

const TOPICS = [
  "the ocean",
  "a lighthouse",
  "city traffic",
  "mountain rain",
  "an old library",
  "morning coffee",
  "a robot gardener",
  "the night sky",
  "a village market",
  "friendship",
  "a train journey",
  "a first job",
  "the desert",
  "a jazz club",
  "a forgotten letter",
  "a quiet harbor",
  "solar panels",
  "the printing press",
  "volcanoes",
  "a chess opening",
];
const TEMPLATES: Record<(typeof OPENNESS_LEVELS)[number], ((t: string, r: Rng) => string)[]> = {
  0: [
    (_, r) => `What is ${2 + Math.floor(r() * 40)} times ${2 + Math.floor(r() * 40)}?`,
    (_, r) => `How many days are there in ${1 + Math.floor(r() * 9)} weeks?`,
    (_, r) => `Convert ${1 + Math.floor(r() * 99)} kilometers to meters.`,
    (_, r) => `Is ${3 + Math.floor(r() * 200)} a prime number?`,
    (t) => `In what year was ${t} first mentioned in the census record?`,
  ],
  0.25: [
    (t) => `Define ${t} in one precise sentence.`,
    (t) => `Summarize the main fact about ${t}.`,
    (t) => `Explain how ${t} works, step by step.`,
    (t) => `Correct the grammar of this sentence about ${t}.`,
  ],
  0.5: [
    (t) => `What are the pros and cons of ${t}?`,
    (t) => `Suggest a good title for an article on ${t}.`,
    (t) => `Compare two ways of thinking about ${t}.`,
    (t) => `Give three tips related to ${t}.`,
  ],
  0.75: [
    (t) => `Describe ${t} in your own words.`,
    (t) => `Give me some advice inspired by ${t}.`,
    (t) => `Imagine a day spent with ${t} and describe it.`,
    (t) => `Write a friendly message mentioning ${t}.`,
  ],
  1: [
    (t) => `Write a short poem about ${t}.`,
    (t) => `Tell me a story about ${t}.`,
    (t) => `Brainstorm creative ideas inspired by ${t}.`,
    (t) => `Write a song verse about ${t}.`,
  ],
};
const WORDS = (
  "the a of and to in is it that for on with as was at by this be from or an are not but all " +
  "light water stone river city quiet early morning evening window garden shadow bright warm cold " +
  "answer number result first second simply because therefore exactly correct value total equal " +
  "road home voice memory silver green blue golden soft slow little great small open wide long"
).split(" ");

// Quality-marker vocabularies: made-up words, many of them, so a reward model needs many ranked
// responses to learn which are good.
const SYLLABLES = "ka lo mi nu pe ra si to vu ze bo da fi gu he ji".split(" ");
const markerWords = (seed: number, count: number) => {
  const r = mulberry32(seed);
  return Array.from({ length: count }, () => Array.from({ length: 3 }, () => pick(SYLLABLES, r)).join(""));
};
const GOOD = markerWords(11, 150);
const BAD = markerWords(12, 150).filter((w) => !GOOD.includes(w));
/** How many of a response's words carry its quality. */
export const QUALITY_WORDS = 12;

/**
 * A response of quality q: neutral words of a random length with QUALITY_WORDS marker words, each
 * good with probability q, so the text says q only noisily and a reward model has to learn which
 * words matter from the rankings.
 */
function responseText(q: number, r: Rng): string {
  const words = Array.from({ length: 20 + Math.floor(r() * 30) }, () => pick(WORDS, r));
  for (let k = 0; k < QUALITY_WORDS; k++)
    words.splice(Math.floor(r() * (words.length + 1)), 0, pick(r() < q ? GOOD : BAD, r));
  return words.join(" ") + ".";
}

export interface SimulatedPrompt {
  id: string;
  text: string;
  /** The true openness (what annotators' tags scatter around). */
  openness: number;
  /** The responses, in a shuffled stored order. */
  responses: TrainingResponse[];
  /** Latent quality per response id, in [0, 1]. */
  quality: Map<string, number>;
}

export interface SimulatedAnnotator {
  id: string;
  /** Added to the true openness before the tag is rounded to the scale. */
  bias: number;
  /** Whether this annotator ever ties responses. */
  ties: boolean;
}

export interface AnnotatorModel {
  /** Sd of an annotator's perception of a response's quality. */
  rankNoise: number;
  /** Neighbours perceived closer than this are tied (by annotators who tie). */
  tieWithin: number;
  /** Sd of an annotator's openness tag around truth plus bias. */
  tagNoise: number;
  /** Sd of the annotators' biases. */
  biasSd: number;
  /** Share of annotators who use ties. */
  tieShare: number;
}

export const DEFAULT_ANNOTATOR_MODEL: AnnotatorModel = {
  rankNoise: 0.06,
  tieWithin: 0.05,
  tagNoise: 0.15,
  biasSd: 0.08,
  tieShare: 0.6,
};

const snap = (x: number) =>
  OPENNESS_LEVELS.reduce((best, l) => (Math.abs(l - x) < Math.abs(best - x) ? l : best), OPENNESS_LEVELS[0] as number);

export function syntheticOpennessPrompts({
  prompts,
  seed,
  prefix = "q",
  mislead = 0.2,
  responses = 8,
}: {
  prompts: number;
  seed: number;
  prefix?: string;
  mislead?: number;
  responses?: number;
}): SimulatedPrompt[] {
  const r = mulberry32(seed);
  const out: SimulatedPrompt[] = [];
  for (let p = 0; p < prompts; p++) {
    const li = Math.floor(r() * OPENNESS_LEVELS.length);
    const level = OPENNESS_LEVELS[li] as (typeof OPENNESS_LEVELS)[number];
    // The text reads as a neighbouring level for a `mislead` share of the prompts.
    const shown =
      r() < mislead
        ? (OPENNESS_LEVELS[
            Math.min(OPENNESS_LEVELS.length - 1, Math.max(0, li + (r() < 0.5 ? -1 : 1)))
          ] as typeof level)
        : level;
    const text = pick(TEMPLATES[shown], r)(pick(TOPICS, r), r);
    const ideal = optimalRewards({ utility: "conditioned", n: responses, openness: level, eps: 0 });
    const id = `${prefix}${p}`;
    const quality = new Map<string, number>();
    const rs: TrainingResponse[] = ideal.map((q0, k) => {
      const q = Math.min(1, Math.max(0, q0 + 0.02 * normal(r)));
      const rid = `${id}-r${k}`;
      quality.set(rid, q);
      return { id: rid, text: responseText(q, r) };
    });
    shuffleInPlace(rs, r);
    out.push({ id, text, openness: level, responses: rs, quality });
  }
  return out;
}

export function simulatedAnnotators(
  count: number,
  seed: number,
  model: AnnotatorModel = DEFAULT_ANNOTATOR_MODEL,
): SimulatedAnnotator[] {
  const r = mulberry32(seed ^ 0x5bd1e995);
  return Array.from({ length: count }, (_, i) => ({
    id: `a${i}`,
    bias: model.biasSd * normal(r),
    ties: r() < model.tieShare,
  }));
}

/** One annotator's ranking and tag of one prompt. */
export function simulateAnnotation(
  p: SimulatedPrompt,
  a: SimulatedAnnotator,
  r: Rng,
  model: AnnotatorModel = DEFAULT_ANNOTATOR_MODEL,
): PromptAnnotation {
  const perceived = p.responses
    .map((x) => ({ id: x.id, v: (p.quality.get(x.id) as number) + model.rankNoise * normal(r) }))
    .sort((x, y) => y.v - x.v);
  const ranking: string[][] = [];
  let last = Infinity;
  for (const x of perceived) {
    if (a.ties && last - x.v < model.tieWithin && ranking.length) ranking[ranking.length - 1]!.push(x.id);
    else ranking.push([x.id]);
    last = x.v;
  }
  const openness = snap(p.openness + a.bias + model.tagNoise * normal(r));
  return { annotator: a.id, openness, ranking };
}

/** Every prompt annotated by `perPrompt` distinct annotators drawn from the pool. */
export function annotateAll(
  prompts: readonly SimulatedPrompt[],
  annotators: readonly SimulatedAnnotator[],
  perPrompt: number,
  seed: number,
  model: AnnotatorModel = DEFAULT_ANNOTATOR_MODEL,
) {
  const r = mulberry32(seed ^ 0x27d4eb2f);
  return prompts.map((p) => {
    const chosen = shuffleInPlace([...annotators], r).slice(0, perPrompt);
    return {
      id: p.id,
      text: p.text,
      responseIds: p.responses.map((x) => x.id),
      annotations: chosen.map((a) => simulateAnnotation(p, a, r, model)),
    };
  });
}
