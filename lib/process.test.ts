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
    // Nothing else in lib/ or app/ spawns: eslint.config.mjs keeps child_process to lib/process.ts.
    const sources = ["lib", "app"].flatMap((d) => sourceFiles(path.join(process.cwd(), d)));
    const workerScripts = fs.readdirSync(path.join(process.cwd(), "scripts")).filter((f) => f.endsWith("-worker.ts"));
    expect(workerScripts.length).toBeGreaterThan(0);
    for (const script of workerScripts) {
      const naming = sources.filter((file) => fs.readFileSync(file, "utf8").includes(`"${script}"`));
      expect(naming, `a source that starts scripts/${script}`).not.toEqual([]);
      for (const file of naming) {
        const text = fs.readFileSync(file, "utf8");
        expect(
          new RegExp(`(spawnBackground|startBackgroundJob)\\([^;]*${script.replace(".", "\\.")}`, "s").test(text),
          `${path.relative(process.cwd(), file)} starts ${script} through spawnBackground or startBackgroundJob`,
        ).toBe(true);
      }
    }
  });
});
