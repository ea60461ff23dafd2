/**
 * Failed-login throttle: after MAX_FAILURES_PER_EMAIL failures for one email, or
 * MAX_FAILURES_PER_ADDRESS from one address (a team may share one), within WINDOW_MS, further
 * attempts are refused with 429 until the window has passed.
 * Kept in memory: one server process serves the app, and a restart forgetting counts is harmless.
 */
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_ADDRESS = 50;
export const WINDOW_MS = 5 * 60_000;

const limitFor = (key: string) => (key.startsWith("email:") ? MAX_FAILURES_PER_EMAIL : MAX_FAILURES_PER_ADDRESS);

const failures = new Map<string, number[]>();

function recent(key: string, now: number): number[] {
  const list = (failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
  if (list.length) failures.set(key, list);
  else failures.delete(key);
  return list;
}

/** Milliseconds until the caller may try again, or 0 when not throttled. */
export function retryAfterMs(keys: string[], now = Date.now()): number {
  let wait = 0;
  for (const key of keys) {
    const list = recent(key, now);
    if (list.length >= limitFor(key)) wait = Math.max(wait, list[0]! + WINDOW_MS - now);
  }
  return wait;
}

export function recordFailure(keys: string[], now = Date.now()): void {
  for (const key of keys) failures.set(key, [...recent(key, now), now]);
}

export function clearFailures(keys: string[]): void {
  for (const key of keys) failures.delete(key);
}

export function throttleKeys(email: string | undefined, ip: string | undefined): string[] {
  const keys: string[] = [];
  if (email) keys.push(`email:${email.trim().toLowerCase()}`);
  if (ip) keys.push(`ip:${ip}`);
  return keys;
}
