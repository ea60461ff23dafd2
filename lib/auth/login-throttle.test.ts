import { describe, expect, it } from "vitest";
import {
  MAX_FAILURES_PER_EMAIL,
  WINDOW_MS,
  clearFailures,
  recordFailure,
  retryAfterMs,
  throttleKeys,
} from "./login-throttle";

describe("login throttle", () => {
  it("throttles an email after too many failures and lets it go when the window passes", () => {
    const keys = throttleKeys("Someone@Example.com", "10.0.0.1");
    const start = 1_000_000;
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL - 1; i++) recordFailure(keys, start + i);
    expect(retryAfterMs(keys, start + 10)).toBe(0);
    recordFailure(keys, start + 10);
    expect(retryAfterMs(throttleKeys("someone@example.com", "10.0.0.2"), start + 20)).toBeGreaterThan(0);
    expect(retryAfterMs(keys, start + WINDOW_MS + 11)).toBe(0);
  });

  it("does not throttle another email from the same address", () => {
    const noisy = throttleKeys("noisy@example.com", "10.0.0.9");
    for (let i = 0; i < MAX_FAILURES_PER_EMAIL; i++) recordFailure(noisy, 5_000 + i);
    expect(retryAfterMs(throttleKeys("quiet@example.com", "10.0.0.9"), 5_100)).toBe(0);
    clearFailures(noisy);
    expect(retryAfterMs(noisy, 5_100)).toBe(0);
  });
});
