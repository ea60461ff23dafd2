import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";

describe("DATABASE_URL", () => {
  it("is unset by default: the server keeps its data in the SQLite file", () => {
    expect(parseEnv({}).DATABASE_URL).toBeUndefined();
  });

  it("takes a postgres:// or postgresql:// URL", () => {
    for (const url of [
      "postgres://octorank:secret@db.lab.example:5432/octorank",
      "postgresql://127.0.0.1/octorank?sslmode=require",
      "postgres:///octorank?host=/var/run/postgresql",
    ])
      expect(parseEnv({ DATABASE_URL: url }).DATABASE_URL).toBe(url);
  });

  it("refuses anything else, naming the variable", () => {
    for (const url of ["", "octorank.db", "mysql://db/octorank", "postgres:octorank", "postgres://db:99999/octorank"])
      expect(() => parseEnv({ DATABASE_URL: url }), url).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
  });
});
