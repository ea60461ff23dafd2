import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { impliedUtility } from "./implied-utility";
import { mulberry32 } from "../rng";
import { optimalRewards } from "./theory";

const EPS = 0.1;
const optimum = (gamma: number, n = 8) => optimalRewards({ utility: "boxcox", gamma, n, eps: EPS });
const inside = (ci: [number, number] | null, x: number) => ci !== null && ci[0] - 1e-9 <= x && x <= ci[1] + 1e-9;

describe("implied utility on exact optima", () => {
  it("recovers gamma from profiles that are the optimum, up to the flat region near linear", () => {
    for (const gamma of [-1, -0.5, 0, 0.5]) {
      const r = impliedUtility(
        [
          { id: "a", rewards: optimum(gamma) },
          { id: "b", rewards: optimum(gamma) },
        ],
        { eps: EPS },
      );
      expect(Math.abs(r.gamma! - gamma)).toBeLessThan(0.05);
      expect(inside(r.gammaCi, gamma)).toBe(true);
    }
    // At n = 8, eps 0.1, every gamma near 1 gives the same two-point profile: the interval says so.
    const linear = impliedUtility([{ id: "a", rewards: optimum(1) }], { eps: EPS }).perPrompt[0]!;
    expect(inside(linear.gammaCi, 1)).toBe(true);
    expect(linear.gammaCi![0]).toBeLessThan(0.95);
  });

  it("is scale-free: an affine transform of the rewards changes nothing", () => {
    const a = impliedUtility([{ id: "a", rewards: optimum(0) }], { eps: EPS }).perPrompt[0]!;
    const b = impliedUtility([{ id: "a", rewards: optimum(0).map((x) => 3 * x - 7) }], { eps: EPS }).perPrompt[0]!;
    expect(b.gamma).toBeCloseTo(a.gamma!, 6);
  });

  it("flat rewards and single responses say nothing: no gamma, not identifiable", () => {
    const r = impliedUtility(
      [
        { id: "flat", rewards: [0.5, 0.5, 0.5, 0.5] },
        { id: "one", rewards: [0.3] },
      ],
      { eps: EPS },
    );
    expect(r.gamma).toBeNull();
    expect(r.identifiable).toBe(false);
    expect(r.reason).toMatch(/no prompt has a shape/i);
  });

  it("random rewards are not identifiable", () => {
    const rng = mulberry32(4);
    const prompts = Array.from({ length: 40 }, (_, i) => ({ id: String(i), rewards: Array.from({ length: 8 }, rng) }));
    const r = impliedUtility(prompts, { eps: EPS });
    const wide = r.perPrompt.filter((p) => !p.identifiable).length;
    expect(wide).toBeGreaterThan(prompts.length / 4);
    expect(r.fitRmse!).toBeGreaterThan(0.05);
  });

  it("two tie groups make every utility look alike", () => {
    const r = impliedUtility([{ id: "a", rewards: [1, 1, 1, 1, 0, 0, 0, 0], groups: [4, 4] }], { eps: EPS });
    expect(r.perPrompt[0]!.identifiable).toBe(false);
  });
});

