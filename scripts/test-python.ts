/**
 * `npm run test:python`: the Python package (clients/python) tested with the real TRL against a real
 * Octorank. Makes a venv (kept in node_modules/.cache while its requirements do not change), installs
 * the pinned requirements and the package itself, starts `next start` (scripts/start.ts) on a
 * temporary SQLite file holding a researcher, an API token and a small synthetic length dataset, and
 * runs pytest against it. The exit code is pytest's. With --venv-only it makes the venv and stops
 * (npm test does that in the background while other stages run).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { buildIfNeeded } from "./prepare";
import { openDatabase } from "../db/index";
import { sqliteStore } from "../db/store";
import { createUser } from "../lib/auth/users";
import { createApiToken } from "../lib/admin/queries";
import { ensureSyntheticLengthDataset } from "../lib/runs/repro";

const ROOT = path.resolve(__dirname, "..");
const PACKAGE = path.join(ROOT, "clients", "python");
const REQUIREMENTS = path.join(PACKAGE, "requirements-test.txt");
const CACHE = path.join(ROOT, "node_modules", ".cache", "octorank-python");
const VENV = path.join(CACHE, "venv");
const PYTHON = path.join(VENV, "bin", "python");
/** Compiled modules, kept with the venv (and gone with it) rather than in the package's source tree. */
const PYCACHE = path.join(VENV, "pycache");
/** Prompts of the synthetic length dataset the round trip exports and trains on. */
const DATASET_PROMPTS = 40;
const PIP = ["-m", "pip", "--disable-pip-version-check", "--retries", "0", "--timeout", "5"];
/** For pip's own subprocesses too: nothing is fetched from beyond the configured mirror's reach. */
const PIP_ENV = { ...process.env, PIP_RETRIES: "0", PIP_TIMEOUT: "5", PIP_DEFAULT_TIMEOUT: "5" };

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: ROOT, env: PIP_ENV });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? "signal"})`);
}

/** The venv with the pinned requirements, reused while the requirements and the Python are the same. */
function ensureVenv(): void {
  const python = process.env.PYTHON ?? "python3";
  const version = spawnSync(python, ["-c", "import sys; print(sys.version)"], { encoding: "utf8" });
  if (version.status !== 0) throw new Error(`No ${python} on this machine: the Python lane needs Python 3.10+.`);
  const key = crypto.createHash("sha256").update(fs.readFileSync(REQUIREMENTS)).update(version.stdout).digest("hex");
  const stamp = path.join(VENV, "octorank-requirements.sha256");
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === key) return;
  fs.rmSync(VENV, { recursive: true, force: true });
  const startedAt = Date.now();
  run(python, ["-m", "venv", VENV]);
  // --no-compile: byte-compiling every module of torch and transformers was most of the install's
  // CPU; the lane compiles only what it imports, once, into PYCACHE.
  run(PYTHON, [...PIP, "install", "-q", "--no-compile", "-r", REQUIREMENTS]);
  fs.writeFileSync(stamp, key);
  console.log(`Python venv installed in ${Math.round((Date.now() - startedAt) / 1000)} s (${VENV})`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForServer(url: string, token: string, server: { exitCode: number | null }): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`The server exited (${server.exitCode}) before answering.`);
    try {
      const answer = await fetch(`${url}/api/runs`, { headers: { Authorization: `Bearer ${token}` } });
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`The server at ${url} did not answer within 180 s.`);
}

async function main(argv: string[]): Promise<number> {
  ensureVenv();
  if (argv.includes("--venv-only")) return 0;
  // Always the package as it is now, installed the way a researcher installs it (built with the
  // venv's setuptools: an isolated build would look for setuptools on the public index).
  run(PYTHON, [...PIP, "install", "-q", "--no-deps", "--force-reinstall", "--no-build-isolation", PACKAGE]);
  // As for `npm start`: OCTORANK_SKIP_BUILD=1 serves the existing build (a runner that built already).
  if (process.env.OCTORANK_SKIP_BUILD !== "1") buildIfNeeded();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-python-"));
  const databasePath = path.join(dir, "octorank.db");
  const db = openDatabase(databasePath);
  const password = crypto.randomBytes(18).toString("base64url");
  const store = sqliteStore(db);
  const researcher = await createUser(store, {
    email: "trl@octorank.test",
    name: "TRL researcher",
    role: "researcher",
    password,
  });
  const { token } = await createApiToken(store, { userId: researcher.id, name: "python lane" });
  const dataset = await ensureSyntheticLengthDataset(store, DATASET_PROMPTS, 1);
  db.$client.close();

  // PYTHON_TEST_PORT pins the port (e.g. to stay in a range of one's own); any free one otherwise.
  const port = process.env.PYTHON_TEST_PORT ? Number(process.env.PYTHON_TEST_PORT) : await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(
    process.execPath,
    [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/start.ts"],
    {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: {
        ...process.env,
        DATABASE_PATH: databasePath,
        PORT: String(port),
        OCTORANK_SKIP_BUILD: "1",
        OCTORANK_SEED_DEMO: "0",
        NEXTAUTH_URL: url,
      },
    },
  );
  let status = 1;
  try {
    await waitForServer(url, token, server);
    const result = spawnSync(PYTHON, ["-m", "pytest", "-q", "-p", "no:cacheprovider", path.join(PACKAGE, "tests")], {
      cwd: PACKAGE,
      stdio: "inherit",
      env: {
        ...process.env,
        OCTORANK_URL: url,
        OCTORANK_TOKEN: token,
        OCTORANK_DATASET: dataset.slug,
        OCTORANK_EMAIL: researcher.email,
        OCTORANK_PASSWORD: password,
        // The round trip is this lane's point: without a server it fails instead of skipping.
        OCTORANK_REQUIRE_SERVER: "1",
        HF_HUB_OFFLINE: "1",
        HF_DATASETS_OFFLINE: "1",
        TRANSFORMERS_OFFLINE: "1",
        HF_HOME: path.join(dir, "huggingface"),
        TOKENIZERS_PARALLELISM: "false",
        // Empty, so Python writes the modules it compiles (into PYCACHE) even where the machine says not to.
        PYTHONDONTWRITEBYTECODE: "",
        PYTHONPYCACHEPREFIX: PYCACHE,
      },
    });
    status = result.status ?? 1;
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => (server.exitCode !== null ? r(null) : server.once("exit", r)));
  }
  if (status === 0) fs.rmSync(dir, { recursive: true, force: true });
  else console.error(`Python lane data kept for inspection in ${dir}`);
  return status;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
