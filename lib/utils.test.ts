import { describe, expect, it } from "vitest";
import { formatDateTime, plural } from "@/lib/utils";

describe("formatDateTime", () => {
  it("writes every moment one way, in UTC, whatever the process's time zone", () => {
    expect(formatDateTime(new Date("2026-12-06T14:05:59.999Z"))).toBe("6 Dec 2026, 14:05 UTC");
    expect(formatDateTime(new Date("2027-01-31T23:59:00+02:00"))).toBe("31 Jan 2027, 21:59 UTC");
  });
});

describe("plural", () => {
  it("names one and many", () => {
    expect(plural(1, "prompt")).toBe("1 prompt");
    expect(plural(0, "prompt")).toBe("0 prompts");
  });
});
