import "server-only";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { z } from "zod";

/**
 * The one place that reads process.env. Everything has a default so that a fresh clone needs no
 * configuration; a value that is set but malformed stops the process with a clear message.
 */
const envSchema = z.object({
  DATABASE_PATH: z.string().min(1).default("./data/octorank.db"),
  /**
   * postgres://user:password@host:port/database: when set, the server, its workers and `npm start`'s
   * demo seed keep the data in this PostgreSQL database instead of the SQLite file at DATABASE_PATH.
   */
  DATABASE_URL: z
    .string()
    .refine(isPostgresUrl, "must be a postgres:// URL, such as postgres://user:password@host:5432/octorank")
    .optional(),
  /** Secret for signing session cookies; generated into the data folder when unset. */
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** The interface `npm start` listens on; unset means loopback only (127.0.0.1). */
  HOST: z.string().trim().min(1).optional(),
  /** Set to "0" to start with an empty database instead of the demo (a server reachable from outside never seeds it). */
  OCTORANK_SEED_DEMO: z.enum(["0", "1"]).default("1"),
  /**
   * How many reverse proxies in front of the server append to X-Forwarded-For. 0 (the default)
   * trusts no such header: the client's address is the socket's.
   */
  OCTORANK_TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  /** The server's public URL (next-auth's); its host is one this server answers to. */
  NEXTAUTH_URL: z.url().optional(),
  /**
   * More names this server answers to, comma-separated (`octorank.lab.example,10.0.0.5`), beside
   * the loopback names, NEXTAUTH_URL's host and the address it listens on.
   */
  OCTORANK_ALLOWED_HOSTS: z.string().default(""),
  /** Set by scripts/start.ts to the address `next start` was bound to. */
  OCTORANK_BIND_HOST: z.string().optional(),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
});

function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//.test(value) && URL.canParse(value);
}

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** The settings `vars` give, or an error naming every malformed one. */
export function parseEnv(vars: Record<string, string | undefined>): Env {
  const parsed = envSchema.safeParse(vars);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment: ${problems}`);
  }
  return parsed.data;
}

/** The address `npm start` binds to: loopback unless HOST says otherwise. */
export function bindHost(): string {
  return env().HOST ?? "127.0.0.1";
}

export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether this server may seed and show the demo accounts (whose passwords are public): only when
 * asked to and only while it listens on loopback, where no one else can reach it. The server reads
 * the address start.ts actually bound; a server started any other way counts as reachable.
 */
export function demoMode(host: string | undefined = env().OCTORANK_BIND_HOST): boolean {
  return env().OCTORANK_SEED_DEMO === "1" && isLoopbackHost(host);
}

export function databasePath(): string {
  return path.resolve(env().DATABASE_PATH);
}

/** Where this process's database is (db/store/open.ts openStoreAt): DATABASE_URL when set, else the SQLite file. */
export function databaseLocation(): string {
  return env().DATABASE_URL ?? databasePath();
}

/** Whether a database location (a store's location) is a PostgreSQL URL rather than a SQLite file's path. */
export const isPostgresLocation = (location: string) => /^postgres(ql)?:\/\//.test(location);

/**
 * This process's environment with its database set to `location`, for a child that opens the same
 * database as its parent's store: a location in a child's arguments would show in any process
 * listing, and a PostgreSQL URL may carry a password.
 */
export function environmentOpening(location: string): NodeJS.ProcessEnv {
  const { DATABASE_URL: _url, DATABASE_PATH: _path, ...rest } = process.env;
  return isPostgresLocation(location) ? { ...rest, DATABASE_URL: location } : { ...rest, DATABASE_PATH: location };
}

/** The folder that holds the database; generated files (the auth secret) live beside it. */
export function dataDir(): string {
  return path.dirname(databasePath());
}

/**
 * The session-signing secret: from the environment, or generated once into the data folder and
 * kept there (never committed), so sessions survive restarts without any setup.
 */
export function authSecret(): string {
  const fromEnv = env().NEXTAUTH_SECRET;
  if (fromEnv) return fromEnv;
  const file = path.join(dataDir(), "auth-secret");
  try {
    const secret = fs.readFileSync(file, "utf8").trim();
    fs.chmodSync(file, 0o600);
    return secret;
  } catch {
    fs.mkdirSync(dataDir(), { recursive: true, mode: 0o700 });
    const secret = crypto.randomBytes(32).toString("base64url");
    try {
      fs.writeFileSync(file, secret, { mode: 0o600, flag: "wx" });
      return secret;
    } catch {
      // Another process created it first: use theirs.
      return fs.readFileSync(file, "utf8").trim();
    }
  }
}
