/**
 * The API token a request carries in `Authorization: Bearer <token>`, or null. A request with one is
 * judged by the token alone, and is exempt from the cross-site checks: no browser attaches a token
 * on its own. Pure (no database), so the proxy can use it too.
 */
export function bearerToken(headers: Headers): string | null {
  const header = headers.get("authorization");
  if (!header?.toLowerCase().startsWith("bearer ")) return null;
  return header.slice(7).trim();
}
