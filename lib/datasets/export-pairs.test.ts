import fs from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { Store } from "@/db/store";
import { freshDbPerTest, collect } from "@/lib/test-fixtures";
import { promptSplit } from "@/lib/runs/held-out";
import { exportLines, exportOptionsSchema } from "./export";
import { importJsonlFile } from "./import";
import { getDataset } from "./queries";

/**
 * The `pairs` export contract (TRL's conversational preference format with explicit prompt, plus
 * Octorank's columns), which clients/python reads: checked line by line on small imported data.
 */

type Message = { role: string; content: string };
type PairLine = {
  prompt: Message[];
  chosen: Message[];
  rejected: Message[];
  openness: number | null;
  prompt_id: string;
  chosen_id: string;
  rejected_id: string;
  annotator: string;
  split: string;
  margin?: number;
  weight?: number;
};

let store: Store;
let dir: string;
const fresh = freshDbPerTest();

const conversation = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "Hi" },
  { role: "assistant", content: "Hello." },
  { role: "user", content: "What is 2 + 2" },
];
const responses = (prefix: string) => ["a", "b", "c", "d"].map((id) => ({ id, text: `${prefix} answer ${id}` }));

beforeEach(async () => {
  ({ dir, store } = fresh);
  const lines = [
    {
      // No final punctuation: the answer must not run into "planet".
      id: "planet",
      prompt: "Name the closest planet",
      openness: 0,
      responses: responses("planet"),
      annotations: [
        { annotator: "ann-1", ranking: [["a"], ["b"], ["c"], ["d"]] },
        { annotator: "ann-2", ranking: [["a"], ["b"], ["c"], ["d"]] },
        { annotator: "ann-3", ranking: [["b"], ["a"], ["c"], ["d"]] },
      ],
    },
    {
      id: "tied",
      prompt: "Write a haiku about rain.",
      responses: responses("haiku"),
      annotations: [{ annotator: "ann-1", ranking: [["a", "b"], ["c"], ["d"]], openness: 1 }],
    },
    { id: "unranked", prompt: "Nobody ranked this.", responses: responses("none") },
    {
      id: "chat",
      prompt: conversation,
      responses: responses("chat"),
      annotations: [{ annotator: "ann-2", ranking: [["d"], ["c"], ["b"], ["a"]], openness: 0.5 }],
    },
  ];
  const file = path.join(dir, "pairs.jsonl");
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  expect((await importJsonlFile(store, file, { slug: "pairs", create: { name: "Pairs" } })).ok).toBe(true);
});

async function exportAll(query: Record<string, string>): Promise<Record<string, unknown>[]> {
  const { id } = (await getDataset(store, "pairs"))!;
  return (await collect(exportLines(store, id, exportOptionsSchema.parse(query)))).map(
    (l) => JSON.parse(l) as Record<string, unknown>,
  );
}

const pairsOf = async (query: Record<string, string> = {}) =>
  (await exportAll({ format: "pairs", ...query })) as PairLine[];

