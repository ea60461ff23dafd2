import crypto from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
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
  it("locks an address+account pair after too many failures and lets it go when the lock passes", () => {
    const keys = throttleKeys("Someone@Example.com", "10.0.0.1");
    const start = 1_000_000;
    for (let i = 0; i < MAX_FAILURES_PER_PAIR - 1; i++) recordFailure(keys, start + i);
    expect(retryAfterMs(keys, start + 10)).toBe(0);
    recordFailure(keys, start + 10);
    expect(retryAfterMs(throttleKeys("someone@example.com", "10.0.0.1"), start + 20)).toBeGreaterThan(0);
    expect(retryAfterMs(keys, start + 10 + WINDOW_MS)).toBe(0);
  });

  it("an attacker guessing the owner's password does not lock the owner out from another address", () => {
    const attacker = throttleKeys("owner@example.com", "203.0.113.7");
    for (let i = 0; i < MAX_FAILURES_PER_PAIR * 3; i++) recordFailure(attacker, 2_000_000 + i);
    expect(retryAfterMs(attacker, 2_000_100)).toBeGreaterThan(0);
    expect(retryAfterMs(throttleKeys("owner@example.com", "192.0.2.1"), 2_000_100)).toBe(0);
  });

  it("each failure past the limit doubles the lock, up to the cap", () => {
    const keys = throttleKeys("slow@example.com", "10.1.1.1");
    const t = 3_000_000;
    for (let i = 0; i < MAX_FAILURES_PER_PAIR; i++) recordFailure(keys, t);
    expect(retryAfterMs(keys, t)).toBe(WINDOW_MS);
    recordFailure(keys, t);
    expect(retryAfterMs(keys, t)).toBe(2 * WINDOW_MS);
    for (let i = 0; i < 10; i++) recordFailure(keys, t);
    expect(retryAfterMs(keys, t)).toBe(MAX_LOCK_MS);
  });

  it("one address spraying many accounts is locked for all of them", () => {
    const address = "10.9.9.9";
    for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++)
      recordFailure(throttleKeys(`u${i}@example.com`, address), 4_000_000);
    expect(retryAfterMs(throttleKeys("fresh@example.com", address), 4_000_001)).toBeGreaterThan(0);
    expect(retryAfterMs(throttleKeys("fresh@example.com", "10.9.9.10"), 4_000_001)).toBe(0);
  });

  it("a spraying address does not hold back an account that has signed in from it before", () => {
    const address = "10.8.8.8";
    const colleague = throttleKeys("colleague@example.com", address);
    recordSuccess(colleague);
    for (let i = 0; i < MAX_FAILURES_PER_ADDRESS; i++)
      recordFailure(throttleKeys(`sprayed${i}@example.com`, address), 7_000_000);
    expect(retryAfterMs(throttleKeys("newcomer@example.com", address), 7_000_001)).toBeGreaterThan(0);
    expect(retryAfterMs(colleague, 7_000_001)).toBe(0);
    // Its own failures from there still count against its pair.
    for (let i = 0; i < MAX_FAILURES_PER_PAIR; i++) recordFailure(colleague, 7_000_002);
    expect(retryAfterMs(colleague, 7_000_003)).toBeGreaterThan(0);
  });

  it("a success clears only its own pair", () => {
    const noisy = throttleKeys("noisy@example.com", "10.0.0.9");
    for (let i = 0; i < MAX_FAILURES_PER_PAIR; i++) recordFailure(noisy, 5_000 + i);
    expect(retryAfterMs(throttleKeys("quiet@example.com", "10.0.0.9"), 5_100)).toBe(0);
    recordSuccess(noisy);
    expect(retryAfterMs(noisy, 5_100)).toBe(0);
  });

  it("an attacker rotating addresses gets two guesses per address once the account is under attack", () => {
    const t = 6_000_000;
    const from = (i: number) => throttleKeys("target@example.com", `198.51.100.${i}`);
    // Under the account's limit each address may fail up to its pair limit; these fail twice each.
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++) recordFailure(from(i % (MAX_FAILURES_PER_ACCOUNT / 2)), t + i);
    expect(retryAfterMs(from(0), t + 100)).toBeGreaterThan(0);
    expect(retryAfterMs(from(0), t + 100)).toBeLessThanOrEqual(WINDOW_MS);
    // A fresh address may try twice (one typo is forgiven), and is held back once both fail.
    const fresh = from(200);
    expect(retryAfterMs(fresh, t + 100)).toBe(0);
    recordFailure(fresh, t + 100);
    expect(retryAfterMs(fresh, t + 100)).toBe(0);
    recordFailure(fresh, t + 100);
    expect(retryAfterMs(fresh, t + 101)).toBeGreaterThan(0);
    // Every failure past the limit lengthens the account-wide lock, for every address that failed.
    expect(retryAfterMs(from(1), t + 101)).toBeGreaterThan(WINDOW_MS);
    // Other accounts are not locked by it.
    expect(retryAfterMs(throttleKeys("bystander@example.com", "198.51.100.250"), t + 101)).toBe(0);
  });

  it("the account-wide lock never holds back a clean address or one that signed in before", () => {
    const t = 7_000_000;
    const owner = throttleKeys("owner2@example.com", "192.0.2.77");
    recordSuccess(owner);
    // The owner once mistyped, then an attack from many addresses locks the account.
    recordFailure(owner, t);
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT * 3; i++)
      recordFailure(throttleKeys("owner2@example.com", `203.0.113.${i % 30}`), t + i);
    expect(retryAfterMs(throttleKeys("owner2@example.com", "203.0.113.1"), t + 200)).toBeGreaterThan(0);
    expect(retryAfterMs(owner, t + 200)).toBe(0);
    expect(retryAfterMs(throttleKeys("owner2@example.com", "192.0.2.78"), t + 200)).toBe(0);
    // Case and spaces in the email do not make a different account.
    expect(retryAfterMs(throttleKeys(" Owner2@Example.com ", "203.0.113.1"), t + 200)).toBeGreaterThan(0);
  });

  it("an owner who mistypes once while the account is under attack still signs in, from a new address too", () => {
    const t = 8_000_000;
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT * 3; i++)
      recordFailure(throttleKeys("owner3@example.com", `203.0.114.${i % 50}`), t + i);
    // A new laptop, or the server restarted and forgot where the owner signed in from: one typo.
    const owner = throttleKeys("owner3@example.com", "192.0.2.90");
    recordFailure(owner, t + 200);
    expect(retryAfterMs(owner, t + 201)).toBe(0);
    // A second failure from there is held back like any guessing address.
    recordFailure(owner, t + 202);
    expect(retryAfterMs(owner, t + 203)).toBeGreaterThan(0);
  });

  it("someone else's failed sign-in at a shared address does not hold the owner back", () => {
    const t = 9_000_000;
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT * 3; i++)
      recordFailure(throttleKeys("owner4@example.com", `203.0.115.${i % 50}`), t + i);
    // An office behind one address: a colleague mistypes their own password.
    recordFailure(throttleKeys("colleague@example.com", "192.0.2.91"), t + 200);
    expect(retryAfterMs(throttleKeys("owner4@example.com", "192.0.2.91"), t + 201)).toBe(0);
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
        if (retryAfterMs(keys) > 0) continue;
        guesses++;
        expect(await attempt(`guess ${round}-${i}`, `10.66.0.${i}`)).toBeNull();
      }
    }
    // Below the account limit each address gets its pair's few guesses; past it, one each.
    expect(guesses).toBeLessThan(40 * MAX_FAILURES_PER_PAIR);
    expect(retryAfterMs(throttleKeys("victim@test.local", "10.66.0.3"))).toBeGreaterThan(0);
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
