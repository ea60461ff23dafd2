import { describe, expect, it } from "vitest";
import { clientAddress, PEER_HEADER } from "./client-address";
import {
  MAX_FAILURES_PER_ADDRESS,
  MAX_FAILURES_PER_PAIR,
  MAX_LOCK_MS,
  WINDOW_MS,
  clearFailures,
  pairKeys,
  recordFailure,
  retryAfterMs,
  throttleKeys,
} from "./login-throttle";

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

  it("a success clears only its own pair", () => {
    const noisy = throttleKeys("noisy@example.com", "10.0.0.9");
    for (let i = 0; i < MAX_FAILURES_PER_PAIR; i++) recordFailure(noisy, 5_000 + i);
    expect(retryAfterMs(throttleKeys("quiet@example.com", "10.0.0.9"), 5_100)).toBe(0);
    clearFailures(pairKeys(noisy));
    expect(retryAfterMs(noisy, 5_100)).toBe(0);
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
