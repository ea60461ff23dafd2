import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freshDbPerTest } from "@/lib/test-fixtures";
import {
  BACKGROUND_NICENESS,
  isBackgroundJobRunning,
  MAX_BACKGROUND_JOBS,
  spawnBackground,
  startBackgroundJob,
} from "@/lib/process";

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

const fresh = freshDbPerTest();

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

  it("run as background jobs from one pool: past MAX_BACKGROUND_JOBS, a job for another key waits its turn", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-pool-"));
    const release = path.join(dir, "release");
    const script = path.join(dir, "wait-worker.ts");
    fs.writeFileSync(
      script,
      `import fs from "node:fs";\nconst t = setInterval(() => { if (fs.existsSync(${JSON.stringify(release)})) clearInterval(t); }, 50);\n`,
    );
    const store = fresh.store;
    const start = (key: string) => startBackgroundJob(store, key, script, [], { minIntervalMs: 0, what: "a test job" });
    const running = (key: string) => isBackgroundJobRunning(store, key);
    const keys = Array.from({ length: MAX_BACKGROUND_JOBS }, (_, i) => `pool-test-${i}`);
    try {
      expect(await Promise.all(keys.map(start))).toEqual(keys.map(() => true));
      expect(await start(keys[0]!)).toBe(false);
      expect(await start("pool-test-one-more")).toBe(false);
      expect(await running("pool-test-one-more")).toBe(false);
    } finally {
      fs.writeFileSync(release, "");
      await expect
        .poll(async () => (await Promise.all(keys.map(running))).some(Boolean), { timeout: 60_000 })
        .toBe(false);
    }
    expect(await start("pool-test-one-more")).toBe(true);
    await expect.poll(() => running("pool-test-one-more"), { timeout: 60_000 }).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
