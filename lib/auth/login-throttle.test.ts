import crypto from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Store } from "@/db/store";
import { freshDbPerTest } from "@/lib/test-fixtures";
import { clientAddress, PEER_HEADER } from "./client-address";
import {
  MAX_FAILURES_PER_ACCOUNT,
  MAX_FAILURES_PER_ADDRESS,
  MAX_FAILURES_PER_PAIR,
  MAX_LOCK_MS,
  WINDOW_MS,
  recordFailure,
  recordSuccess,
  retryAfterMs,
  throttleKeys,
} from "./login-throttle";
import { checkCredentials } from "./options";
import { hashPassword } from "./password";

describe("login throttle", () => {
  const fresh = freshDbPerTest();
  let store: Store;
  beforeEach(() => ({ store } = fresh));

  it("locks an address+account pair after too many failures and lets it go when the lock passes", async () => {
    const keys = throttleKeys("Someone@Example.com", "10.0.0.1");
    const start = 1_000_000;
    for (let i = 0; i < MAX_FAILURES_PER_PAIR - 1; i++) await recordFailure(store, keys, start + i);
    expect(await retryAfterMs(store, keys, start + 10)).toBe(0);
    await recordFailure(store, keys, start + 10);
    expect(await retryAfterMs(store, throttleKeys("someone@example.com", "10.0.0.1"), start + 20)).toBeGreaterThan(0);
    expect(await retryAfterMs(store, keys, start + 10 + WINDOW_MS)).toBe(0);
  });

  it("an attacker guessing the owner's password does not lock the owner out from another address", async () => {
    const attacker = throttleKeys("owner@example.com", "203.0.113.7");
    for (let i = 0; i < MAX_FAILURES_PER_PAIR * 3; i++) await recordFailure(store, attacker, 2_000_000 + i);
    expect(await retryAfterMs(store, attacker, 2_000_100)).toBeGreaterThan(0);
    expect(await retryAfterMs(store, throttleKeys("owner@example.com", "192.0.2.1"), 2_000_100)).toBe(0);
  });

  it("each failure past the limit doubles the lock, up to the cap", async () => {
    const keys = throttleKeys("slow@example.com", "10.1.1.1");
    const t = 3_000_000;
    for (let i = 0; i < MAX_FAILURES_PER_PAIR; i++) await recordFailure(store, keys, t);
    expect(await retryAfterMs(store, keys, t)).toBe(WINDOW_MS);
    await recordFailure(store, keys, t);
    expect(await retryAfterMs(store, keys, t)).toBe(2 * WINDOW_MS);
    for (let i = 0; i < 10; i++) await recordFailure(store, keys, t);
    expect(await retryAfterMs(store, keys, t)).toBe(MAX_LOCK_MS);
  });

  it("one address spraying many accounts is locked for all of them", async () => {
    const address = "10.9.9.9";
    for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++)
      await recordFailure(store, throttleKeys(`u${i}@example.com`, address), 4_000_000);
    expect(await retryAfterMs(store, throttleKeys("fresh@example.com", address), 4_000_001)).toBeGreaterThan(0);
    expect(await retryAfterMs(store, throttleKeys("fresh@example.com", "10.9.9.10"), 4_000_001)).toBe(0);
  });

  it("a spraying address does not hold back an account that has signed in from it before", async () => {
    const address = "10.8.8.8";
    const colleague = throttleKeys("colleague@example.com", address);
    await recordSuccess(store, colleague);
    for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++)
      await recordFailure(store, throttleKeys(`sprayed${i}@example.com`, address), 7_000_000);
    expect(await retryAfterMs(store, throttleKeys("newcomer@example.com", address), 7_000_001)).toBeGreaterThan(0);
    expect(await retryAfterMs(store, colleague, 7_000_001)).toBe(0);
    // Its own failures from there still count against its pair.
    for (let i = 0; i < MAX_FAILURES_PER_PAIR; i++) await recordFailure(store, colleague, 7_000_002);
    expect(await retryAfterMs(store, colleague, 7_000_003)).toBeGreaterThan(0);
  });

  it("a success clears only its own pair", async () => {
    const noisy = throttleKeys("noisy@example.com", "10.0.0.9");
    for (let i = 0; i < MAX_FAILURES_PER_PAIR; i++) await recordFailure(store, noisy, 5_000 + i);
    expect(await retryAfterMs(store, throttleKeys("quiet@example.com", "10.0.0.9"), 5_100)).toBe(0);
    await recordSuccess(store, noisy);
    expect(await retryAfterMs(store, noisy, 5_100)).toBe(0);
  });

  it("an attacker rotating addresses gets two guesses per address once the account is under attack", async () => {
    const t = 6_000_000;
    const from = (i: number) => throttleKeys("target@example.com", `198.51.100.${i}`);
    // Under the account's limit each address may fail up to its pair limit; these fail twice each.
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++)
      await recordFailure(store, from(i % (MAX_FAILURES_PER_ACCOUNT / 2)), t + i);
    expect(await retryAfterMs(store, from(0), t + 100)).toBeGreaterThan(0);
    expect(await retryAfterMs(store, from(0), t + 100)).toBeLessThanOrEqual(WINDOW_MS);
    // A fresh address may try twice (one typo is forgiven), and is held back once both fail.
    const fresh = from(200);
    expect(await retryAfterMs(store, fresh, t + 100)).toBe(0);
    await recordFailure(store, fresh, t + 100);
    expect(await retryAfterMs(store, fresh, t + 100)).toBe(0);
    await recordFailure(store, fresh, t + 100);
    expect(await retryAfterMs(store, fresh, t + 101)).toBeGreaterThan(0);
    // Every failure past the limit lengthens the account-wide lock, for every address that failed.
    expect(await retryAfterMs(store, from(1), t + 101)).toBeGreaterThan(WINDOW_MS);
    // Other accounts are not locked by it.
    expect(await retryAfterMs(store, throttleKeys("bystander@example.com", "198.51.100.250"), t + 101)).toBe(0);
  });

  it("the account-wide lock never holds back a clean address or one that signed in before", async () => {
    const t = 7_000_000;
    const owner = throttleKeys("owner2@example.com", "192.0.2.77");
    await recordSuccess(store, owner);
    // The owner once mistyped, then an attack from many addresses locks the account.
    await recordFailure(store, owner, t);
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT * 3; i++)
      await recordFailure(store, throttleKeys("owner2@example.com", `203.0.113.${i % 30}`), t + i);
    expect(await retryAfterMs(store, throttleKeys("owner2@example.com", "203.0.113.1"), t + 200)).toBeGreaterThan(0);
    expect(await retryAfterMs(store, owner, t + 200)).toBe(0);
    expect(await retryAfterMs(store, throttleKeys("owner2@example.com", "192.0.2.78"), t + 200)).toBe(0);
    // Case and spaces in the email do not make a different account.
    expect(await retryAfterMs(store, throttleKeys(" Owner2@Example.com ", "203.0.113.1"), t + 200)).toBeGreaterThan(0);
  });

  it("an owner who mistypes once while the account is under attack still signs in, from a new address too", async () => {
    const t = 8_000_000;
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT * 3; i++)
      await recordFailure(store, throttleKeys("owner3@example.com", `203.0.114.${i % 50}`), t + i);
    // A new laptop, or the server restarted and forgot where the owner signed in from: one typo.
    const owner = throttleKeys("owner3@example.com", "192.0.2.90");
    await recordFailure(store, owner, t + 200);
    expect(await retryAfterMs(store, owner, t + 201)).toBe(0);
    // A second failure from there is held back like any guessing address.
    await recordFailure(store, owner, t + 202);
    expect(await retryAfterMs(store, owner, t + 203)).toBeGreaterThan(0);
  });

  it("someone else's failed sign-in at a shared address does not hold the owner back", async () => {
    const t = 9_000_000;
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT * 3; i++)
      await recordFailure(store, throttleKeys("owner4@example.com", `203.0.115.${i % 50}`), t + i);
    // An office behind one address: a colleague mistypes their own password.
    await recordFailure(store, throttleKeys("colleague@example.com", "192.0.2.91"), t + 200);
    expect(await retryAfterMs(store, throttleKeys("owner4@example.com", "192.0.2.91"), t + 201)).toBe(0);
  });
});

