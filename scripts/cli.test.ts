import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { environmentOpening } from "@/lib/env";
import { getRun } from "@/lib/runs/lifecycle";
import { freshDbPerTest, TEST_BACKEND } from "@/lib/test-fixtures";
import { joinNegativeNumbers, readTextFile } from "./dispatch";

const root = path.resolve(__dirname, "..");

function cli(...args: string[]) {
  return cliWith({}, ...args);
}

function cliWith(env: Record<string, string | undefined>, ...args: string[]) {
  return cliWithInput(env, "", ...args);
}

function cliWithInput(env: Record<string, string | undefined>, input: string, ...args: string[]) {
  // `node --import tsx`, as the server starts its workers: the tsx binary would start a second node under it.
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "scripts", "cli.ts"), ...args], {
    cwd: root,
    encoding: "utf8",
    input,
    env: { ...process.env, ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// No database here: the sqlite project runs it, the postgres project need not run it again.
describe.skipIf(TEST_BACKEND === "postgres")("the cli", () => {
  it("every command prints its usage with --help and exits 0", () => {
    const commands = fs
      .readdirSync(path.join(root, "scripts", "commands"))
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => f.slice(0, -3));
    expect(commands).toEqual(expect.arrayContaining(["diagnose", "theory", "repro", "train"]));
    for (const c of commands) {
      const r = cli(c, "--help");
      expect(r.code, `${c}: ${r.err}`).toBe(0);
      expect(r.out, c).toMatch(new RegExp(`^Usage: npm run cli -- ${c}`));
    }
  });

  it("reads a UTF-8 file and refuses one in another encoding, naming it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-text-"));
    try {
      const utf8 = path.join(dir, "scores.jsonl");
      fs.writeFileSync(utf8, "café 😀\n");
      expect(readTextFile(utf8)).toBe("café 😀\n");
      const latin1 = path.join(dir, "latin1.jsonl");
      fs.writeFileSync(latin1, Buffer.from("café\n", "latin1"));
      expect(() => readTextFile(latin1)).toThrow(`${latin1} is not valid UTF-8`);
      expect(() => readTextFile(path.join(dir, "missing"))).toThrow(/ENOENT/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("negative numbers parse as option values", () => {
    expect(joinNegativeNumbers(["--gamma", "-0.5", "--n", "4", "--flag", "-x"])).toEqual([
      "--gamma=-0.5",
      "--n",
      "4",
      "--flag",
      "-x",
    ]);
    const r = cli("theory", "--utility", "boxcox", "--gamma", "-0.5", "--n", "4");
    expect(r.code, r.err).toBe(0);
    const rewards = JSON.parse(r.out) as number[];
    expect(rewards[0]).toBe(1);
    expect(rewards[3]).toBe(0);
    expect(rewards[1]! - rewards[2]!).toBeGreaterThan(0.3);
  });

  it("diagnose --json prints the verdict and its evidence; a bad line is reported with its number", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-diagnose-"));
    try {
      const lines = Array.from({ length: 30 }, (_, i) =>
        JSON.stringify({
          id: `p${i}`,
          openness: i % 2,
          rewards: [0.9, 0.1, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1].map((x, k) => x + 0.001 * k),
          ranking: [[6], [4], [2], [0], [7], [5], [3], [1]],
          split: i < 20 ? "test" : "train",
        }),
      );
      const file = path.join(dir, "scores.jsonl");
      fs.writeFileSync(file, lines.join("\n") + "\n");
      const r = cli("diagnose", file, "--json", "--eps", "0.1");
      expect(r.code, r.err).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.kind).toBe("collapsed");
      for (const key of [
        "verdict",
        "gap",
        "gap_ci",
        "normalized_gap",
        "tracking",
        "accuracy",
        "accuracy_ci",
        "n_open",
        "n_closed",
        "reasons",
        "per_prompt",
      ])
        expect(j, key).toHaveProperty(key);
      expect(j.per_prompt).toHaveLength(20);
      expect(j.accuracy).toBe(1);
      fs.writeFileSync(file, lines[0] + '\n{"id":"x","openness":1.5,"rewards":[1,2]}\n');
      const bad = cli("diagnose", file);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/line 2: openness/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the cli on the test's database", () => {
  // The CLI opens the test's database as a child of the server would (DATABASE_PATH or DATABASE_URL).
  const fresh = freshDbPerTest();
  const onTestDatabase = () => environmentOpening(fresh.store.location);

  it("user add reads the password from stdin, refuses a weak one and any given on the command line", async () => {
    const add = (args: string[], input: string) => cliWithInput(onTestDatabase(), input, "user", "add", ...args);
    const onCommandLine = add(["--email", "a@x.test", "--role", "annotator", "--password", "tidal-pool-7"], "");
    expect(onCommandLine.code).not.toBe(0);
    expect(onCommandLine.err).toContain("Pipe it on stdin");
    const weak = add(["--email", "a@x.test", "--role", "annotator"], "password\n");
    expect(weak.code).not.toBe(0);
    expect(weak.err).toMatch(/password/i);
    const piped = add(["--email", "a@x.test", "--role", "annotator", "--json"], "tidal-pool-7\n");
    expect(piped.code, piped.err).toBe(0);
    expect(JSON.parse(piped.out)).toMatchObject({ email: "a@x.test", role: "annotator" });
    expect(await fresh.store.auth.userByEmail("a@x.test")).toMatchObject({ role: "annotator" });
  });

  it("writes the synthetic dataset, creates a token, and records an external run scored from the consensus export", async () => {
    const { dir } = fresh;
    const env = onTestDatabase();
    const inDb = (...args: string[]) => cliWith(env, ...args);
    const written = inDb("repro", "--dataset", "synth", "--prompts", "24", "--test-prompts", "8", "--json");
    expect(written.code, written.err).toBe(0);
    expect(JSON.parse(written.out)).toEqual({ dataset: "synth", prompts: 32, heldOutTemplates: 8, seed: 1 });
    expect(inDb("repro", "--dataset", "synth").err).toMatch(/already a dataset "synth"/);

    const added = cliWithInput(
      env,
      "tidal-pool-harbour\n",
      "user",
      "add",
      "--email",
      "r@lab.org",
      "--role",
      "researcher",
    );
    expect(added.code, added.err).toBe(0);
    const token = inDb("token", "create", "--email", "R@lab.org", "--name", "ci", "--json");
    expect(token.code, token.err).toBe(0);
    expect(JSON.parse(token.out)).toMatchObject({ token: expect.stringMatching(/^ork_/), email: "r@lab.org" });
    expect(inDb("token", "create", "--email", "nobody@lab.org", "--name", "ci").err).toMatch(/no user with the email/);

    const consensusFile = path.join(dir, "consensus.jsonl");
    expect(inDb("export", "--dataset", "synth", "--format", "consensus", "--out", consensusFile).code).toBe(0);
    const consensus = fs
      .readFileSync(consensusFile, "utf8")
      .trimEnd()
      .split("\n")
      .map(
        (l) => JSON.parse(l) as { prompt_id: string; split: string; responses: { id: string; mean_rank: number }[] },
      );
    expect(consensus).toHaveLength(32);
    const scores = consensus.map((l) => ({
      prompt_id: l.prompt_id,
      rewards: Object.fromEntries(l.responses.map((r) => [r.id, -r.mean_rank])),
      split: l.split,
    }));
    const scoresFile = path.join(dir, "scores.jsonl");
    fs.writeFileSync(scoresFile, scores.map((l) => JSON.stringify({ ...l, split: undefined })).join("\n"));
    const unsplit = inDb("external-run", scoresFile, "--dataset", "synth");
    expect(unsplit.code).toBe(1);
    expect(unsplit.err).toMatch(/line 1: no "split": copy the prompt's "split"/);

    fs.writeFileSync(scoresFile, scores.map((l) => JSON.stringify(l)).join("\n"));
    const recorded = inDb("external-run", scoresFile, "--dataset", "synth", "--json");
    expect(recorded.code, recorded.err).toBe(0);
    const { run } = JSON.parse(recorded.out) as {
      run: {
        id: number;
        status: string;
        summary: { prompts: { train: number; test: number }; collapse: Record<string, { verdict: string }> };
      };
    };
    expect(run.status).toBe("succeeded");
    const heldOut = scores.filter((l) => l.split === "test").length;
    expect(run.summary.prompts).toMatchObject({ test: heldOut, train: 32 - heldOut });
    expect(run.summary.collapse.train?.verdict).toMatch(/\w/);
    expect((await getRun(fresh.store, run.id))?.status).toBe("succeeded");
  });
});
