/**
 * Failed-credential throttle. Failures are counted per (address, account) pair, so an attacker
 * guessing the owner's password from their own address is stopped without locking out the owner
 * signing in from theirs; and per address across all accounts, which stops one address spraying
 * many accounts. Each pair's lock doubles with every further failure (up to MAX_LOCK_MS).
 * Kept in memory: one server process serves the app, and a restart forgetting counts is harmless.
 * The address comes from clientAddress (lib/client-address.ts), which trusts X-Forwarded-For only
 * when configured to.
 */
export const MAX_FAILURES_PER_PAIR = 5;
export const MAX_FAILURES_PER_ADDRESS = 100;
export const WINDOW_MS = 5 * 60_000;
export const MAX_LOCK_MS = 60 * 60_000;

type Failures = { times: number[] };
const failures = new Map<string, Failures>();

const limitFor = (key: string) => (key.startsWith("pair:") ? MAX_FAILURES_PER_PAIR : MAX_FAILURES_PER_ADDRESS);

/** How long a key is locked after its latest failure: the window, doubled per failure past the limit. */
function lockMs(key: string, count: number): number {
  const over = count - limitFor(key);
  return Math.min(WINDOW_MS * 2 ** Math.max(0, over), MAX_LOCK_MS);
}

function recent(key: string, now: number): number[] {
  const entry = failures.get(key);
  if (!entry) return [];
  // Failures are remembered for as long as they can still lengthen a lock.
  const list = entry.times.filter((t) => now - t < MAX_LOCK_MS);
  if (list.length) entry.times = list;
  else failures.delete(key);
  return list;
}

/**
 * Milliseconds until the caller may try again, or 0 when not throttled: a key with `limit` or more
 * remembered failures is locked for lockMs after its latest one.
 */
export function retryAfterMs(keys: string[], now = Date.now()): number {
  let wait = 0;
  for (const key of keys) {
    const list = recent(key, now);
    if (list.length < limitFor(key)) continue;
    const until = list[list.length - 1]! + lockMs(key, list.length);
    if (until > now) wait = Math.max(wait, until - now);
  }
  return wait;
}

export function recordFailure(keys: string[], now = Date.now()): void {
  for (const key of keys) {
    const list = recent(key, now);
    failures.set(key, { times: [...list, now] });
  }
  // A flood of distinct keys must not grow memory without bound: forget the oldest.
  while (failures.size > 100_000) failures.delete(failures.keys().next().value!);
}

export function clearFailures(keys: string[]): void {
  for (const key of keys) failures.delete(key);
}

/** The keys one credential attempt counts against; a success clears only its own pair. */
export function throttleKeys(account: string | undefined, address: string): string[] {
  const keys = [`address:${address}`];
  if (account) keys.push(`pair:${address}|${account.trim().toLowerCase()}`);
  return keys;
}

export const pairKeys = (keys: string[]) => keys.filter((k) => k.startsWith("pair:"));
