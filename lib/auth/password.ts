import crypto from "node:crypto";
import { z } from "zod";

const KEY_LENGTH = 64;
const COST = 16384;

/** scrypt with a per-password salt; the format carries its parameters so they can change later. */
export function hashPassword(password: string): string {
  const salt = crypto.randomBytes(16);
  const key = crypto.scryptSync(password, salt, KEY_LENGTH, { N: COST });
  return `scrypt$${COST}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export function verifyPassword(password: string, stored: string | null | undefined): boolean {
  if (!stored) return false;
  const [scheme, cost, salt, key] = stored.split("$");
  if (scheme !== "scrypt" || !cost || !salt || !key) return false;
  const expected = Buffer.from(key, "base64");
  const actual = crypto.scryptSync(password, Buffer.from(salt, "base64"), expected.length, {
    N: Number(cost),
  });
  return crypto.timingSafeEqual(expected, actual);
}

let unknownAccountHash: string | undefined;

/**
 * Checks a password against an account's hash; with no account (an unknown email), against a hash
 * of nothing anyone knows, so that an unknown account costs the same scrypt as a known one and the
 * answer's timing does not tell which emails have accounts.
 */
export function verifyAccountPassword(password: string, stored: string | null | undefined): boolean {
  unknownAccountHash ??= hashPassword(crypto.randomBytes(16).toString("hex"));
  const matches = verifyPassword(password, stored ?? unknownAccountHash);
  return matches && Boolean(stored);
}

export const MIN_PASSWORD_LENGTH = 10;

/**
 * Passwords attackers try first (the most common ones in public breach lists, and this app's
 * name): refused whatever their case, as is a password of one repeated character.
 */
const COMMON_PASSWORDS = new Set([
  "password",
  "password1",
  "password12",
  "password123",
  "password1234",
  "passw0rd",
  "p@ssw0rd",
  "p@ssword",
  "12345678",
  "123456789",
  "1234567890",
  "0123456789",
  "12345678910",
  "987654321",
  "0987654321",
  "1q2w3e4r5t",
  "1qaz2wsx3edc",
  "qwertyuiop",
  "qwerty123",
  "qwerty1234",
  "qwertyuiop123",
  "asdfghjkl",
  "asdfghjkl1",
  "zxcvbnm123",
  "iloveyou",
  "iloveyou1",
  "iloveyou12",
  "sunshine1",
  "princess1",
  "football1",
  "baseball1",
  "superman1",
  "starwars1",
  "trustno1",
  "welcome1",
  "welcome123",
  "letmein123",
  "changeme",
  "changeme1",
  "changeme123",
  "administrator",
  "admin12345",
  "admin123456",
  "adminadmin",
  "rootroot",
  "master1234",
  "dragon1234",
  "monkey1234",
  "abcdefghij",
  "abc1234567",
  "abcd123456",
  "aaaaaaaaaa",
  "secret1234",
  "passpass",
  "default123",
  "octorank",
  "octorank1",
  "octorank123",
  "octorank1234",
]);

/** The password rule every way of setting one shares (the admin form, the CLI). */
export const newPasswordSchema = z
  .string()
  .max(200, "Keep the password under 200 characters.")
  .refine((p) => p.trim().length >= MIN_PASSWORD_LENGTH, {
    message: `Passwords need at least ${MIN_PASSWORD_LENGTH} characters besides leading and trailing spaces.`,
  })
  .refine((p) => !COMMON_PASSWORDS.has(p.trim().toLowerCase()) && !/^(.)\1*$/s.test(p), {
    message: "That password is among the first an attacker tries; choose another.",
  });
