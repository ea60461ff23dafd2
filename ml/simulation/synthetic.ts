/**
 * The paper's length experiment as a synthetic dataset (issue 4, item 8): each prompt is open with
 * probability 1/2; it has 8 responses cut from one text, at 10, 20, ..., 80 words when open and at
 * 16, 22, 28, 34, 56, 62, 68, 74 words when closed; the true ranking is by length (longer is better);
 * openness is 1 for open and 0 for closed prompts. Prompt texts come from templates that read as
 * open or closed. Fully determined by the seed.
 *
 * `templates: "training"` and `"held-out"` draw from disjoint template sets (the held-out ones are
 * never used in training), so that a held-out prompt's text never equals a training prompt's text
 * and held-out accuracy measures generalisation rather than memorised templates.
 */
import { mulberry32, pick, shuffleInPlace } from "../rng";
import type { TrainingPrompt } from "../types";

export const OPEN_LENGTHS = [10, 20, 30, 40, 50, 60, 70, 80] as const;
export const CLOSED_LENGTHS = [16, 22, 28, 34, 56, 62, 68, 74] as const;

const TOPICS = [
  "the ocean",
  "autumn leaves",
  "a lighthouse keeper",
  "city traffic",
  "a lost key",
  "mountain rain",
  "an old library",
  "morning coffee",
  "a robot gardener",
  "the night sky",
  "a village market",
  "friendship",
  "a train journey",
  "winter solitude",
  "a first job",
  "the desert wind",
  "a stray cat",
  "a jazz club",
  "the last bus home",
  "a forgotten letter",
  "spring cleaning",
  "a quiet harbor",
];
const OPEN_TEMPLATES = [
  "Write a short poem about {t}.",
  "Tell me a story about {t}.",
  "Brainstorm creative ideas inspired by {t}.",
  "Describe {t} in your own words.",
  "Write a song verse about {t}.",
  "Imagine a day spent with {t} and describe it.",
  "Give me some fun ways to celebrate {t}.",
  "Write a diary entry about {t}.",
];
/** Used only for held-out prompts (`templates: "held-out"`). */
const HELD_OUT_OPEN_TEMPLATES = [
  "Compose a limerick featuring {t}.",
  "Write a letter to an old friend that mentions {t}.",
  "Invent a short myth that explains {t}.",
  "Sketch the opening scene of a film about {t}.",
];
const ELEMENTS = ["oxygen", "gold", "iron", "sodium", "helium", "carbon", "silver", "neon"];
const SHAPES = ["triangle", "hexagon", "pentagon", "octagon", "square"];
const HELD_OUT_CLOSED_TEMPLATES: ((r: () => number) => string)[] = [
  (r) => `What is ${10 + Math.floor(r() * 90)} plus ${10 + Math.floor(r() * 90)}, exactly?`,
  (r) => `How many minutes are there in ${2 + Math.floor(r() * 22)} hours?`,
  (r) => `What is the chemical symbol for ${pick(ELEMENTS, r)}?`,
  (r) => `How many sides does a ${pick(SHAPES, r)} have?`,
];
const COUNTRIES = ["France", "Japan", "Kenya", "Chile", "Canada", "Norway", "Egypt", "India", "Peru", "Spain"];
const CLOSED_TEMPLATES: ((r: () => number) => string)[] = [
  (r) => `What is ${2 + Math.floor(r() * 40)} times ${2 + Math.floor(r() * 40)}?`,
  (r) => `What is the capital of ${pick(COUNTRIES, r)}?`,
  (r) => `How many days are there in ${1 + Math.floor(r() * 9)} weeks?`,
  (r) => `Convert ${1 + Math.floor(r() * 99)} kilometers to meters.`,
  (r) => `What is the square root of ${Math.pow(2 + Math.floor(r() * 20), 2)}?`,
  () => `Which planet is closest to the sun?`,
  () => `What year did the Second World War end?`,
  (r) => `Is ${3 + Math.floor(r() * 200)} a prime number?`,
];
const WORDS = (
  "the a of and to in is it that for on with as was at by this be from or an are not but all " +
  "light water stone river city quiet early morning evening window garden shadow bright warm cold " +
  "answer number result first second simply because therefore exactly correct value total equal " +
  "road home voice memory silver green blue golden soft slow little great small open wide long " +
  "story song dream season wind rain snow sun moon star field tree flower bird ship sea wave " +
  "think know feel walk run look find keep turn hold bring carry write read count check note " +
  "one two three four five six seven eight nine ten hundred many few each every some most " +
  "always never often again still already almost perhaps together alone inside outside around"
).split(" ");

