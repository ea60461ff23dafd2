import { describe, expect, it } from "vitest";
import { z } from "zod";
import { numeric } from "./validation";

describe("numeric", () => {
  const seed = numeric(z.number().int().min(0).default(1));

  it("takes numbers and the strings that spell them", () => {
    expect(seed.parse(7)).toBe(7);
    expect(seed.parse("7")).toBe(7);
    expect(seed.parse(" 12 ")).toBe(12);
    expect(numeric(z.number()).parse("-0.25")).toBe(-0.25);
  });

  it("reads a missing or blank value as missing, so the default applies", () => {
    expect(seed.parse(undefined)).toBe(1);
    expect(seed.parse("")).toBe(1);
    expect(seed.parse("   ")).toBe(1);
    expect(numeric(z.number()).safeParse("").success).toBe(false);
    expect(numeric(z.number().optional()).parse(" ")).toBeUndefined();
  });

  it("refuses what z.coerce.number() would turn into 0 or 1", () => {
    for (const value of [true, false, null, [], [3], {}, "abc", "1,5", "NaN", "Infinity", Number.NaN, Infinity]) {
      expect(seed.safeParse(value).success, JSON.stringify(value)).toBe(false);
    }
  });

  it("keeps the inner schema's own rules and messages", () => {
    const result = numeric(z.number().int("Whole numbers only.")).safeParse("1.5");
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("Whole numbers only.");
  });
});
