import { describe, expect, it } from "vitest";
import { freshDbPerTest, writeJsonl, collect } from "@/lib/test-fixtures";
import { exportLines, exportOptionsSchema } from "./export";
import { getDataset } from "./queries";
import { importJsonlFile, type ImportResult } from "./import";
import { rankingFromPairs } from "./preference-files";

const temp = freshDbPerTest();

async function importAs(
  format: "trl" | "ratings",
  lines: (object | string)[],
  extra: object = {},
): Promise<ImportResult> {
  return importJsonlFile(temp.store, writeJsonl(temp.dir, lines), { slug: "prefs", format, ...extra });
}

/** Each stored prompt's annotations as external-id rankings, by prompt external id. */
async function stored(): Promise<
  Record<string, { prompt: string; messages: unknown; responses: string[]; rankings: Record<string, string[][]> }>
> {
  const { side } = temp;
  const datasetId = (await side.rows("datasets")).find((d) => d.slug === "prefs")?.id;
  const [prompts, responses, annotations, users] = [
    await side.rows("prompts"),
    await side.rows("responses"),
    await side.rows("annotations"),
    await side.rows("users"),
  ];
  const nameOf = new Map(users.map((u) => [u.id, u.name]));
  const out: Awaited<ReturnType<typeof stored>> = {};
  for (const p of prompts.filter((p) => p.datasetId === datasetId)) {
    const own = responses.filter((r) => r.promptId === p.id).sort((a, b) => a.position - b.position);
    const textOf = new Map(own.map((r) => [r.id, r.text]));
    out[p.externalId] = {
      prompt: p.text,
      messages: p.messages,
      responses: own.map((r) => r.text),
      rankings: Object.fromEntries(
        annotations
          .filter((a) => a.promptId === p.id)
          .map((a) => [nameOf.get(a.annotatorId)!, a.ranking.map((g) => g.map((id) => textOf.get(id)!))]),
      ),
    };
  }
  return out;
}

const metadataOf = async (match: (prompt: { externalId: string; text: string }) => boolean) =>
  (await temp.side.rows("prompts")).find(match)!.metadata;

const user = (content: string) => ({ role: "user", content });
const assistant = (content: string) => ({ role: "assistant", content });

