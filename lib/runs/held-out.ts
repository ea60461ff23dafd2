import crypto from "node:crypto";
import type { Split } from "@/lib/runs/rewards";

/**
 * Octorank's one train/test split by prompt: runs trained here hold out exactly these prompts, and
 * the `pairs` and `consensus` exports write the same split in their `split` column, so a model
 * trained outside on the export's train lines is judged on the prompts Octorank's own runs held out.
 *
 * A prompt is held out when the first 8 hex digits of sha256("<seed>:<prompt id>"), read as a
 * fraction of 2^32, fall below the share. The decision looks at that prompt alone: it does not
 * move when prompts are added, filtered out of an export or left out of a run for lack of an
 * openness, and any language can recompute it from the id. The price: the held-out count is the
 * share only on average (a tiny dataset may hold out none).
 */

export const DEFAULT_HELD_OUT_SHARE = 0.2;
export const DEFAULT_SPLIT_SEED = 1;

export type SplitSettings = { seed: number; heldOutShare: number };

export function promptSplit(promptExternalId: string, { seed, heldOutShare }: SplitSettings): Split {
  const digest = crypto.createHash("sha256").update(`${seed}:${promptExternalId}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < heldOutShare ? "test" : "train";
}
