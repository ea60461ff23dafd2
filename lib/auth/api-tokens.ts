import crypto from "node:crypto";

/**
 * How many leading characters of a token are stored in the clear, to tell tokens apart in the admin
 * list: the `ork_` marker and six random characters, too few to guess the rest from.
 */
export const API_TOKEN_PREFIX_LENGTH = 10;

/** The hash an API token is stored and looked up by (the token itself is never stored). */
export function hashApiToken(token: string): string {
  return crypto.createHash("sha256").update(token).digest("hex");
}

/** A new API token: the secret shown once, its stored hash and its stored prefix. */
export function mintApiToken(): { token: string; hash: string; prefix: string } {
  const token = `ork_${crypto.randomBytes(24).toString("base64url")}`;
  return { token, hash: hashApiToken(token), prefix: token.slice(0, API_TOKEN_PREFIX_LENGTH) };
}