describe("pairs export", () => {
  it("writes TRL's conversational preference rows: prompt and answer as separate message lists", async () => {
    const lines = await pairsOf();
    // 4 full rankings of 4 give 6 pairs each; the tie a = b removes one of the 6.
    expect(lines).toHaveLength(4 * 6 + 5);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(
        [
          "annotator",
          "chosen",
          "chosen_id",
          "openness",
          "prompt",
          "prompt_id",
          "rejected",
          "rejected_id",
          "split",
        ].sort(),
      );
      expect(line.prompt.at(-1)!.role).toBe("user");
      expect(line.chosen).toEqual([{ role: "assistant", content: expect.any(String) }]);
      expect(line.rejected).toEqual([{ role: "assistant", content: expect.any(String) }]);
      expect(line.chosen_id).not.toBe(line.rejected_id);
    }
    const planet = lines.find((l) => l.prompt_id === "planet" && l.chosen_id === "a" && l.rejected_id === "d")!;
    expect(planet.prompt).toEqual([{ role: "user", content: "Name the closest planet" }]);
    expect(planet.chosen).toEqual([{ role: "assistant", content: "planet answer a" }]);
    expect(planet.rejected).toEqual([{ role: "assistant", content: "planet answer d" }]);
    expect(planet.openness).toBe(0);
    // A conversation is the prompt as it is, system turn first; the answer is the next assistant turn.
    const chat = lines.find((l) => l.prompt_id === "chat" && l.chosen_id === "d" && l.rejected_id === "a")!;
    expect(chat.prompt).toEqual(conversation);
    expect(chat.chosen).toEqual([{ role: "assistant", content: "chat answer d" }]);
    expect(chat.openness).toBe(0.5);
  });

  it("writes a conversation back as its turns in annotations and consensus, and re-imports it as the same prompt", async () => {
    const annotations = await exportAll({ format: "annotations" });
    expect(annotations.find((l) => l.id === "chat")!.prompt).toEqual(conversation);
    expect(annotations.find((l) => l.id === "planet")!.prompt).toBe("Name the closest planet");
    expect((await exportAll({ format: "consensus" })).find((l) => l.prompt_id === "chat")!.prompt).toEqual(
      conversation,
    );
    const file = path.join(dir, "again.jsonl");
    fs.writeFileSync(file, annotations.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const again = await importJsonlFile(store, file, { slug: "pairs" });
    expect(again).toMatchObject({ ok: true, promptsCreated: 0, annotationsCreated: 0 });
    // The stored text is the labelled transcript: what search and the trainer's features read.
    const stored = (await fresh.side.rows("prompts")).find((p) => p.externalId === "chat")!;
    expect(stored.text).toBe("System: You are terse.\n\nUser: Hi\n\nAssistant: Hello.\n\nUser: What is 2 + 2");
    expect(stored.messages).toEqual(conversation);
  });

  it("gives tied responses no pair and orders every pair by the ranking", async () => {
    const tied = (await pairsOf()).filter((l) => l.prompt_id === "tied");
    expect(tied.map((l) => `${l.chosen_id}>${l.rejected_id}`).sort()).toEqual(
      ["a>c", "a>d", "b>c", "b>d", "c>d"].sort(),
    );
    expect(tied.every((l) => l.annotator === "ann-1" && l.openness === 1)).toBe(true);
  });

  it("writes the held-out split runs use, the same in pairs and consensus", async () => {
    const settings = { seed: 1, heldOutShare: 0.2 };
    const consensus = await exportAll({ format: "consensus" });
    for (const line of [...(await pairsOf()), ...consensus])
      expect(line.split).toBe(promptSplit(line.prompt_id as string, settings));
    // Another seed and share move the column the same way.
    for (const line of await pairsOf({ split_seed: "7", held_out_share: "1" })) expect(line.split).toBe("test");
    for (const line of await pairsOf({ held_out_share: "0" })) expect(line.split).toBe("train");
  });

  it("adds the margin: rank distance over responses − 1, ties counting half", async () => {
    const lines = await pairsOf({ margin: "1" });
    const margin = (prompt: string, annotator: string, chosen: string, rejected: string) =>
      lines.find(
        (l) =>
          l.prompt_id === prompt && l.annotator === annotator && l.chosen_id === chosen && l.rejected_id === rejected,
      )!.margin;
    expect(margin("planet", "ann-1", "a", "d")).toBe(1);
    expect(margin("planet", "ann-1", "a", "b")).toBeCloseTo(1 / 3);
    // a and b share midrank 1.5; c is 3rd, d 4th.
    expect(margin("tied", "ann-1", "a", "c")).toBeCloseTo(1.5 / 3);
    expect(margin("tied", "ann-1", "b", "d")).toBeCloseTo(2.5 / 3);
  });

  it("with weight, writes one line per distinct pair: agreeing annotators merge, disagreeing ones stay apart", async () => {
    const plain = await pairsOf();
    const weighted = await pairsOf({ weight: "1", margin: "1" });
    const planet = weighted.filter((l) => l.prompt_id === "planet");
    // 6 orders all three agree on or split over: a>b (2), b>a (1), and 5 more every annotator shares.
    expect(planet).toHaveLength(7);
    const ab = planet.find((l) => l.chosen_id === "a" && l.rejected_id === "b")!;
    const ba = planet.find((l) => l.chosen_id === "b" && l.rejected_id === "a")!;
    expect(ab).toMatchObject({ weight: 2, annotator: "ann-1, ann-2" });
    expect(ba).toMatchObject({ weight: 1, annotator: "ann-3" });
    const ad = planet.find((l) => l.chosen_id === "a" && l.rejected_id === "d")!;
    expect(ad.weight).toBe(3);
    // ann-3 put a second: its a > d margin is 2/3, the others' 1.
    expect(ad.margin).toBeCloseTo((1 + 1 + 2 / 3) / 3);
    // Nothing is lost: the weights add up to the plain export's line count.
    expect(weighted.reduce((sum, l) => sum + l.weight!, 0)).toBe(plain.length);
  });

  it("writes the plain-text form only under pairs-text, with the answer's label between prompt and answer", async () => {
    const lines = (await exportAll({ format: "pairs-text" })) as unknown as {
      prompt: string;
      chosen: string;
      prompt_id: string;
    }[];
    const planet = lines.find((l) => l.prompt_id === "planet")!;
    expect(planet.prompt).toBe("User: Name the closest planet\n\nAssistant: ");
    expect(typeof planet.chosen).toBe("string");
    expect(planet.prompt + planet.chosen).toMatch(/planet\n\nAssistant: planet answer/);
    expect(lines).toHaveLength((await pairsOf()).length);
    expect(lines.find((l) => l.prompt_id === "chat")!.prompt).toBe(
      "System: You are terse.\n\nUser: Hi\n\nAssistant: Hello.\n\nUser: What is 2 + 2\n\nAssistant: ",
    );
  });

  it("refuses margin and weight for formats that have no pairs", async () => {
    expect(exportOptionsSchema.safeParse({ format: "consensus", margin: "1" }).success).toBe(false);
    expect(exportOptionsSchema.safeParse({ format: "annotations", weight: "1" }).success).toBe(false);
    expect(exportOptionsSchema.safeParse({ format: "pairs-text", weight: "1" }).success).toBe(true);
  });
});

describe("promptSplit", () => {
  const ids = Array.from({ length: 5_000 }, (_, i) => `prompt-${i}`);
  const heldOut = (seed: number, heldOutShare: number) =>
    ids.filter((id) => promptSplit(id, { seed, heldOutShare }) === "test");

  it("holds out about the share, and nothing or everything at the ends", async () => {
    // 0.03 is five standard deviations of the held-out share over 5,000 prompts.
    expect(Math.abs(heldOut(1, 0.2).length / ids.length - 0.2)).toBeLessThan(0.03);
    expect(heldOut(1, 0)).toHaveLength(0);
    expect(heldOut(1, 1)).toHaveLength(ids.length);
  });

  it("depends on the seed, and a larger share only adds prompts", async () => {
    const a = new Set(heldOut(1, 0.2));
    const b = heldOut(2, 0.2);
    const shared = b.filter((id) => a.has(id)).length;
    // Independent seeds share about 0.2 × 0.2 of the prompts, not all of them.
    expect(shared / ids.length).toBeLessThan(0.07);
    const wider = new Set(heldOut(1, 0.3));
    expect([...a].every((id) => wider.has(id))).toBe(true);
  });
});