describe("TRL preference rows", () => {
  it("refuses prompts with another answer count than the dataset's, each with its first line", async () => {
    const result = await importAs(
      "trl",
      [
        // conversational, explicit prompt: 3 rows of one prompt order its 3 answers
        { prompt: [user("Name the closest planet")], chosen: [assistant("Mercury")], rejected: [assistant("Venus")] },
        { prompt: [user("Name the closest planet")], chosen: [assistant("Venus")], rejected: [assistant("Mars")] },
        { prompt: [user("Name the closest planet")], chosen: [assistant("Mercury")], rejected: [assistant("Mars")] },
        // standard, explicit prompt, no final punctuation
        { id: "sky", prompt: "The sky is", chosen: " blue.", rejected: " green.", annotator: "ann" },
        { id: "sky", prompt: "The sky is", chosen: " blue.", rejected: " red.", annotator: "ann" },
        { id: "sky", prompt: "The sky is", chosen: " green.", rejected: " red.", annotator: "ann" },
        // conversational, implicit prompt (with a system turn)
        {
          chosen: [{ role: "system", content: "Be brief." }, user("2 + 2?"), assistant("4")],
          rejected: [{ role: "system", content: "Be brief." }, user("2 + 2?"), assistant("5")],
        },
        // standard, implicit prompt in the Human/Assistant style
        { chosen: "\n\nHuman: Hi\n\nAssistant: Hello! How can I help?", rejected: "\n\nHuman: Hi\n\nAssistant: What." },
      ],
      { create: undefined },
    );
    // Prompts with 2 and 3 answers cannot share a dataset: refused with their line.
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.errors).toEqual([
      { line: 7, field: "responses", reason: expect.stringMatching(/Expected 3 responses .* got 2/) },
      { line: 8, field: "responses", reason: expect.stringMatching(/Expected 3 responses .* got 2/) },
    ]);
  });

  it("imports each shape and keeps its prompt and answers apart", async () => {
    const planet = [
      { prompt: [user("Name the closest planet")], chosen: [assistant("Mercury")], rejected: [assistant("Venus")] },
      { prompt: [user("Name the closest planet")], chosen: [assistant("Venus")], rejected: [assistant("Mars")] },
    ];
    const sky = [
      { id: "sky", prompt: "The sky is", chosen: " blue.", rejected: " green.", annotator: "ann", source: "x" },
      { id: "sky", prompt: "The sky is", chosen: " green.", rejected: " red.", annotator: "ann", source: "x" },
    ];
    const chat = [
      {
        chosen: [{ role: "system", content: "Be brief." }, user("2 + 2?"), assistant("4")],
        rejected: [{ role: "system", content: "Be brief." }, user("2 + 2?"), assistant("5")],
      },
      {
        chosen: [{ role: "system", content: "Be brief." }, user("2 + 2?"), assistant("5")],
        rejected: [{ role: "system", content: "Be brief." }, user("2 + 2?"), assistant("22")],
      },
    ];
    const hh = [
      { chosen: "\n\nHuman: Hi\n\nAssistant: Hello! How can I help?", rejected: "\n\nHuman: Hi\n\nAssistant: What." },
      { chosen: "\n\nHuman: Hi\n\nAssistant: What.", rejected: "\n\nHuman: Hi\n\nAssistant: Go away." },
    ];
    const result = await importAs("trl", [...planet, ...sky, ...chat, ...hh], { annotator: "lab" });
    expect(result).toMatchObject({ ok: true, lines: 8, promptsCreated: 4, annotationsCreated: 4 });
    const prompts = Object.values(await stored());
    const find = (text: string) => prompts.find((p) => p.prompt.includes(text))!;
    expect(find("closest planet")).toMatchObject({
      prompt: "Name the closest planet",
      messages: null,
      rankings: { lab: [["Mercury"], ["Venus"], ["Mars"]] },
    });
    expect((await stored()).sky).toMatchObject({
      prompt: "The sky is",
      rankings: { ann: [[" blue."], [" green."], [" red."]] },
    });
    expect(find("2 + 2?")).toMatchObject({
      messages: [{ role: "system", content: "Be brief." }, user("2 + 2?")],
      rankings: { lab: [["4"], ["5"], ["22"]] },
    });
    expect(find("Hi")).toMatchObject({
      messages: null,
      prompt: "Hi",
      rankings: { lab: [["Hello! How can I help?"], ["What."], ["Go away."]] },
    });
    expect(await metadataOf((p) => p.externalId === "sky")).toEqual({ source: "x" });
  });

  it("re-imports its own pairs export as the same rankings", async () => {
    const lines = [0, 1, 2].map((i) => ({
      id: `q${i}`,
      prompt: i === 2 ? [{ role: "system", content: "Terse." }, user(`Question ${i}`)] : `Question ${i}`,
      responses: ["a", "b", "c", "d"].map((r) => ({ id: r, text: `answer ${r} to ${i}` })),
      annotations: [{ annotator: "ann-1", ranking: [["c"], ["a"], ["d"], ["b"]] }],
    }));
    expect((await importJsonlFile(temp.store, writeJsonl(temp.dir, lines), { slug: "source" })).ok).toBe(true);
    const { id } = (await getDataset(temp.store, "source"))!;
    const pairs = await collect(exportLines(temp.store, id, exportOptionsSchema.parse({ format: "pairs" })));
    expect(await importAs("trl", pairs)).toMatchObject({ ok: true, promptsCreated: 3, annotationsCreated: 3 });
    for (const i of [0, 1, 2]) {
      const prompt = Object.values(await stored()).find((p) => p.prompt.includes(`Question ${i}`))!;
      expect(prompt.rankings["ann-1"]).toEqual([["c"], ["a"], ["d"], ["b"]].map((g) => [`answer ${g[0]} to ${i}`]));
    }
  });

  it("refuses what does not map, each with its line, and imports nothing", async () => {
    const result = await importAs("trl", [
      "{not json",
      { prompt: "Q1", chosen: "a", rejected: "a" },
      { chosen: "just text", rejected: "more text" },
      { prompt: [user("Q2")], chosen: [assistant("x"), assistant("y")], rejected: [assistant("z")] },
      { chosen: [user("A"), assistant("1")], rejected: [user("B"), assistant("2")] },
      // Q3: x > y and y > x
      { prompt: "Q3", chosen: "x", rejected: "y" },
      { prompt: "Q3", chosen: "y", rejected: "x" },
      // Q4: x > y and z > w never meet
      { prompt: "Q4", chosen: "x", rejected: "y" },
      { prompt: "Q4", chosen: "z", rejected: "w" },
      { prompt: "Q5", chosen: "p", rejected: "q" },
    ]);
    expect(result.ok).toBe(false);
    const errors = !result.ok ? result.errors.map((e) => `${e.line} ${e.field}`) : [];
    expect(errors).toEqual(["1 (line)", "2 rejected", "3 prompt", "4 chosen", "5 rejected", "6 chosen", "8 chosen"]);
    const reasons = !result.ok ? result.errors.map((e) => e.reason).join("\n") : "";
    expect(reasons).toMatch(/both ways/);
    expect(reasons).toMatch(/never ordered/);
    expect(await temp.side.rows("prompts")).toEqual([]);
  });
});

