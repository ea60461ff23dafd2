import { describe, expect, it } from "vitest";
import { denseRows, featurizeRows, NUMERIC_FEATURES } from "./features";
import { syntheticLengthDataset, OPEN_LENGTHS, CLOSED_LENGTHS } from "../simulation/synthetic";

describe("featurizer", () => {
  const items = [
    {
      prompt: "What is 17 times 3?",
      responses: [{ text: "It is 51." }, { text: "The answer is fifty one. Really!" }, { text: "" }],
    },
  ];

  it("is deterministic, sorted, about unit norm, with numeric features", () => {
    const a = featurizeRows(items, 512);
    const b = featurizeRows(items, 512);
    expect(a.idx).toEqual(b.idx);
    expect(a.val).toEqual(b.val);
    expect(a.nRows).toBe(3);
    expect(a.rowptr).toHaveLength(5);
    expect(a.rowptr[4]).toBe(a.rowptr[3]); // padding row is empty
    for (let r = 0; r < 2; r++) {
      let ss = 0;
      for (let k = a.rowptr[r]!; k < a.rowptr[r + 1]!; k++) {
        ss += a.val[k]! ** 2;
        if (k > a.rowptr[r]!) expect(a.idx[k]!).toBeGreaterThan(a.idx[k - 1]!);
        expect(a.idx[k]!).toBeLessThan(512);
      }
      expect(Math.abs(Math.sqrt(ss) - 1)).toBeLessThan(0.2);
    }
    const d = a.denseDim;
    expect(d).toBe(NUMERIC_FEATURES.length);
    expect(a.dense[0]).toBeCloseTo(Math.log1p(3), 6); // "it is 51" has 3 words
    expect(a.dense[3]).toBeCloseTo(2 / 9, 6); // digit share of "It is 51."
    expect(a.dense[d + 2]).toBeCloseTo(Math.log1p(2), 6); // two sentences
    // the empty response still carries the prompt part
    expect(a.rowptr[3]! - a.rowptr[2]!).toBeGreaterThan(0);
  });

  it("split mode: response rows plus their prompt row equal the merged rows", () => {
    const merged = featurizeRows(items, 512);
    const split = featurizeRows(items, 512, 0, true);
    expect(split.prompts?.nRows).toBe(1);
    expect(Array.from(split.rowPrompt ?? [])).toEqual([0, 0, 0]);
    expect(split.dense).toEqual(merged.dense);
    const a = denseRows(merged, [0, 1, 2]);
    const b = denseRows(split, [0, 1, 2]);
    denseRows({ ...split.prompts!, dim: 512 }, [0, 0, 0], b);
    a.forEach((x, i) => expect(Math.abs(x - b[i]!)).toBeLessThan(1e-6));
    expect(split.idx.length).toBeLessThan(merged.idx.length);
  });

  it("appends embeddings and rejects wrong sizes", () => {
    const e = featurizeRows([{ prompt: "p", responses: [{ text: "x", embedding: [0.5, -1] }, { text: "y" }] }], 64, 2);
    expect(e.denseDim).toBe(NUMERIC_FEATURES.length + 2);
    expect(Array.from(e.dense.slice(NUMERIC_FEATURES.length, NUMERIC_FEATURES.length + 2))).toEqual([0.5, -1]);
    expect(() => featurizeRows([{ prompt: "p", responses: [{ text: "x", embedding: [1] }] }], 64, 2)).toThrow(/dims/);
  });
});

describe("synthetic length data", () => {
  it("follows the paper: 8 responses cut at the open/closed lengths, ranked by length, seeded", () => {
    const ds = syntheticLengthDataset({ prompts: 200, seed: 7 });
    expect(syntheticLengthDataset({ prompts: 200, seed: 7 })).toEqual(ds);
    const open = ds.filter((p) => p.openness === 1).length;
    expect(open).toBeGreaterThan(70);
    expect(open).toBeLessThan(130);
    for (const p of ds) {
      const lengths = p.responses.map((r) => r.text.split(/\s+/).length).sort((a, b) => a - b);
      expect(lengths).toEqual([...(p.openness === 1 ? OPEN_LENGTHS : CLOSED_LENGTHS)]);
      const byId = new Map(p.responses.map((r) => [r.id, r.text.split(/\s+/).length]));
      const ranked = p.rankings[0]!.map((g) => byId.get(g[0]!)!);
      expect(ranked).toEqual([...lengths].reverse());
    }
  });
});