describe("implied utility without being told eps", () => {
  const at = (gamma: number, eps: number, n = 8) => optimalRewards({ utility: "boxcox", gamma, n, eps });
  const noisy = (xs: number[], rng: () => number, sd: number) => xs.map((x) => x + sd * (rng() - 0.5));

  it("recovers gamma from optima at eps 0, 0.03 and 0.1 alike, and names the eps", () => {
    for (const [gamma, eps] of [
      [0, 0],
      [-0.5, 0.03],
      [0.5, 0.1],
      [-2, 0.1],
    ] as const) {
      const r = impliedUtility(
        [4, 8, 12].map((n) => ({ id: String(n), rewards: at(gamma, eps, n) })),
        {},
      );
      expect(Math.abs(r.gamma! - gamma), JSON.stringify({ ...r, perPrompt: undefined })).toBeLessThan(0.06);
      expect(inside(r.gammaCi, gamma)).toBe(true);
      expect(r.epsPlausible).toContain(eps);
      // gamma -2's interval, the union over plausible eps, may reach -3: that is the edge flag's job
      if (gamma > -1) expect(r.edge).toBeNull();
      expect(r.inFamily).toBe(true);
    }
  });

  it("reading a model trained at eps 0 at the wrong eps (0.1) biases gamma; fitting eps does not", () => {
    const prompts = [4, 8, 12].map((n) => ({ id: String(n), rewards: at(0, 0, n) }));
    const wrong = impliedUtility(prompts, { eps: 0.1 });
    const joint = impliedUtility(prompts);
    expect(Math.abs(wrong.gamma!)).toBeGreaterThan(0.2);
    expect(Math.abs(joint.gamma!)).toBeLessThan(0.06);
    expect(joint.eps).toBe(0);
  });

  it("flags a solution at the edge of the range instead of printing the edge as the answer", () => {
    // at a known eps (with eps free, gamma -4 at 0.1 trades for an interior gamma at another eps)
    const low = impliedUtility(
      [
        { id: "a", rewards: at(-4, 0.1) },
        { id: "b", rewards: at(-4, 0.1, 12) },
      ],
      { eps: 0.1 },
    );
    expect(low.edge).toBe("lower");
    expect(low.reason).toMatch(/lower edge/);
    const high = impliedUtility([
      { id: "a", rewards: [1, 1, 1, 1, 0, 0, 0, 0] },
      { id: "b", rewards: [1, 1, 0, 0] },
    ]);
    expect(high.edge).toBe("upper");
    expect(high.reason).toMatch(/every gamma >= 1/);
  });

  it("flags a utility outside the Box-Cox family (logsigmoid) as a poor fit, and not noisy Box-Cox profiles", () => {
    const rng = mulberry32(9);
    const logsigmoid = (n: number, sd: number) =>
      Array.from({ length: 60 }, (_, i) => ({
        id: String(i),
        rewards: noisy(optimalRewards({ utility: "logsigmoid", n, eps: 0 }), rng, sd),
      }));
    // at the eps the run names, noisy logsigmoid profiles are flagged
    const known = impliedUtility(logsigmoid(8, 0.02), { eps: 0.1, bootstrap: 50 });
    expect(known.inFamily, known.reason).toBe(false);
    expect(known.reason).toMatch(/Not in the Box-Cox family/);
    // with eps free, n = 16 still shows it; at n = 8 its optimum is within RMS 0.01 of gamma ~ -0.95 at eps 0.3
    expect(impliedUtility(logsigmoid(16, 0), { bootstrap: 50 }).inFamily).toBe(false);
    const n8 = impliedUtility(logsigmoid(8, 0), { bootstrap: 50 });
    expect(n8.inFamily).toBe(true);
    expect(n8.familyRmse!).toBeLessThan(0.01);
    const boxcox = Array.from({ length: 60 }, (_, i) => ({ id: String(i), rewards: noisy(at(-0.3, 0.1), rng, 0.02) }));
    const b = impliedUtility(boxcox, { bootstrap: 50 });
    expect(b.inFamily, b.reason).toBe(true);
    expect(Math.abs(b.gamma! + 0.3)).toBeLessThan(0.2);
  });
});

describe("infer-utility on repro runs", () => {
  it("recovers log -> 0, inverse -> -1, linear -> 1 (within 0.25, or flagged with the truth inside the interval)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-infer-"));
    const cli = (args: string[]) =>
      execFileSync(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
    try {
      cli([
        "repro",
        "--prompts",
        "256",
        "--test-prompts",
        "32",
        "--steps",
        "600",
        "--dim",
        "1024",
        "--hidden",
        "32",
        "--utilities",
        "log,inverse,linear",
        "--out",
        dir,
      ]);
      for (const [utility, truth] of [
        ["log", 0],
        ["inverse", -1],
        ["linear", 1],
      ] as const) {
        const out = JSON.parse(
          cli(["infer-utility", path.join(dir, "rewards.jsonl"), "--utility", utility, "--eps", "0.1", "--json"]),
        ) as { gamma: number; gamma_ci: [number, number]; identifiable: boolean; per_prompt: unknown[] };
        expect(out.per_prompt.length).toBe(256);
        const recovered = out.identifiable ? Math.abs(out.gamma - truth) <= 0.25 : inside(out.gamma_ci, truth);
        expect(recovered, `${utility}: ${JSON.stringify({ ...out, per_prompt: undefined })}`).toBe(true);
        // An identifiable answer must also hold the truth near its interval.
        if (out.identifiable) expect(Math.abs(out.gamma - truth)).toBeLessThanOrEqual(0.25);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