describe("rated completions (UltraFeedback style)", () => {
  const completions = (ratings: (number | null)[]) =>
    ratings.map((r, i) => ({ model: `m${i}`, response: `completion ${i}`, overall_score: r, critique: "…" }));

  it("ranks by rating, equal ratings tied, and names the fields it did not keep", async () => {
    const result = await importAs("ratings", [
      { source: "evol", instruction: "Explain tides", completions: completions([7, 9, 7, 3]) },
      { prompt: [user("Hi"), assistant("Hello"), user("Tell a joke")], completions: completions([1, 2, 3, 4]) },
    ]);
    expect(result).toMatchObject({
      ok: true,
      promptsCreated: 2,
      ignoredFields: ["completions.critique", "completions.model"],
    });
    const prompts = Object.values(await stored());
    expect(prompts.find((p) => p.prompt === "Explain tides")!.rankings).toEqual({
      "ratings-file": [["completion 1"], ["completion 0", "completion 2"], ["completion 3"]],
    });
    expect(prompts.find((p) => p.messages !== null)!.rankings["ratings-file"]![0]).toEqual(["completion 3"]);
    expect(await metadataOf((p) => p.text === "Explain tides")).toEqual({ source: "evol" });
  });

  it("reads the rating field it is told to, and refuses a completion without a rating", async () => {
    const told = await importAs(
      "ratings",
      [{ instruction: "Q", completions: completions([1, 2]).map((c, i) => ({ ...c, "fine-grained_score": 5 - i })) }],
      { ratingKey: "fine-grained_score" },
    );
    expect(told).toMatchObject({ ok: true });
    expect(Object.values(await stored())[0]!.rankings["ratings-file"]).toEqual([["completion 0"], ["completion 1"]]);

    const missing = await importAs("ratings", [
      { instruction: "R", completions: completions([1, null]) },
      { instruction: "S", completions: [{ rating: 1 }, { response: "x", rating: 2 }] },
      { instruction: "T", prompt: "T", completions: completions([1, 2]) },
    ]);
    expect(!missing.ok && missing.errors.map((e) => `${e.line} ${e.field}`)).toEqual([
      "1 completions.1.overall_score",
      "2 completions.0",
      "3 prompt",
    ]);
  });
});

describe("rankingFromPairs", () => {
  const pair = (chosen: number, rejected: number, line = 1) => ({ chosen, rejected, line });
  it("orders by the transitive closure and refuses cycles and undecided pairs", () => {
    expect(rankingFromPairs(3, [pair(2, 0), pair(0, 1)])).toEqual({ groups: [[2], [0], [1]] });
    expect(rankingFromPairs(3, [pair(0, 1), pair(1, 2), pair(2, 0, 3)])).toMatchObject({
      reason: expect.stringMatching(/both ways/),
    });
    expect(rankingFromPairs(4, [pair(0, 1), pair(2, 3, 2)])).toMatchObject({
      reason: expect.stringMatching(/never ordered/),
    });
  });
});
