import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BACKGROUND_NICENESS, spawnBackground } from "@/lib/process";

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

describe("background workers", () => {
  it("run at the lowest priority, so that requests preempt them", async () => {
    const child = spawnBackground(process.execPath, ["-e", "setTimeout(() => {}, 10_000)"], { stdio: "ignore" });
    try {
      expect(child.pid).toBeTypeOf("number");
      expect(os.getPriority(child.pid!)).toBe(BACKGROUND_NICENESS);
      expect(os.getPriority(process.pid)).toBeLessThan(BACKGROUND_NICENESS);
    } finally {
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });

  it("are all started through spawnBackground (training, import, openness fits, reward scoring)", () => {
    const roots = ["lib", "app"].map((d) => path.join(process.cwd(), d));
    const spawning = roots.flatMap(sourceFiles).filter((file) => /\bspawn\(/.test(fs.readFileSync(file, "utf8")));
    expect(spawning.map((f) => path.relative(process.cwd(), f))).toEqual([path.join("lib", "process.ts")]);
    // Every worker script is started through spawnBackground, directly or as a background job.
    const workers = roots
      .flatMap(sourceFiles)
      .filter((file) => /(spawnBackground|startBackgroundJob)\([^;]*-worker\.ts/s.test(fs.readFileSync(file, "utf8")))
      .map((f) => path.relative(process.cwd(), f))
      .sort();
    expect(workers).toEqual([
      "lib/annotations/queue-priority.ts",
      "lib/datasets/import-process.ts",
      "lib/openness/estimates.ts",
      "lib/runs/scheduler.ts",
    ]);
    const mentions = roots
      .flatMap(sourceFiles)
      .filter((file) => /"[a-z-]+-worker\.ts"/.test(fs.readFileSync(file, "utf8")))
      .map((f) => path.relative(process.cwd(), f))
      .sort();
    expect(mentions).toEqual(workers);
  });
});
