import { env } from "@/lib/env";

/** Set by scripts/server-preload.cjs from the socket; a client cannot forge it. */
export const PEER_HEADER = "x-octorank-peer";

type HeaderSource = Headers | Record<string, unknown> | undefined;

function header(headers: HeaderSource, name: string): string | undefined {
  if (!headers) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * The address a request came from, for throttling. With OCTORANK_TRUST_PROXY = n, the n proxies
 * nearest the server each appended the address they saw to X-Forwarded-For, so the entry n places
 * from the right (counting the socket as the rightmost) is the first one no client could write.
 * With 0, X-Forwarded-For is ignored. "unknown" when the server was not started by
 * scripts/start.ts (next dev): then every client shares one throttle address.
 */
export function clientAddress(headers: HeaderSource, trustedHops: number = env().OCTORANK_TRUST_PROXY): string {
  const peer = header(headers, PEER_HEADER)?.trim() || "unknown";
  if (trustedHops === 0) return peer;
  const forwarded = (header(headers, "x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  return chain[Math.max(0, chain.length - 1 - trustedHops)]!;
}
