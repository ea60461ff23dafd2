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
  /** Secret for signing session cookies; generated into the data folder when unset. */
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Set to "0" to start with an empty database instead of the demo. */
  OCTORANK_SEED_DEMO: z.enum(["0", "1"]).default("1"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment: ${problems}`);
  }
  cached = parsed.data;
  return cached;
}

export function databasePath(): string {
  return path.resolve(env().DATABASE_PATH);
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
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(dataDir(), { recursive: true });
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
