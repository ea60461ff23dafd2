import type { Store } from "@/db/store";

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
 * Kept in the database (store.coordination): every server of it counts the same failures, so a
 * second server behind the proxy is no second set of guesses. Failures are forgotten once they can
 * no longer lengthen a lock. The address comes from clientAddress (lib/client-address.ts), which
 * trusts X-Forwarded-For only when configured to.
 */
export const MAX_FAILURES_PER_PAIR = 5;
export const MAX_FAILURES_PER_ADDRESS = 100;
export const MAX_FAILURES_PER_ACCOUNT = 20;
export const WINDOW_MS = 5 * 60_000;
export const MAX_LOCK_MS = 60 * 60_000;
/** Addresses an account keeps as known-good: a flood of distinct ones must not grow the table. */
const MAX_KNOWN_ADDRESSES = 100;

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

type Recent = { failures: number; lastFailedAt: number };
const NONE: Recent = { failures: 0, lastFailedAt: 0 };

/** Milliseconds one key is still locked for: the window after its latest failure, doubled per failure past the limit. */
function lockedFor(kind: Kind, recent: Recent, now: number): number {
  const limit = LIMIT[kind];
  if (recent.failures < limit) return 0;
  const lock = Math.min(WINDOW_MS * 2 ** (recent.failures - limit), MAX_LOCK_MS);
  return Math.max(0, recent.lastFailedAt + lock - now);
}

/** Failures of an address for one account the account-wide lock forgives: a mistyped password. */
const FORGIVEN_OWN_FAILURES = 1;

/** Milliseconds until the caller may try again, or 0 when not throttled. */
export async function retryAfterMs(store: Store, keys: ThrottleKeys, now = Date.now()): Promise<number> {
  const counted = [keys.address, keys.pair, keys.account].filter((k): k is string => k !== undefined);
  // Failures count for as long as they can still lengthen a lock.
  const rows = await store.coordination.loginFailureCounts(counted, now - MAX_LOCK_MS);
  const recent = (key: string | undefined) => rows.find((r) => r.key === key) ?? NONE;
  // An account that has signed in from this address is not held back by others' failures from it.
  const knownHere =
    keys.accountName !== undefined &&
    (await store.coordination.isKnownSignInAddress(keys.accountName, keys.addressName));
  let wait = knownHere ? 0 : lockedFor("address", recent(keys.address), now);
  if (keys.pair) wait = Math.max(wait, lockedFor("pair", recent(keys.pair), now));
  // The account-wide lock holds back only an address that failed this account more than once, or
  // failed as many sign-ins overall as a pair may, and never signed in to it (see the module comment).
  const heldBackByAccount =
    keys.account !== undefined &&
    !knownHere &&
    (recent(keys.pair).failures > FORGIVEN_OWN_FAILURES || recent(keys.address).failures >= MAX_FAILURES_PER_PAIR);
  if (keys.account && heldBackByAccount) wait = Math.max(wait, lockedFor("account", recent(keys.account), now));
  return wait;
}

export async function recordFailure(store: Store, keys: ThrottleKeys, now = Date.now()): Promise<void> {
  const counted = [keys.address, keys.pair, keys.account].filter((k): k is string => k !== undefined);
  // A failure lost to a power cut is one more guess, not a lost answer: its commit need not wait for the disk.
  await store.transaction("low-durability", async (tx) => {
    await tx.coordination.addLoginFailures(counted, now);
    await tx.coordination.forgetLoginFailuresBefore(now - MAX_LOCK_MS);
  });
}

/** A correct password: its own pair is forgiven and the address becomes known-good for the account. */
export async function recordSuccess(store: Store, keys: ThrottleKeys, now = Date.now()): Promise<void> {
  await store.transaction("atomic", async (tx) => {
    if (keys.pair) await tx.coordination.forgetLoginFailures(keys.pair);
    if (keys.accountName)
      await tx.coordination.rememberSignInAddress(keys.accountName, keys.addressName, now, MAX_KNOWN_ADDRESSES);
  });
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
