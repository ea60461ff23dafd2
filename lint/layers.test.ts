import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint();

/** The layer rules that fire on `code` as if it were saved at `file` (repository-relative). */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return result!.messages.filter((m) => m.ruleId?.startsWith("octorank/")).map((m) => m.ruleId!);
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
      expect(await layerErrors("lib/x.ts", touch), touch).toEqual(["octorank/server-only"]);
      expect(await layerErrors("lib/x.ts", `import "server-only";\n${touch}`), touch).toEqual([]);
    }
    // Types alone touch nothing, and pure code needs no mark.
    expect(
      await layerErrors("lib/x.ts", 'import type { RunRow } from "@/lib/runs/schemas";\nexport type X = RunRow;\n'),
    ).toEqual([]);
    expect(await layerErrors("lib/x.ts", 'import { z } from "zod";\nexport const x = z;\n')).toEqual([]);
  });
});