describe("checkCredentials with the throttle (a real database)", () => {
  const fresh = freshDbPerTest();
  beforeEach(async () => {
    await fresh.side.insert("users", [
      { email: "victim@test.local", name: "Victim", role: "annotator", passwordHash: hashPassword("right horse") },
    ]);
  });

  it("a brute force across many addresses cannot lock the owner out, and gets nowhere itself", async () => {
    const attempt = (password: string, address: string) =>
      checkCredentials(fresh.store, { email: "victim@test.local", password }, address);
    let guesses = 0;
    // The attacker cycles through 40 addresses, guessing until every one of them is refused.
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 40; i++) {
        const keys = throttleKeys("victim@test.local", `10.66.0.${i}`);
        if ((await retryAfterMs(fresh.store, keys)) > 0) continue;
        guesses++;
        expect(await attempt(`guess ${round}-${i}`, `10.66.0.${i}`)).toBeNull();
      }
    }
    // Below the account limit each address gets its pair's few guesses; past it, one each.
    expect(guesses).toBeLessThan(40 * MAX_FAILURES_PER_PAIR);
    expect(await retryAfterMs(fresh.store, throttleKeys("victim@test.local", "10.66.0.3"))).toBeGreaterThan(0);
    // Even the right password is refused from an address that was guessing.
    expect(await attempt("right horse", "10.66.0.3")).toBeNull();
    // The owner, from an address with no failures, signs in.
    expect(await attempt("right horse", "192.0.2.10")).toMatchObject({ email: "victim@test.local" });
  });

  it("spends one scrypt on an unknown account as on a known one, so timing does not tell them apart", async () => {
    await checkCredentials(fresh.store, { email: "nobody@test.local", password: "warm up" }, "192.0.2.50");
    const scrypt = vi.spyOn(crypto, "scryptSync");
    try {
      expect(
        await checkCredentials(fresh.store, { email: "nobody@test.local", password: "a guess" }, "192.0.2.51"),
      ).toBeNull();
      const unknown = scrypt.mock.calls.length;
      expect(
        await checkCredentials(fresh.store, { email: "victim@test.local", password: "a guess" }, "192.0.2.52"),
      ).toBeNull();
      expect(unknown).toBe(1);
      expect(scrypt.mock.calls.length - unknown).toBe(1);
    } finally {
      scrypt.mockRestore();
    }
  });
});

describe("client address", () => {
  const headers = (xff: string | undefined, peer: string | undefined) =>
    new Headers({
      ...(xff === undefined ? {} : { "x-forwarded-for": xff }),
      ...(peer === undefined ? {} : { [PEER_HEADER]: peer }),
    });

  it("ignores X-Forwarded-For unless proxies are configured as trusted", () => {
    expect(clientAddress(headers("1.2.3.4", "127.0.0.1"), 0)).toBe("127.0.0.1");
    expect(clientAddress(headers("1.2.3.4", undefined), 0)).toBe("unknown");
  });

  it("with n trusted proxies takes the entry n places from the right, which no client can write", () => {
    // Client forged "6.6.6.6"; the proxy appended the real client address 1.2.3.4.
    expect(clientAddress(headers("6.6.6.6, 1.2.3.4", "10.0.0.2"), 1)).toBe("1.2.3.4");
    expect(clientAddress(headers("6.6.6.6, 1.2.3.4, 10.0.0.3", "10.0.0.2"), 2)).toBe("1.2.3.4");
    expect(clientAddress(headers(undefined, "10.0.0.2"), 1)).toBe("10.0.0.2");
  });
});
