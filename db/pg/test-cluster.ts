/**
 * A throwaway PostgreSQL cluster for tests: Debian's server binaries (the `postgresql` package)
 * start a cluster in a temp folder, on a loopback port of this project's test range, with its unix
 * socket in that folder; stopping it removes the folder. Nothing here touches a system cluster.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

/** Where Debian installs each major version's server binaries. */
const DEBIAN_POSTGRES_ROOT = "/usr/lib/postgresql";

/** Ports tried for test clusters, in order (a range of its own, apart from the e2e servers' ports). */
export const TEST_CLUSTER_PORTS = { first: 5400, last: 5499 } as const;

/** The database each test cluster creates, and its superuser (trust authentication, loopback only). */
const DATABASE = "octorank_test";
const SUPERUSER = "postgres";

/**
 * The bin folder of the newest installed PostgreSQL with initdb and pg_ctl, or null when none is
 * installed.
 */
export function postgresBinDir(root = DEBIAN_POSTGRES_ROOT): string | null {
  let versions: string[];
  try {
    versions = fs.readdirSync(root);
  } catch {
    return null;
  }
  const usable = versions
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(root, v, "bin"))
    .filter((bin) => ["initdb", "pg_ctl"].every((tool) => fs.existsSync(path.join(bin, tool))));
  return usable[0] ?? null;
}

/** Said by a test file that skips because no PostgreSQL server is installed. */
export const NO_POSTGRES_MESSAGE =
  `PostgreSQL tests skipped: no server binaries under ${DEBIAN_POSTGRES_ROOT}/*/bin ` +
  "(install Debian's `postgresql` package: apt-get install -y postgresql).";

export type TestCluster = {
  /** postgres://… to the cluster's empty test database. */
  url: string;
  port: number;
  /** Stops the server and removes its folder; safe to call twice. */
  stop: () => void;
};

/** The URL of another database on the cluster of `url` ("postgres" is its maintenance database). */
export function databaseUrl(url: string, name: string): string {
  const other = new URL(url);
  other.pathname = `/${name}`;
  return other.href;
}

/** initdb refuses to run as root: the cluster then belongs to the `postgres` account, as on Debian. */
function clusterOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const entry = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === "postgres");
  if (!entry) throw new Error("Running as root, but there is no `postgres` account to own the test cluster.");
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

function run(binary: string, args: string[], owner: { uid: number; gid: number } | null): void {
  const result = spawnSync(binary, args, { encoding: "utf8", ...(owner ?? {}) });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
    throw new Error(
      `${path.basename(binary)} ${args.join(" ")} failed (${result.error?.message ?? result.status}):\n${output}`,
    );
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A detached watcher that stops the cluster and removes its folder once process `pid` is gone: a
 * test worker killed mid-file (a timeout, a Ctrl-C) runs neither its afterAll nor its exit
 * handlers, and would leave the server running. After a normal stop() it finds nothing to stop.
 */
function stopWhenGone(
  pid: number,
  pgCtl: string,
  data: string,
  folder: string,
  owner: { uid: number; gid: number } | null,
): void {
  const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
  const script =
    `while [ -d /proc/${pid} ]; do sleep 1; done; ` +
    `[ -d ${quote(data)} ] && ${quote(pgCtl)} stop -D ${quote(data)} -m immediate -s; rm -rf ${quote(folder)}`;
  spawn("sh", ["-c", script], { detached: true, stdio: "ignore", ...(owner ?? {}) }).unref();
}

/**
 * Starts a cluster and creates its test database; throws with initdb's or the server's own words
 * when that fails. Callers check postgresBinDir() first, to skip (with NO_POSTGRES_MESSAGE) when
 * no PostgreSQL is installed. The cluster is stopped when the process exits, if stop() was not
 * called.
 */
export async function startTestCluster(): Promise<TestCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(NO_POSTGRES_MESSAGE);
  const owner = clusterOwner();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-pg-"));
  const data = path.join(folder, "data");
  if (owner) fs.chownSync(folder, owner.uid, owner.gid);
  let stopped = false;
  let started = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off("exit", stop);
    if (started) spawnSync(path.join(bin, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-s"], owner ?? {});
    fs.rmSync(folder, { recursive: true, force: true });
  };
  process.on("exit", stop);
  try {
    // No fsync anywhere: the cluster lives as long as one test file.
    run(
      path.join(bin, "initdb"),
      ["-D", data, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
      owner,
    );
    for (let port = TEST_CLUSTER_PORTS.first; port <= TEST_CLUSTER_PORTS.last; port++) {
      if (!(await portIsFree(port))) continue;
      const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${folder} -c fsync=off -c full_page_writes=off`;
      const log = path.join(folder, "server.log");
      const start = spawnSync(path.join(bin, "pg_ctl"), ["start", "-D", data, "-w", "-s", "-l", log, "-o", options], {
        encoding: "utf8",
        ...(owner ?? {}),
      });
      if (start.status !== 0) {
        // Another process took the port between the probe and the start: try the next one.
        if (fs.existsSync(log) && /could not bind|already in use/i.test(fs.readFileSync(log, "utf8"))) continue;
        throw new Error(
          `pg_ctl start failed:\n${start.stderr}${fs.existsSync(log) ? fs.readFileSync(log, "utf8") : ""}`,
        );
      }
      started = true;
      stopWhenGone(process.pid, path.join(bin, "pg_ctl"), data, folder, owner);
      const admin = new pg.Client({ host: "127.0.0.1", port, user: SUPERUSER, database: "postgres" });
      await admin.connect();
      try {
        await admin.query(`create database ${DATABASE}`);
      } finally {
        await admin.end();
      }
      return { url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`, port, stop };
    }
    throw new Error(`No free port for a test cluster in ${TEST_CLUSTER_PORTS.first}–${TEST_CLUSTER_PORTS.last}.`);
  } catch (error) {
    stop();
    throw error;
  }
}
