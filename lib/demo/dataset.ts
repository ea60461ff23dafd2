import path from "node:path";
import type { DatasetSettings } from "@/lib/datasets/import";

/**
 * The demo dataset. Its prompts, responses and the demo annotators' earlier work are import input
 * (demo.jsonl, in the format of lib/datasets/import-format.ts), so the seed cannot drift from what
 * an import accepts; what that format cannot carry, the dataset's settings, is here.
 *
 * In demo.jsonl each prompt has eight responses whose ids end in a letter for their true quality
 * order ("-a" is best), stored in a shuffled order so that position never gives it away. Mina,
 * Tomás and Priya ranked most prompts: the true order perturbed by each one's noise, neighbours
 * about equally good sometimes tied. Tomás clicks through most prompts in a random order, so the
 * agreement view has somebody to flag; the annotator account has done nothing, so its queue is full.
 */

export const DEMO_DATASET_SLUG = "demo";

export const DEMO_FILE = path.join(__dirname, "demo.jsonl");

/**
 * demo.jsonl dates its annotations as if they were seeded at this instant; the seed moves them by
 * the time since, so that the demo's earlier work is always from the last two days.
 */
export const DEMO_FILE_DATED_AT = new Date("2026-01-01T00:00:00.000Z");

export const DEMO_DATASET_SETTINGS: DatasetSettings = {
  name: "Assistant responses (demo)",
  responsesPerPrompt: 8,
  annotationsPerPrompt: 3,
  guidelines: `# Ranking guidelines

Each item shows one user prompt and eight assistant responses. Your job has two parts: **rank** the responses from best to worst, and **tag** how open-ended the prompt is.

## How to rank

Put the best response at the top. Judge each one as the person who asked would, in this order of priority:

1. **Correct and safe.** A response with a factual error, wrong code output or harmful advice ranks below every correct response, however polished it looks.
2. **Fits the request.** Did it follow the stated constraints: length, format, audience, budget, number of items? A six-word story has six words.
3. **Clear and concise.** Prefer the response that gets to the point. Explanation is good when it helps; padding, repeated caveats and filler ("Great question!") are not.
4. **Polish and creativity**, which matter most on open-ended prompts.

Read long responses in full (use **Expand**) before placing them. Length is not quality in either direction.

## Ties

If two responses are genuinely equally good, for example "391" and "17 × 23 = 391", put them in the same group. Don't use ties to dodge a hard call: if you would pick one over the other when forced, rank it higher.

## Cannot rank

Use **Cannot rank** when you can't judge the item responsibly: it needs expertise you don't have (a language you can't read, a specialist field), the responses are broken or duplicated, or the prompt is something you shouldn't be reviewing. Leave a short note saying why. Don't use it for items that are merely hard or tedious.

## Openness

Tag the *prompt*, not the responses you happened to see: how many different answers could be fully good?

| Value | Label | Typical prompts |
|---|---|---|
| 0 | One correct answer | "What is 17 × 23?", "What does this code print?" |
| 0.25 | Mostly one answer | A grammar fix; a git command with an equivalent spelling |
| 0.5 | A few good answers | "Summarize this paragraph", "Explain recursion to a beginner" |
| 0.75 | Many good answers | Gift ideas within a budget, advice on a difficult conversation |
| 1 | Many equally good answers | A haiku, names for a cat, a slogan |

When you're torn between two values, ask whether two experts could give answers that differ in *substance* and both be right. If they could only differ in wording, choose the lower value.

Openness also changes how you rank. On closed prompts, correctness decides most of the order. On open prompts, several responses may be fine; rank by fit to the request and by how much you would want to use each one, and expect more ties.`,
};
