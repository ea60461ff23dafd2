import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { freshDbPerTest, writeJsonl, type TableName } from "@/lib/test-fixtures";
import { derivedPromptId } from "./import-format";
import { MAX_STORED_TEXT_CHARS } from "@/lib/markdown-budget";
import { importJsonlFile, MAX_REPORTED_ERRORS, saveUpload, removeUpload, ImportTooLargeError } from "./import";

const temp = freshDbPerTest();

const writeLines = (lines: (object | string)[]) => writeJsonl(temp.dir, lines);

const responses = (prefix: string) =>
  Array.from({ length: 4 }, (_, i) => ({ id: `${prefix}${i}`, text: `answer ${prefix}${i}` }));

async function counts() {
  const c = async (table: TableName) => (await temp.side.rows(table)).length;
  return {
    datasets: await c("datasets"),
    prompts: await c("prompts"),
    responses: await c("responses"),
    annotations: await c("annotations"),
    users: await c("users"),
    revisions: await c("annotationRevisions"),
  };
}

const promptBy = async (externalId: string) =>
  (await temp.side.rows("prompts")).find((p) => p.externalId === externalId)!;

const goodLines = [
  {
    id: "q1",
    prompt: "What is 17 * 3?",
    responses: responses("a"),
    openness: 0,
    metadata: { source: "test" },
    annotations: [
      {
        annotator: "alice",
        ranking: [["a0"], ["a1", "a2"], ["a3"]],
        openness: 0,
        created_at: "2024-01-02T03:04:05.000Z",
      },
      { annotator: "bob", ranking: [[3], [2], [1], [0]], openness: 0.25 },
    ],
  },
  { prompt: "Write a haiku about rain.", responses: ["one", "two", "three", "four"] },
];

