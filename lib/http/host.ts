import { AppError } from "@/lib/errors";
import { env, isLoopbackHost } from "@/lib/env";

/** The names this server answers to, besides the loopback ones. */
export type ServerNames = ReadonlySet<string>;

/**
 * DNS rebinding guard: a page on attacker.example whose name the attacker re-points at 127.0.0.1
 * reaches this server as same-origin, with its own Host and Origin, and the victim's browser
 * would sign in and act for it. Only requests naming this server (a loopback name, NEXTAUTH_URL's
 * host, the address it listens on, or one listed in OCTORANK_ALLOWED_HOSTS) are answered. The
 * proxy applies it to every page, action and API call, and route() again to the upload routes
 * the proxy skips.
 */
export function foreignHostError(request: Request, names: ServerNames = serverNames()): AppError | null {
  const host = request.headers.get("host");
  // HTTP/1.0 without Host: no browser sends that, and there is no name to rebind.
  if (host === null) return null;
  const name = hostname(host);
  if (name !== null && (isLoopbackHost(name) || names.has(name))) return null;
  return new AppError(
    "forbidden",
    `This server does not answer to the name ${JSON.stringify(host.slice(0, 100))}; if it is this server's, add it to OCTORANK_ALLOWED_HOSTS.`,
  );
}

/** The name part of a Host header (`[::1]:3000` → `[::1]`), lower-cased; null when malformed. */
export function hostname(host: string): string | null {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i.exec(host.trim());
  return match ? match[1]!.toLowerCase().replace(/\.$/, "") : null;
}

/** The names from the configuration: NEXTAUTH_URL's host, the listed ones, a bind address that names one interface. */
export function namesFrom(config: { publicUrl?: string; allowed: string; bindHost?: string }): ServerNames {
  const names = new Set<string>();
  const add = (host: string | undefined) => {
    const name = host ? hostname(host) : null;
    if (name) names.add(name);
  };
  if (config.publicUrl) add(new URL(config.publicUrl).host);
  for (const listed of config.allowed.split(",")) add(listed);
  const bind = config.bindHost;
  // A wildcard bind address is no name anyone browses to.
  if (bind && !["0.0.0.0", "::", "[::]"].includes(bind))
    add(bind.includes(":") && !bind.startsWith("[") ? `[${bind}]` : bind);
  return names;
}

let configured: ServerNames | undefined;

function serverNames(): ServerNames {
  const { NEXTAUTH_URL, OCTORANK_ALLOWED_HOSTS, OCTORANK_BIND_HOST } = env();
  configured ??= namesFrom({ publicUrl: NEXTAUTH_URL, allowed: OCTORANK_ALLOWED_HOSTS, bindHost: OCTORANK_BIND_HOST });
  return configured;
}
