import { describe, expect, it } from "vitest";
import { hashPassword, MIN_PASSWORD_LENGTH, newPasswordSchema, verifyPassword } from "./password";
import { DEMO_ACCOUNTS } from "@/lib/demo/accounts";

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

describe("the password rule", () => {
  it("refuses short, blank, repeated and common passwords, whatever their case", () => {
    for (const weak of [
      "password",
      "12345678",
      " ".repeat(8),
      " ".repeat(20),
      "short",
      "aaaaaaaaaaaa",
      "Password123",
      " qwertyuiop ",
    ])
      expect(newPasswordSchema.safeParse(weak).success, JSON.stringify(weak)).toBe(false);
    expect(newPasswordSchema.safeParse("x".repeat(201)).success).toBe(false);
  });

  it("takes a passphrase of the minimum length and the demo accounts' passwords", () => {
    expect(newPasswordSchema.safeParse("tide pool ".slice(0, MIN_PASSWORD_LENGTH)).success).toBe(false);
    expect(newPasswordSchema.safeParse("tidal-pool-7").success).toBe(true);
    for (const account of DEMO_ACCOUNTS) expect(newPasswordSchema.safeParse(account.password).success).toBe(true);
  });
});
