import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { postgresBinDir } from "@/db/pg/test-cluster";

let root: string | null = null;
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = null;
});

/** A fake /usr/lib/postgresql: each version's bin folder with the given tools. */
function installed(versions: Record<string, string[]>): string {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-pgbin-"));
  for (const [version, tools] of Object.entries(versions)) {
    fs.mkdirSync(path.join(root, version, "bin"), { recursive: true });
    for (const tool of tools) fs.writeFileSync(path.join(root, version, "bin", tool), "");
  }
  return root;
}

describe("postgresBinDir", () => {
  it("finds the newest version that has both initdb and pg_ctl", () => {
    const dir = installed({ "9": ["initdb", "pg_ctl"], "15": ["initdb", "pg_ctl"], "16": ["psql"], extra: ["initdb"] });
    expect(postgresBinDir(dir)).toBe(path.join(dir, "15", "bin"));
  });

  it("is null when no server is installed, so the PostgreSQL tests say they were skipped", () => {
    expect(postgresBinDir(installed({ "15": ["psql"] }))).toBeNull();
    expect(postgresBinDir(path.join(os.tmpdir(), "octorank-no-such-folder"))).toBeNull();
  });
});

describe.skipIf(postgresBinDir() === null)("a test cluster", () => {
  it("is stopped, and its folder removed, when the process that started it is killed", async () => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        'require("./db/pg/test-cluster.ts").startTestCluster().then((c) => { console.log(JSON.stringify({ port: c.port })); setInterval(() => {}, 1000); });',
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      child.stdout.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
      child.once("exit", (code) => reject(new Error(`the cluster's process exited (${code}) before it started`)));
    });
    // The cluster's folder: the one whose server was started on its port.
    const folder = () =>
      fs.readdirSync(os.tmpdir()).filter((name) => {
        if (!name.startsWith("octorank-pg-")) return false;
        const options = path.join(os.tmpdir(), name, "data", "postmaster.opts");
        return fs.existsSync(options) && fs.readFileSync(options, "utf8").includes(`"-p" "${port}"`);
      });
    try {
      expect(folder()).toHaveLength(1);
    } finally {
      child.kill("SIGKILL");
    }
    const accepts = () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.once("connect", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
      });
    await expect.poll(accepts, { timeout: 30_000, interval: 250 }).toBe(false);
    await expect.poll(() => folder().length, { timeout: 30_000, interval: 250 }).toBe(0);
  });
});