describe("importJsonlFile", () => {
  it("creates the dataset, prompts, responses, external annotators and their rankings", async () => {
    const result = await importJsonlFile(temp.store, writeLines(goodLines), {
      slug: "fresh",
      create: { name: "Fresh data", guidelines: "Rank well.", annotationsPerPrompt: 2 },
    });
    expect(result).toMatchObject({
      ok: true,
      dataset: { slug: "fresh", created: true },
      promptsCreated: 2,
      annotationsCreated: 2,
      annotatorsCreated: 2,
    });
    expect((await temp.side.rows("datasets")).find((d) => d.slug === "fresh")).toMatchObject({
      name: "Fresh data",
      guidelines: "Rank well.",
      responsesPerPrompt: 4,
      annotationsPerPrompt: 2,
    });
    const users = await temp.side.rows("users");
    const alice = users.find((u) => u.name === "alice");
    expect(alice).toMatchObject({ external: true, passwordHash: null, email: "alice@external.invalid" });
    const ids = (await temp.side.rows("responses"))
      .filter((r) => r.externalId.startsWith("a"))
      .sort((a, b) => a.position - b.position);
    const bob = users.find((u) => u.name === "bob")!;
    const bobRanking = (await temp.side.rows("annotations")).find((a) => a.annotatorId === bob.id)!.ranking;
    expect(bobRanking).toEqual([[ids[3]!.id], [ids[2]!.id], [ids[1]!.id], [ids[0]!.id]]);
    const haiku = (await temp.side.rows("prompts")).find((p) => p.text.startsWith("Write a haiku"))!;
    expect(haiku.externalId).toBe(derivedPromptId("Write a haiku about rain."));
  });

  it("imports the same file twice only once", async () => {
    const file = writeLines(goodLines);
    expect((await importJsonlFile(temp.store, file, { slug: "twice" })).ok).toBe(true);
    const before = await counts();
    const again = await importJsonlFile(temp.store, file, { slug: "twice" });
    expect(again).toMatchObject({
      ok: true,
      promptsCreated: 0,
      promptsUnchanged: 2,
      annotationsCreated: 0,
      annotationsUpdated: 0,
      annotationsUnchanged: 2,
      annotatorsCreated: 0,
    });
    expect(await counts()).toEqual(before);
  });

  it("rejects a file with bad lines whole, reporting each line's field and reason, and changes nothing", async () => {
    await importJsonlFile(temp.store, writeLines(goodLines), { slug: "kept" });
    const before = await counts();
    const file = writeLines([
      { id: "new1", prompt: "Fine line", responses: responses("n") },
      "{not json",
      { id: "bad2", prompt: "", responses: responses("b") },
      { id: "bad3", prompt: "Too few", responses: ["x", "y", "z"] },
      {
        id: "bad4",
        prompt: "Bad ranking",
        responses: responses("c"),
        annotations: [{ annotator: "carol", ranking: [["c0"], ["c0"], ["zz"]] }],
      },
      { id: "bad5", prompt: "Bad openness", responses: responses("d"), openness: 3 },
      { id: "q1", prompt: "A different text for q1", responses: responses("a") },
    ]);
    const result = await importJsonlFile(temp.store, file, { slug: "kept" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byLine = (line: number) => result.errors.filter((e) => e.line === line);
    expect(byLine(1)).toEqual([]);
    expect(byLine(2)[0]).toMatchObject({ field: "(line)", reason: expect.stringContaining("Not valid JSON") });
    expect(byLine(3)[0]).toMatchObject({ field: "prompt" });
    expect(byLine(4)[0]).toMatchObject({ field: "responses", reason: expect.stringContaining("Expected 4 responses") });
    expect(byLine(5).map((e) => e.field)).toEqual(["annotations.0.ranking.1.0", "annotations.0.ranking.2.0"]);
    expect(byLine(6)[0]).toMatchObject({ field: "openness" });
    expect(byLine(7)[0]).toMatchObject({ field: "prompt", reason: expect.stringContaining("different text") });
    expect(await counts()).toEqual(before);
  });

  it("refuses a prompt or response text past the stored-text limit", async () => {
    const long = "x".repeat(MAX_STORED_TEXT_CHARS + 1);
    const result = await importJsonlFile(
      temp.store,
      writeLines([
        { id: "long1", prompt: long, responses: responses("l") },
        { id: "long2", prompt: "Short", responses: [long, "b", "c", "d"] },
        { id: "fits", prompt: "x".repeat(MAX_STORED_TEXT_CHARS), responses: responses("f") },
      ]),
      { slug: "long" },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.line, e.field])).toEqual([
      [1, "prompt"],
      [2, "responses.0"],
    ]);
    expect(result.errors[0]!.reason).toContain("100,000 characters");
    expect((await counts()).prompts).toBe(0);
  });

  it("does not create a dataset when the file is rejected, and caps the reported errors", async () => {
    const bad = Array.from({ length: MAX_REPORTED_ERRORS + 7 }, () => "nope");
    const result = await importJsonlFile(temp.store, writeLines(bad), { slug: "never" });
    expect(result).toMatchObject({ ok: false, moreErrors: 7 });
    if (!result.ok) expect(result.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect((await counts()).datasets).toBe(0);
  });

  it("refuses a second ranking by the same annotator of one prompt in one file", async () => {
    const line = {
      id: "x",
      prompt: "p",
      responses: responses("x"),
      annotations: [{ annotator: "dan", ranking: [[0], [1], [2], [3]] }],
    };
    const result = await importJsonlFile(temp.store, writeLines([line, line]), { slug: "dup" });
    expect(result).toMatchObject({ ok: false, errors: [{ line: 2, field: "annotations.0.annotator" }] });
  });

  it("keeps the previous version as a revision when a re-import changes an annotation", async () => {
    const line = (ranking: number[][]) => ({
      id: "x",
      prompt: "p",
      responses: responses("x"),
      annotations: [{ annotator: "erin", ranking }],
    });
    await importJsonlFile(temp.store, writeLines([line([[0], [1], [2], [3]])]), { slug: "rev" });
    const result = await importJsonlFile(temp.store, writeLines([line([[3], [2], [1], [0]])]), { slug: "rev" });
    expect(result).toMatchObject({ ok: true, annotationsUpdated: 1 });
    expect((await counts()).revisions).toBe(1);
  });
});

describe("saveUpload", () => {
  it("stops with a clear message past the size limit", async () => {
    const body = new Blob([new Uint8Array(2048)]).stream();
    await expect(saveUpload(body, 1024)).rejects.toBeInstanceOf(ImportTooLargeError);
    const saved = await saveUpload(new Blob(["{}\n"]).stream(), 1024);
    expect(fs.readFileSync(saved, "utf8")).toBe("{}\n");
    removeUpload(saved);
    expect(fs.existsSync(saved)).toBe(false);
  });
});

describe("import lines that once gave a 500 or changed on the way in", () => {
  it("refuses a line nested 200,000 deep and a lone surrogate, naming where; keeps a __proto__ metadata key", async () => {
    const deep = `{"prompt":"p","responses":["a","b","c","d"],"metadata":{"x":${"[".repeat(200_000)}${"]".repeat(200_000)}}}`;
    const lone = '{"prompt":"p\\ud800","responses":["a","b","c","d"]}';
    const result = await importJsonlFile(temp.store, writeLines([deep, lone]), { slug: "odd" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      expect.objectContaining({ line: 1, field: "(line)", reason: expect.stringContaining("Nested deeper than") }),
      expect.objectContaining({ line: 2, field: "prompt", reason: expect.stringContaining("lone UTF-16 surrogate") }),
    ]);
    const paired =
      '{"id":"emoji","prompt":"p \\ud83d\\ude00","responses":["a","b","c","d"],"metadata":{"__proto__":{"x":1},"k":2}}';
    const imported = await importJsonlFile(temp.store, writeLines([paired]), { slug: "odd" });
    expect(imported.ok).toBe(true);
    const row = await promptBy("emoji");
    expect(row.text).toBe("p 😀");
    expect(Object.keys(row.metadata!)).toEqual(["__proto__", "k"]);
  });
});

describe("a file's encoding", () => {
  const fileOf = (bytes: Buffer) => {
    const file = `${temp.dir}/raw-${Math.random().toString(36).slice(2)}.jsonl`;
    fs.writeFileSync(file, bytes);
    return file;
  };
  const line = (id: string, prompt: string) => JSON.stringify({ id, prompt, responses: responses(id) });

  it("refuses a file that is not UTF-8, naming the first line that is not, and writes nothing", async () => {
    const before = await counts();
    const latin1 = Buffer.concat([
      Buffer.from(`${line("ok", "plain")}\n`),
      Buffer.from(`${line("cafe", "caf\u00e9")}\n`, "latin1"),
      Buffer.from(`${line("after", "plain again")}\n`),
    ]);
    const result = await importJsonlFile(temp.store, fileOf(latin1), { slug: "latin" });
    expect(result).toMatchObject({
      ok: false,
      errors: [{ line: 2, field: "(line)", reason: expect.stringContaining("not valid UTF-8") }],
    });
    expect(await counts()).toEqual(before);
  });

  it("reads a byte-order mark, CRLF endings and a character split across the reader's 1 MiB chunks", async () => {
    const head = `\uFEFF${line("first", "x")}\r\n{"id":"emoji",`;
    // JSON whitespace (stored text is capped) places the emoji's 4 bytes across the 1 MiB boundary.
    const spaces = " ".repeat((1 << 20) - Buffer.byteLength(`${head}"prompt":"`) - 2);
    const straddling = `${head}${spaces}"prompt":"😀 end","responses":${JSON.stringify(responses("e"))}}\r\n`;
    expect(Buffer.from(straddling).indexOf(Buffer.from("😀"))).toBe((1 << 20) - 2);
    const file = fileOf(Buffer.from(straddling));
    const result = await importJsonlFile(temp.store, file, { slug: "bytes" });
    expect(result).toMatchObject({ ok: true, promptsCreated: 2 });
    expect((await promptBy("emoji")).text).toBe("😀 end");
  });
});
