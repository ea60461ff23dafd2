/**
 * Failed-credential throttle, on three kinds of key:
 * - per (address, account) pair: an attacker guessing the owner's password from their own address
 *   is stopped without locking out the owner signing in from theirs;
 * - per address across all accounts: stops one address spraying many accounts, but never holds
 *   back an account that has signed in from that address before (a colleague behind the same NAT);
 * - per account across all addresses: stops an attacker who rotates addresses. It does not lock the
 *   owner out, because it holds back only addresses that have failed this account twice (one typo
 *   is forgiven) or failed sign-ins overall as often as a pair may, and have not signed in to it
 *   before: while an account is under attack, each fresh address gets two guesses, and the owner
 *   from a clean, known-good or once-mistyped address (a colleague's failure at a shared address
 *   does not count) still signs in.
 * Each key's lock doubles with every further failure past its limit (up to MAX_LOCK_MS).
 * Kept in memory: one server process serves the app, and a restart forgetting counts is harmless.
 * The address comes from clientAddress (lib/client-address.ts), which trusts X-Forwarded-For only
 * when configured to.
 */
export const MAX_FAILURES_PER_PAIR = 5;
export const MAX_FAILURES_PER_ADDRESS = 100;
export const MAX_FAILURES_PER_ACCOUNT = 20;
export const WINDOW_MS = 5 * 60_000;
export const MAX_LOCK_MS = 60 * 60_000;
/** Bound on remembered keys and known-good addresses: a flood of distinct ones must not grow memory. */
const MAX_REMEMBERED = 100_000;

export type ThrottleKeys = {
  address: string;
  /** Absent when the attempt names no account (a bearer token, an unreadable body). */
  pair?: string;
  account?: string;
  /** The account and address as given, for the known-good check. */
  accountName?: string;
  addressName: string;
};

type Kind = "pair" | "address" | "account";
const LIMIT: Record<Kind, number> = {
  pair: MAX_FAILURES_PER_PAIR,
  address: MAX_FAILURES_PER_ADDRESS,
  account: MAX_FAILURES_PER_ACCOUNT,
};

const failures = new Map<string, number[]>();
/** Addresses that signed in to an account: the account-wide lock never holds them back. */
const knownGood = new Map<string, Set<string>>();

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value!);
}

function recent(key: string, now: number): number[] {
  const times = failures.get(key);
  if (!times) return [];
  // Failures are remembered for as long as they can still lengthen a lock.
  const list = times.filter((t) => now - t < MAX_LOCK_MS);
  if (list.length) failures.set(key, list);
  else failures.delete(key);
  return list;
}

/** Milliseconds one key is still locked for: the window after its latest failure, doubled per failure past the limit. */
function lockedFor(kind: Kind, key: string, now: number): number {
  const list = recent(key, now);
  const limit = LIMIT[kind];
  if (list.length < limit) return 0;
  const lock = Math.min(WINDOW_MS * 2 ** (list.length - limit), MAX_LOCK_MS);
  return Math.max(0, list[list.length - 1]! + lock - now);
}

/** Failures of an address for one account the account-wide lock forgives: a mistyped password. */
const FORGIVEN_OWN_FAILURES = 1;

/** Whether the account-wide lock applies to this attempt's address (see the module comment). */
function heldBackByAccount(keys: ThrottleKeys, now: number): boolean {
  if (!keys.account || !keys.accountName) return false;
  if (knownGood.get(keys.accountName)?.has(keys.addressName)) return false;
  const own = keys.pair === undefined ? 0 : recent(keys.pair, now).length;
  return own > FORGIVEN_OWN_FAILURES || recent(keys.address, now).length >= MAX_FAILURES_PER_PAIR;
}

/** Milliseconds until the caller may try again, or 0 when not throttled. */
export function retryAfterMs(keys: ThrottleKeys, now = Date.now()): number {
  // An account that has signed in from this address is not held back by others' failures from it.
  const knownHere = keys.accountName !== undefined && knownGood.get(keys.accountName)?.has(keys.addressName);
  let wait = knownHere ? 0 : lockedFor("address", keys.address, now);
  if (keys.pair) wait = Math.max(wait, lockedFor("pair", keys.pair, now));
  if (keys.account && heldBackByAccount(keys, now)) wait = Math.max(wait, lockedFor("account", keys.account, now));
  return wait;
}

export function recordFailure(keys: ThrottleKeys, now = Date.now()): void {
  for (const key of [keys.address, keys.pair, keys.account]) {
    if (key) remember(failures, key, [...recent(key, now), now]);
  }
}

/** A correct password: its own pair is forgiven and the address becomes known-good for the account. */
export function recordSuccess(keys: ThrottleKeys): void {
  if (keys.pair) failures.delete(keys.pair);
  if (!keys.accountName) return;
  const addresses = knownGood.get(keys.accountName) ?? new Set<string>();
  addresses.add(keys.addressName);
  if (addresses.size > 100) addresses.delete(addresses.values().next().value!);
  remember(knownGood, keys.accountName, addresses);
}

/** The keys one credential attempt counts against. */
export function throttleKeys(account: string | undefined, address: string): ThrottleKeys {
  const name = account?.trim().toLowerCase();
  if (!name) return { address: `address:${address}`, addressName: address };
  return {
    address: `address:${address}`,
    pair: `pair:${address}|${name}`,
    account: `account:${name}`,
    accountName: name,
    addressName: address,
  };
}
