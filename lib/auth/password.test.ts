import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password";

describe("password hashing", () => {
  it("verifies the right password and rejects a wrong one", () => {
    const stored = hashPassword("correct horse battery");
    expect(stored).not.toContain("correct horse");
    expect(verifyPassword("correct horse battery", stored)).toBe(true);
    expect(verifyPassword("correct horse batterY", stored)).toBe(false);
  });

  it("salts every hash and refuses accounts without one", () => {
    expect(hashPassword("same")).not.toBe(hashPassword("same"));
    expect(verifyPassword("anything", null)).toBe(false);
    expect(verifyPassword("anything", "md5$abc")).toBe(false);
  });
});
