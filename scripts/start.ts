/**
 * `npm start`: everything a fresh clone needs, then the real `next start` as a child process whose
 * exit this process mirrors.
 */
import path from "node:path";
import { spawn } from "node:child_process";
import { buildIfNeeded, prepareDatabase } from "./prepare";
import { authSecret, env } from "../lib/env";

process.env.NEXT_TELEMETRY_DISABLED = "1";
prepareDatabase();
if (process.env.OCTORANK_SKIP_BUILD !== "1") buildIfNeeded();

const port = env().PORT;
const child = spawn(path.join("node_modules", ".bin", "next"), ["start", "-p", String(port)], {
  stdio: "inherit",
  env: {
    ...process.env,
    NODE_ENV: "production",
    NEXTAUTH_SECRET: authSecret(),
    NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${port}`,
  },
});
console.log(`Octorank: http://localhost:${port} (next start, pid ${child.pid})`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
