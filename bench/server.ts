/**
 * `npm run bench -- server [--seconds 10] [--prompts 200000] [--connections 50] [--rate 100] [--port 3250]
 *   [--import-lines 100000] [--phases demo-closed,demo-open,big-closed,big-open,training,import]
 *   [--backend sqlite|postgres] [--servers 1]`
 *
 * The annotation loop (claim the next prompt, submit a ranking) against a real `next start`
 * (scripts/start.ts, loopback only) on a fresh database: the demo dataset and one of `prompts`
 * prompts. Each phase runs for `seconds`:
 *   closed loop: `connections` annotators, each sending its next request as soon as the last returns
 *                (throughput, p50/p99);
 *   open loop:   requests started at a fixed `rate` per second whatever the answers (p50/p99/max,
 *                errors), alone, while a training run trains, and while a 100,000-line import runs.
 * Each phase also reports the server's CPU time per request (the `next start` process, from /proc).
 * Prints the big/small open-loop p99 ratio: 1 when a request's cost does not grow with the dataset,
 * and the issue's goals, when every phase ran.
 * Annotators authenticate with API tokens, so sign-in throttling is not in the way.
 *
 * `--backend postgres --servers N`: the same phases against N servers on one PostgreSQL database (a
 * throwaway cluster, db/pg/test-cluster.ts; the servers share DATABASE_URL and NEXTAUTH_SECRET),
 * each request sent to the next server in turn as a round-robin proxy would, after the same phases
 * on one server on SQLite in the same run: both tables, and PostgreSQL's figures as ratios of
 * SQLite's. Server CPU is the sum over the servers.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import zlib from "node:zlib";
import { sql } from "drizzle-orm";
import { openDatabase, type Db } from "../db/index";
import { openPostgres, schema as pgSchema, type PgDb } from "../db/pg/index";
import { postgresStore } from "../db/pg/store";
import { startTestCluster } from "../db/pg/test-cluster";
import { sqliteStore } from "../db/store";
import { seedDemo } from "../lib/demo/seed";
import { mintApiToken } from "../lib/auth/api-tokens";

type Phase = {
  name: string;
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  seconds: number;
  p50: number;
  p99: number;
  max: number;
  /** CPU time the next-server process used during the phase (NaN where /proc is not readable). */
  serverCpuMs: number;
};

type Annotator = { token: string; pending: { promptId: number; responseIds: number[] } | null; busy: boolean };

const RESPONSES = 4;

const PHASES = ["demo-closed", "demo-open", "big-closed", "big-open", "training", "import"] as const;

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function addAnnotators(db: Db, count: number, role: "annotator" | "researcher" = "annotator"): string[] {
  const insertUser = db.$client.prepare(
    "insert into users (email, name, password_hash, role) values (?, ?, 'x', ?) returning id",
  );
  const insertToken = db.$client.prepare(
    "insert into api_tokens (user_id, name, token_hash, prefix) values (?, 'bench', ?, ?)",
  );
  const tokens: string[] = [];
  db.$client.transaction(() => {
    for (let i = 0; i < count; i++) {
      const { id } = insertUser.get(`bench-${role}-${i}@bench.local`, `Bench ${role} ${i}`, role) as { id: number };
      const { token, hash, prefix } = mintApiToken();
      insertToken.run(id, hash, prefix);
      tokens.push(token);
    }
  })();
  return tokens;
}

