import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint();

/** The layer rules (or only `rule`) that fire on `code` as if it were saved at `file` (repository-relative). */
async function layerErrors(file: string, code: string, rule = "octorank/"): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result!.messages.filter((m) => m.ruleId?.startsWith(rule)).map((m) => m.ruleId!);
}

describe("the layers, as lint rules", () => {
  it("ml/ imports nothing of ours and only its packages", async () => {
    expect(
      await layerErrors("ml/training/x.ts", 'import { getDb } from "@/lib/db";\nexport const x = getDb;\n'),
    ).toEqual(["octorank/only-imports"]);
    expect(await layerErrors("ml/x.ts", 'import { env } from "../lib/env";\nexport const x = env;\n')).toEqual([
      "octorank/only-imports",
    ]);
    expect(await layerErrors("ml/x.ts", 'import React from "react";\nexport const x = React;\n')).toEqual([
      "octorank/only-imports",
    ]);
    expect(
      await layerErrors(
        "ml/training/x.ts",
        'import * as tf from "@tensorflow/tfjs";\nimport { rng } from "../rng";\nexport const x = [tf, rng];\n',
      ),
    ).toEqual([]);
  });

  it("app/ and components/ never import db/, even for a type", async () => {
    expect(await layerErrors("components/x.tsx", 'import type { Db } from "@/db";\nexport type X = Db;\n')).toEqual([
      "octorank/no-imports-from",
    ]);
    expect(
      await layerErrors(
        "app/api/x/route.ts",
        'import { writeWhenUnlocked } from "../../../db";\nexport const x = writeWhenUnlocked;\n',
      ),
    ).toEqual(["octorank/no-imports-from"]);
    expect(await layerErrors("app/x/page.tsx", 'import { getDb } from "@/lib/db";\nexport const x = getDb;\n')).toEqual(
      [],
    );
  });

  it('a lib module that touches the database, files or processes says import "server-only"', async () => {
    for (const touch of [
      'import { getDb } from "@/lib/db";\nexport const x = getDb;\n',
      'import type { Db } from "@/db";\nexport type X = Db;\n',
      'import fs from "node:fs";\nexport const x = fs;\n',
      'import { spawn } from "child_process";\nexport const x = spawn;\n',
      'import { eq } from "drizzle-orm";\nexport const x = eq;\n',
    ]) {
      expect(await layerErrors("lib/x.ts", touch, "octorank/server-only"), touch).toEqual(["octorank/server-only"]);
      expect(await layerErrors("lib/x.ts", `import "server-only";\n${touch}`, "octorank/server-only"), touch).toEqual(
        [],
      );
    }
    // Types alone touch nothing, and pure code needs no mark.
    expect(
      await layerErrors("lib/x.ts", 'import type { RunRow } from "@/lib/runs/schemas";\nexport type X = RunRow;\n'),
    ).toEqual([]);
    expect(await layerErrors("lib/x.ts", 'import { z } from "zod";\nexport const x = z;\n')).toEqual([]);
  });

  it("lib/ prepares no SQL: no query builder, driver, handle or raw statement, only a Store", async () => {
    for (const sqlCode of [
      'import "server-only";\nimport { eq } from "drizzle-orm";\nexport const x = eq;\n',
      'import "server-only";\nimport Database from "better-sqlite3";\nexport const x = Database;\n',
      'import "server-only";\nimport { schema } from "@/db";\nexport const x = schema;\n',
      'import "server-only";\nimport type { Db } from "@/db";\nexport type X = Db;\n',
      'import "server-only";\nimport { writeAnnotation } from "@/db/store/writer";\nexport const x = writeAnnotation;\n',
      "export const count = (db: { $client: { prepare(s: string): unknown } }) => db.$client.prepare('select 1');\n",
      "declare function sql(s: TemplateStringsArray): unknown;\nexport const q = sql`select 1`;\n",
    ]) {
      expect(await layerErrors("lib/annotations/x.ts", sqlCode), sqlCode).toContain("octorank/no-sql");
    }
    // Store types and calls are lib's way to the database.
    expect(
      await layerErrors(
        "lib/annotations/x.ts",
        'import "server-only";\nimport { isLockTimeout, type Store } from "@/db/store";\nimport type { SkippedRow } from "@/db/store/queue";\n' +
          "export const f = (store: Store): Promise<SkippedRow[]> => store.queue.skipped(1, 0);\nexport const g = isLockTimeout;\n",
      ),
    ).toEqual([]);
    // Tests build their fixtures with SQL.
    expect(
      await layerErrors("lib/annotations/x.test.ts", 'import { eq } from "drizzle-orm";\nexport const x = eq;\n'),
    ).toEqual([]);
  });
});