function sentenceText(nWords: number, r: () => number): string[] {
  const words: string[] = [];
  let sinceStop = 0;
  let nextStop = 6 + Math.floor(r() * 8);
  for (let i = 0; i < nWords; i++) {
    let w = pick(WORDS, r);
    if (sinceStop === 0) w = w.charAt(0).toUpperCase() + w.slice(1);
    sinceStop++;
    if (sinceStop >= nextStop) {
      w += ".";
      sinceStop = 0;
      nextStop = 6 + Math.floor(r() * 8);
    }
    words.push(w);
  }
  return words;
}

export interface SyntheticOptions {
  prompts: number;
  seed: number;
  /** Id prefix (default "p"). */
  prefix?: string;
  /**
   * Template set: "all" (default: the training templates, as before), "training" (the same set,
   * named for pairing with "held-out") or "held-out" (templates never used by the other two).
   */
  templates?: "all" | "training" | "held-out";
}

export function syntheticLengthDataset({
  prompts,
  seed,
  prefix = "p",
  templates = "all",
}: SyntheticOptions): TrainingPrompt[] {
  const r = mulberry32(seed);
  const heldOut = templates === "held-out";
  const openTemplates = heldOut ? HELD_OUT_OPEN_TEMPLATES : OPEN_TEMPLATES;
  const closedTemplates = heldOut ? HELD_OUT_CLOSED_TEMPLATES : CLOSED_TEMPLATES;
  const out: TrainingPrompt[] = [];
  for (let p = 0; p < prompts; p++) {
    const open = r() < 0.5;
    const id = `${prefix}${p}`;
    const text = open ? pick(openTemplates, r).replace("{t}", pick(TOPICS, r)) : pick(closedTemplates, r)(r);
    const lengths = open ? OPEN_LENGTHS : CLOSED_LENGTHS;
    const base = sentenceText(80, r);
    const responses = lengths.map((len, k) => {
      let t = base.slice(0, len).join(" ");
      if (!t.endsWith(".")) t += ".";
      return { id: `${id}-r${k}`, text: t };
    });
    // Longest is best: ranking best first, one annotation, no ties.
    const ranking = [...responses].reverse().map((x) => [x.id]);
    shuffleInPlace(responses, r);
    out.push({ id, text, openness: open ? 1 : 0, responses, rankings: [ranking] });
  }
  return out;
}

/** Held-out prompts of syntheticLengthSplit have ids starting with this ("train…" for the others). */
export const HELD_OUT_ID_PREFIX = "test";

/**
 * The length experiment's honest split: training prompts from the training templates, held-out
 * prompts (ids "test…") from templates never used in training, so held-out accuracy measures
 * generalisation rather than memorised prompt texts. Used by the CLI repro and the app's.
 */
export function syntheticLengthSplit({
  prompts,
  testPrompts,
  seed,
}: {
  prompts: number;
  testPrompts: number;
  seed: number;
}): { train: TrainingPrompt[]; test: TrainingPrompt[] } {
  return {
    train: syntheticLengthDataset({ prompts, seed, prefix: "train", templates: "training" }),
    test: syntheticLengthDataset({
      prompts: testPrompts,
      seed: seed + 1_000_003,
      prefix: HELD_OUT_ID_PREFIX,
      templates: "held-out",
    }),
  };
}