/** A dataset of `count` prompts with RESPONSES responses each, written straight into SQLite. */
function addBigDataset(db: Db, slug: string, count: number): void {
  const sqlite = db.$client;
  const { id } = sqlite
    .prepare(
      "insert into datasets (slug, name, responses_per_prompt, annotations_per_prompt) values (?, ?, ?, 3) returning id",
    )
    .get(slug, `Bench ${count} prompts`, RESPONSES) as { id: number };
  const prompt = sqlite.prepare("insert into prompts (dataset_id, external_id, text) values (?, ?, ?) returning id");
  const response = sqlite.prepare("insert into responses (prompt_id, position, external_id, text) values (?, ?, ?, ?)");
  sqlite.transaction(() => {
    for (let p = 0; p < count; p++) {
      const { id: promptId } = prompt.get(id, `b${p}`, `Benchmark prompt ${p}: explain task ${p % 977}.`) as {
        id: number;
      };
      for (let r = 0; r < RESPONSES; r++) response.run(promptId, r, `r${r}`, `Response ${r} to prompt ${p}.`);
    }
  })();
}

function writeImportFile(file: string, lines: number): void {
  const fd = fs.openSync(file, "w");
  let buffer = "";
  for (let i = 0; i < lines; i++) {
    buffer +=
      JSON.stringify({
        id: `imp${i}`,
        prompt: `Imported prompt ${i}`,
        responses: Array.from({ length: RESPONSES }, (_, r) => `Imported response ${r} to ${i}`),
      }) + "\n";
    if (buffer.length > 1 << 20) {
      fs.writeSync(fd, buffer);
      buffer = "";
    }
  }
  fs.writeSync(fd, buffer);
  fs.closeSync(fd);
}

/** User + system CPU time of a process, from /proc (Linux; clock ticks of 10 ms). */
function cpuMs(pid: number | null): number {
  if (pid === null) return NaN;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** The `next start` process under scripts/start.ts: the one that serves, whose CPU time a phase reports. */
function nextServerPid(root: number): number | null {
  try {
    const parents = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        parents.set(
          Number(entry),
          Number(fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ")[1]),
        );
      } catch {
        // Gone meanwhile.
      }
    }
    for (const [pid] of parents) {
      let up = parents.get(pid);
      while (up !== undefined && up !== root && up > 1) up = parents.get(up);
      if (up === root && fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("next-server")) return pid;
    }
  } catch {
    // No /proc: CPU times are not reported.
  }
  return null;
}

