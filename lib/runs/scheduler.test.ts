import { describe, expect, it } from "vitest";
import { lastErrorLine } from "@/lib/runs/scheduler";

describe("run scheduler helpers", () => {
  it("keeps the line of a dead worker's stderr that says what went wrong", () => {
    const crash = [
      "/work/main/lib/run-training.ts:12",
      "    throw new Error(...)",
      "    ^",
      "",
      "SqliteError: database disk image is malformed",
      "    at Database.prepare (/work/main/node_modules/better-sqlite3/lib/methods/wrappers.js:5:21)",
      "    at main (/work/main/scripts/run-worker.ts:20:7)",
      "",
      "Node.js v20.19.2",
      "",
    ].join("\n");
    expect(lastErrorLine(crash)).toBe("SqliteError: database disk image is malformed");
    expect(lastErrorLine("")).toBeNull();
    expect(lastErrorLine("Out of memory\n")).toBe("Out of memory");
  });
});
