import fs from "node:fs";
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