class Server {
  private child: ChildProcess | null = null;
  /** The serving process, found once it answers. */
  pid: number | null = null;
  constructor(
    readonly base: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async start(): Promise<void> {
    this.child = spawn(process.execPath, ["--import", "tsx", path.join("scripts", "start.ts")], {
      env: this.env,
      stdio: ["ignore", "ignore", "inherit"],
      detached: true,
    });
    for (let i = 0; i < 600; i++) {
      try {
        if ((await fetch(`${this.base}/login`)).ok) {
          this.pid = this.child.pid ? nextServerPid(this.child.pid) : null;
          return;
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error("The server did not start within 5 minutes.");
  }

  stop(): void {
    if (this.child?.pid) {
      try {
        process.kill(-this.child.pid, "SIGTERM");
      } catch {
        // Gone already.
      }
    }
  }
}

/**
 * The load generator's HTTP client: node:http with keep-alive connections. It shares the cores
 * with the server, and fetch (undici) cost it about 4 ms of CPU a request against 1 ms for this,
 * so with fetch the bench measured its own client as much as the server. It asks for gzip as
 * browsers and fetch do; the server decides (API JSON is sent as is).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function request(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body?: string,
  retried = false,
): Promise<{ status: number; text: string }> {
  const url = new URL(target, base);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        agent,
        headers: {
          ...headers,
          "Accept-Encoding": "gzip, deflate",
          ...(body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(body)) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const raw = Buffer.concat(chunks);
          const encoding = response.headers["content-encoding"];
          const text = (
            encoding === "gzip" ? zlib.gunzipSync(raw) : encoding === "deflate" ? zlib.inflateSync(raw) : raw
          ).toString("utf8");
          resolve({ status: response.statusCode ?? 0, text });
        });
      },
    );
    outgoing.on("error", (error: NodeJS.ErrnoException) => {
      // The server closed an idle keep-alive connection as this request went out on it: the request
      // never arrived, and browsers send it again on a new connection. So does this client, once.
      if (outgoing.reusedSocket && error.code === "ECONNRESET" && !retried)
        resolve(request(base, method, target, headers, body, true));
      else reject(error);
    });
    outgoing.end(body);
  });
}

/** The servers requests go to, each to the next in turn (a round-robin proxy). */
let turn = 0;
const nextServer = (bases: string[]) => bases[turn++ % bases.length]!;

/** Why requests got no answer (status 0), for the report. */
const failures = new Map<string, number>();

/** One step of an annotator's loop: claim when it holds nothing, else submit what it holds. */
async function step(bases: string[], annotator: Annotator, slug: string): Promise<{ ms: number; status: number }> {
  const base = nextServer(bases);
  const headers = { Authorization: `Bearer ${annotator.token}`, "Content-Type": "application/json" };
  const started = performance.now();
  let status = 0;
  try {
    if (!annotator.pending) {
      const response = await request(base, "POST", `/api/queue/next?dataset=${slug}`, headers);
      status = response.status;
      const body = JSON.parse(response.text) as {
        status?: string;
        prompt?: { id: number };
        responses?: { id: number }[];
      };
      if (body.status === "prompt" && body.prompt && body.responses)
        annotator.pending = { promptId: body.prompt.id, responseIds: body.responses.map((r) => r.id) };
    } else {
      const { promptId, responseIds } = annotator.pending;
      annotator.pending = null;
      const response = await request(
        base,
        "POST",
        "/api/annotations",
        headers,
        JSON.stringify({ promptId, ranking: responseIds.map((id) => [id]), openness: 0.5, durationMs: 1000 }),
      );
      status = response.status;
    }
  } catch (error) {
    status = 0;
    const why =
      error instanceof Error
        ? `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}`
        : String(error);
    failures.set(why, (failures.get(why) ?? 0) + 1);
  }
  return { ms: performance.now() - started, status };
}

function summarise(
  name: string,
  samples: { ms: number; status: number }[],
  seconds: number,
  serverCpuMs: number,
): Phase {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  return {
    name,
    requests: samples.length,
    errors: samples.filter((s) => s.status === 0 || s.status >= 500).length,
    statuses,
    seconds,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? NaN,
    serverCpuMs,
  };
}

/** The serving processes of this run, whose CPU time each phase reports (summed). */
let servingPids: (number | null)[] = [];
const servingCpuMs = (): number => servingPids.reduce<number>((sum, pid) => sum + cpuMs(pid), 0);

async function closedLoop(bases: string[], annotators: Annotator[], slug: string, seconds: number): Promise<Phase> {
  const samples: { ms: number; status: number }[] = [];
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  const cpuBefore = servingCpuMs();
  await Promise.all(
    annotators.map(async (a) => {
      while (performance.now() < until) samples.push(await step(bases, a, slug));
    }),
  );
  return summarise(
    `closed loop, ${annotators.length} connections, ${slug}`,
    samples,
    (performance.now() - started) / 1000,
    servingCpuMs() - cpuBefore,
  );
}

async function openLoop(
  name: string,
  bases: string[],
  annotators: Annotator[],
  slug: string,
  seconds: number,
  rate: number,
): Promise<Phase> {
  const samples: { ms: number; status: number }[] = [];
  const inFlight: Promise<void>[] = [];
  const total = Math.round(seconds * rate);
  const started = performance.now();
  const cpuBefore = servingCpuMs();
  let next = 0;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // The next annotator not waiting for an answer; with none free the request still goes out.
    let annotator = annotators[next++ % annotators.length]!;
    for (let k = 0; k < annotators.length && annotator.busy; k++) annotator = annotators[next++ % annotators.length]!;
    annotator.busy = true;
    inFlight.push(
      step(bases, annotator, slug).then((s) => {
        annotator.busy = false;
        samples.push(s);
      }),
    );
  }
  await Promise.all(inFlight);
  return summarise(name, samples, (performance.now() - started) / 1000, servingCpuMs() - cpuBefore);
}

function print(phases: Phase[]): void {
  const rows = phases.map((p) => [
    p.name,
    String(p.requests),
    (p.requests / p.seconds).toFixed(0),
    p.p50.toFixed(1),
    p.p99.toFixed(1),
    p.max.toFixed(1),
    String(p.errors),
    (p.serverCpuMs / p.requests).toFixed(2),
    Object.entries(p.statuses)
      .map(([s, n]) => `${s}:${n}`)
      .join(" "),
  ]);
  const header = [
    "phase",
    "requests",
    "req/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "errors",
    "server CPU ms/req",
    "statuses",
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

/** A database seeded for the bench and the servers on it. */
type Deployment = {
  label: string;
  bases: string[];
  servers: Server[];
  demoId: number;
  annotatorTokens: string[];
  researcherToken: string;
  cleanup: () => void;
};

type Sizes = { promptCount: number; connections: number; port: number };

/** One server on a fresh SQLite file: the demo, the big dataset, the annotators. */
async function sqliteDeployment(dir: string, { promptCount, connections, port }: Sizes): Promise<Deployment> {
  const databasePath = path.join(dir, "octorank.db");
  console.error(`Preparing ${databasePath}: the demo, ${promptCount} prompts, ${connections} annotators…`);
  const db = openDatabase(databasePath);
  await seedDemo(sqliteStore(db));
  // Enough room that the demo does not fill up during the bench: every annotator may rank every prompt.
  db.$client.prepare("update datasets set annotations_per_prompt = ? where slug = 'demo'").run(connections * 4);
  addBigDataset(db, "big", promptCount);
  // Two groups for the phases, and a third that only warms the server up.
  const annotatorTokens = addAnnotators(db, connections * 3);
  const [researcherToken] = addAnnotators(db, 1, "researcher");
  const demoId = (db.$client.prepare("select id from datasets where slug = 'demo'").get() as { id: number }).id;
  db.$client.close();
  const base = `http://127.0.0.1:${port}`;
  const server = new Server(base, {
    ...process.env,
    DATABASE_PATH: databasePath,
    PORT: String(port),
    HOST: "127.0.0.1",
    OCTORANK_SEED_DEMO: "0",
    NEXTAUTH_URL: base,
  });
  return {
    label: "SQLite, 1 server",
    bases: [base],
    servers: [server],
    demoId,
    annotatorTokens,
    researcherToken: researcherToken!,
    cleanup: () => {},
  };
}

/** The annotators' accounts and tokens on PostgreSQL, as addAnnotators writes them on SQLite. */
async function addPostgresAnnotators(db: PgDb, count: number, role: "annotator" | "researcher"): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const [user] = await db
      .insert(pgSchema.users)
      .values({ email: `bench-${role}-${i}@bench.local`, name: `Bench ${role} ${i}`, role, passwordHash: "x" })
      .returning({ id: pgSchema.users.id });
    const { token, hash, prefix } = mintApiToken();
    await db.insert(pgSchema.apiTokens).values({ userId: user!.id, name: "bench", tokenHash: hash, prefix });
    tokens.push(token);
  }
  return tokens;
}

/** `servers` servers on one PostgreSQL database of a throwaway cluster, seeded as sqliteDeployment seeds SQLite. */
async function postgresDeployment(
  dir: string,
  servers: number,
  { promptCount, connections, port }: Sizes,
): Promise<Deployment> {
  const cluster = await startTestCluster();
  try {
    console.error(`Preparing ${cluster.url}: the demo, ${promptCount} prompts, ${connections} annotators…`);
    const db = await openPostgres(cluster.url, { maxConnections: 2 });
    await seedDemo(postgresStore(db, cluster.url));
    await db.execute(sql`update datasets set annotations_per_prompt = ${connections * 4} where slug = 'demo'`);
    const [big] = await db
      .insert(pgSchema.datasets)
      .values({ slug: "big", name: `Bench ${promptCount} prompts`, responsesPerPrompt: RESPONSES })
      .returning({ id: pgSchema.datasets.id });
    await db.execute(sql`insert into prompts (dataset_id, external_id, text)
      select ${big!.id}, 'b' || g, 'Benchmark prompt ' || g || ': explain task ' || (g % 977) || '.'
      from generate_series(0, ${promptCount - 1}) g`);
    await db.execute(sql`insert into responses (prompt_id, position, external_id, text)
      select p.id, r, 'r' || r, 'Response ' || r || ' to prompt ' || substr(p.external_id, 2) || '.'
      from prompts p cross join generate_series(0, ${RESPONSES - 1}) r where p.dataset_id = ${big!.id}
      order by p.id, r`);
    const annotatorTokens = await addPostgresAnnotators(db, connections * 3, "annotator");
    const [researcherToken] = await addPostgresAnnotators(db, 1, "researcher");
    const [demo] = await db
      .select({ id: pgSchema.datasets.id })
      .from(pgSchema.datasets)
      .where(sql`slug = 'demo'`);
    await db.$client.end();
    // What several servers must share: the database and the session-signing secret.
    const secret = crypto.randomBytes(32).toString("base64url");
    const bases = Array.from({ length: servers }, (_, i) => `http://127.0.0.1:${port + 10 + i}`);
    return {
      label: `PostgreSQL, ${servers} server${servers === 1 ? "" : "s"}`,
      bases,
      servers: bases.map(
        (base, i) =>
          new Server(base, {
            ...process.env,
            DATABASE_URL: cluster.url,
            DATABASE_PATH: path.join(dir, `unused-${i}.db`),
            NEXTAUTH_SECRET: secret,
            PORT: String(port + 10 + i),
            HOST: "127.0.0.1",
            OCTORANK_SEED_DEMO: "0",
            NEXTAUTH_URL: base,
          }),
      ),
      demoId: demo!.id,
      annotatorTokens,
      researcherToken: researcherToken!,
      cleanup: () => cluster.stop(),
    };
  } catch (error) {
    cluster.stop();
    throw error;
  }
}

type Settings = {
  seconds: number;
  connections: number;
  rate: number;
  importLines: number;
  importFile: string;
  wanted: (p: (typeof PHASES)[number]) => boolean;
};

/** Starts the deployment's servers, runs the selected phases against them, and stops them. */
async function runPhases(deployment: Deployment, settings: Settings): Promise<Phase[]> {
  const { bases, researcherToken, demoId, annotatorTokens } = deployment;
  const { seconds, connections, rate, importLines, importFile, wanted } = settings;
  const base = bases[0]!;
  const phases: Phase[] = [];
  const research = { Authorization: `Bearer ${researcherToken}`, "Content-Type": "application/json" };
  const trainingPhase = async (bigAnnotators: Annotator[]) => {
    const created = await fetch(`${base}/api/runs`, {
      method: "POST",
      headers: research,
      body: JSON.stringify({ datasetId: demoId, utility: "conditioned", train: { steps: 100_000 } }),
    });
    const createdBody = (await created.json()) as { run?: { id: number }; error?: string };
    const runId = createdBody.run?.id;
    console.error(`Training run: ${created.status} ${runId ? `run ${runId}` : (createdBody.error ?? "")}`);
    await new Promise((r) => setTimeout(r, 3000));
    phases.push(
      await openLoop(`open loop, ${rate}/s, big, while training`, bases, bigAnnotators, "big", seconds, rate),
    );
    if (runId) {
      // The phase only counts as "while training" if the run was still training at its end.
      const during = (await (await fetch(`${base}/api/runs/${runId}`, { headers: research })).json()) as {
        run?: { status?: string; progress?: number };
      };
      console.error(`Run ${runId} at the end of the phase: ${during.run?.status} (progress ${during.run?.progress})`);
      await fetch(`${base}/api/runs/${runId}/cancel`, { method: "POST", headers: research });
    }
  };
  const importPhase = async (bigAnnotators: Annotator[]) => {
    const importStarted = performance.now();
    let importSeconds = NaN;
    const importing = fetch(`${base}/api/datasets/bench-import/import`, {
      method: "POST",
      headers: { Authorization: `Bearer ${researcherToken}`, "Content-Type": "application/x-ndjson" },
      body: fs.createReadStream(importFile) as unknown as BodyInit,
      duplex: "half",
    } as RequestInit).then(async (r) => {
      const body = (await r.text()).slice(0, 200);
      importSeconds = (performance.now() - importStarted) / 1000;
      return { status: r.status, body };
    });
    phases.push(
      await openLoop(
        `open loop, ${rate}/s, big, while importing ${importLines} lines`,
        bases,
        bigAnnotators,
        "big",
        seconds,
        rate,
      ),
    );
    const imported = await importing;
    console.error(
      `Import answered ${imported.status} after ${importSeconds.toFixed(1)} s (the phase ran ${seconds} s): ${imported.body}`,
    );
  };
  try {
    console.error(`Starting ${deployment.label}…`);
    await Promise.all(deployment.servers.map((s) => s.start()));
    servingPids = deployment.servers.map((s) => s.pid);
    // Two groups, so that a phase's annotators are not already at the end of their queue.
    const group = (from: number) =>
      annotatorTokens.slice(from, from + connections).map((token) => ({ token, pending: null, busy: false }));
    const demoAnnotators = group(0);
    const bigAnnotators = group(connections);
    // Warm-up on both datasets, by annotators of their own: the first few thousand requests run
    // while V8 still compiles Next's and our code, which the first phase would otherwise pay for.
    const warmers = group(connections * 2);
    await openLoop("warm-up", bases, warmers, "demo", 5, 100);
    await openLoop("warm-up", bases, warmers, "big", 5, 100);

    if (wanted("demo-closed")) phases.push(await closedLoop(bases, demoAnnotators, "demo", seconds));
    if (wanted("demo-open"))
      phases.push(await openLoop(`open loop, ${rate}/s, demo`, bases, demoAnnotators, "demo", seconds, rate));
    if (wanted("big-closed")) phases.push(await closedLoop(bases, bigAnnotators, "big", seconds));
    if (wanted("big-open"))
      phases.push(await openLoop(`open loop, ${rate}/s, big`, bases, bigAnnotators, "big", seconds, rate));
    if (wanted("training")) await trainingPhase(bigAnnotators);
    if (wanted("import")) await importPhase(bigAnnotators);
  } finally {
    for (const server of deployment.servers) server.stop();
  }
  return phases;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: "string", default: "10" },
      prompts: { type: "string", default: "200000" },
      connections: { type: "string", default: "50" },
      rate: { type: "string", default: "100" },
      port: { type: "string", default: "3250" },
      "import-lines": { type: "string", default: "100000" },
      // A comma-separated subset, for profiling one phase; the goals are judged on a full run only.
      phases: { type: "string", default: PHASES.join(",") },
      backend: { type: "string", default: "sqlite" },
      servers: { type: "string", default: "1" },
    },
  });
  const selected = new Set(values.phases.split(",").map((p) => p.trim()));
  for (const p of selected)
    if (!(PHASES as readonly string[]).includes(p))
      throw new Error(`Unknown phase "${p}": one of ${PHASES.join(", ")}.`);
  if (values.backend !== "sqlite" && values.backend !== "postgres")
    throw new Error(`--backend is sqlite or postgres, not "${values.backend}".`);
  const serverCount = Number(values.servers);
  if (!Number.isInteger(serverCount) || serverCount < 1 || serverCount > 8)
    throw new Error("--servers is a whole number from 1 to 8.");
  if (values.backend === "sqlite" && serverCount !== 1)
    throw new Error("Several servers share one database on PostgreSQL only: add --backend postgres.");
  const sizes: Sizes = {
    promptCount: Number(values.prompts),
    connections: Number(values.connections),
    port: Number(values.port),
  };

  const loadAtStart = os.loadavg();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-bench-server-"));
  const importFile = path.join(dir, "import.jsonl");
  const settings: Settings = {
    seconds: Number(values.seconds),
    connections: sizes.connections,
    rate: Number(values.rate),
    importLines: Number(values["import-lines"]),
    importFile,
    wanted: (p) => selected.has(p),
  };
  if (settings.wanted("import")) writeImportFile(importFile, settings.importLines);
  const runs: { label: string; phases: Phase[] }[] = [];
  try {
    // SQLite first in every run: with --backend postgres it is the reference the ratios are of.
    const reference = await sqliteDeployment(dir, sizes);
    runs.push({ label: reference.label, phases: await runPhases(reference, settings) });
    if (values.backend === "postgres") {
      const deployment = await postgresDeployment(dir, serverCount, sizes);
      try {
        runs.push({ label: deployment.label, phases: await runPhases(deployment, settings) });
      } finally {
        deployment.cleanup();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  for (const { label, phases } of runs) {
    console.log(`\n${label}`);
    print(phases);
  }
  for (const [why, count] of failures) console.log(`no answer (${count}×): ${why.slice(0, 200)}`);
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(" ");
  const machine = `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, load average ${load(loadAtStart)} at the start, ${load(os.loadavg())} at the end`;
  const [sqliteRun, postgresRun] = runs;
  if (postgresRun) {
    // Each phase of PostgreSQL's run against the same phase of SQLite's, measured on this machine in this run.
    console.log(`\n${postgresRun.label} ÷ ${sqliteRun!.label}`);
    for (const phase of postgresRun.phases) {
      const reference = sqliteRun!.phases.find((p) => p.name === phase.name);
      if (!reference) continue;
      console.log(
        `${phase.name}: req/s ×${(phase.requests / phase.seconds / (reference.requests / reference.seconds)).toFixed(2)}, ` +
          `p50 ×${(phase.p50 / reference.p50).toFixed(2)}, p99 ×${(phase.p99 / reference.p99).toFixed(2)}, ` +
          `server CPU/req ×${(phase.serverCpuMs / phase.requests / (reference.serverCpuMs / reference.requests)).toFixed(2)}`,
      );
    }
  }
  if (selected.size < PHASES.length) {
    console.log(machine);
    return;
  }
  for (const { label, phases } of runs) {
    const rate = settings.rate;
    const demoOpen = phases.find((p) => p.name === `open loop, ${rate}/s, demo`)!;
    const bigOpen = phases.find((p) => p.name === `open loop, ${rate}/s, big`)!;
    const ratio = bigOpen.p99 / demoOpen.p99;
    console.log(`\n${label}: big/small open-loop p99 ratio: ${ratio.toFixed(2)}`);
    // The issue's goals, checked against this run's own figures.
    const open = phases.filter((p) => p.name.startsWith("open loop"));
    const closedDemo = phases.find((p) => p.name.startsWith("closed loop") && p.name.endsWith("demo"))!;
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    console.log(
      `goal open-loop p99 < 50 ms with 0 errors in every open phase: ${verdict(open.every((p) => p.p99 < 50 && p.errors === 0))}`,
    );
    console.log(
      `goal closed loop >= 500 req/s on the demo: ${verdict(closedDemo.requests / closedDemo.seconds >= 500)} (${(closedDemo.requests / closedDemo.seconds).toFixed(0)})`,
    );
    console.log(`goal big/small p99 ratio <= 2: ${verdict(ratio <= 2)}`);
  }
  console.log(machine);
}
