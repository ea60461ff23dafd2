// The one import of a module inside ml/: this file reaches the browser (the pairwise board's
// seeded order), where `@/ml` would bring the trainer and its wasm backend; ml/rng.ts imports nothing.
// eslint-disable-next-line no-restricted-imports
import { mulberry32, normal, shuffleInPlace, type Rng } from "../ml/rng";

/** The app and ml/ share one seeded generator, so "same seed, same order" holds everywhere. */
export { mulberry32 as seededRandom, normal };

/** A 32-bit hash of a string, for seeding per-item orders (FNV-1a). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shuffled<T>(items: readonly T[], random: Rng): T[] {
  return shuffleInPlace(items.slice(), random);
}
