import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "@/db";

let dir: string;
let db: Db;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-triggers-"));
  db = openDatabase(path.join(dir, "test.db"));
});
afterEach(() => {
  db.$client.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("dataset_annotators", () => {
  it("takes a deleted prompt's annotations out of its annotators' counts (the cascade alone cannot find the dataset)", () => {
    const sqlite = db.$client;
    sqlite.exec(`
      insert into users (email, name) values ('a@test.local', 'a'), ('b@test.local', 'b');
      insert into datasets (slug, name) values ('d', 'd');
      insert into prompts (dataset_id, external_id, text) values (1, 'p1', 'one'), (1, 'p2', 'two');
      insert into annotations (prompt_id, annotator_id, ranking) values (1, 1, '[]'), (1, 2, '[]'), (2, 1, '[]');`);
    const counts = () =>
      sqlite.prepare("select annotator_id as annotator, annotations from dataset_annotators order by 1").all();
    expect(counts()).toEqual([
      { annotator: 1, annotations: 2 },
      { annotator: 2, annotations: 1 },
    ]);
    sqlite.exec("delete from prompts where id = 1");
    expect(counts()).toEqual([
      { annotator: 1, annotations: 1 },
      { annotator: 2, annotations: 0 },
    ]);
    // Deleting the annotation itself (the prompt staying) still counts once.
    sqlite.exec("delete from annotations where prompt_id = 2");
    expect(counts()).toEqual([
      { annotator: 1, annotations: 0 },
      { annotator: 2, annotations: 0 },
    ]);
  });
});
