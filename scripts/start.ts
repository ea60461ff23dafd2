/**
 * `npm start`: everything a fresh clone needs, then the real `next start` as a child process whose
 * exit this process mirrors. It listens on loopback unless HOST is set; only a loopback server
 * seeds and lists the demo accounts, whose passwords are public.
 */
import path from "node:path";
import { spawn } from "node:child_process";
import { buildIfNeeded, prepareDatabase } from "./prepare";
import { authSecret, bindHost, demoMode, env } from "../lib/env";

process.env.NEXT_TELEMETRY_DISABLED = "1";
const host = bindHost();

async function main(): Promise<void> {
  await prepareDatabase({ seedDemo: demoMode(host) });
  if (process.env.OCTORANK_SKIP_BUILD !== "1") buildIfNeeded();

  const port = env().PORT;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const preload = `--require ${path.resolve(__dirname, "server-preload.cjs")}`;
  // Node closes a connection idle for 5 s by default; a client that sends on it as it closes (a
  // keep-alive agent reusing it: Playwright's, the Python client's session) gets ECONNRESET. Longer
  // than a client waits between requests in practice, as servers behind proxies are set.
  const keepAlive = ["--keepAliveTimeout", "65000"];
  const child = spawn(
    path.join("node_modules", ".bin", "next"),
    ["start", "-p", String(port), "-H", host, ...keepAlive],
    {
      stdio: "inherit",
      env: {
        ...process.env,
        NODE_ENV: "production",
        NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(" "),
        NEXTAUTH_SECRET: authSecret(),
        NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? `http://localhost:${port}`,
        OCTORANK_BIND_HOST: host,
      },
    },
  );
  console.log(
    `Octorank: http://${urlHost}:${port} (next start, pid ${child.pid})` +
      (demoMode(host) ? "" : env().OCTORANK_SEED_DEMO === "1" ? "; reachable from outside, so no demo accounts" : ""),
  );

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
