import { describe, expect, it } from "vitest";
import { labelsByResponseId, responseLabel } from "@/lib/annotations/labels";
import { responsesInDisplayOrder } from "@/lib/annotations/queue";

describe("response labels", () => {
  it("name 32 responses uniquely, A first", () => {
    const labels = Array.from({ length: 32 }, (_, i) => responseLabel(i));
    expect(labels.slice(0, 3)).toEqual(["A", "B", "C"]);
    expect(labels[25]).toBe("Z");
    expect(labels[26]).toBe("AA");
    expect(new Set(labels).size).toBe(32);
    expect(() => responseLabel(-1)).toThrow();
  });

  it("are the same for every annotator's shuffled order and for the researcher", () => {
    // Stored positions need not start at 0 or be given in order.
    const rows = [5, 1, 3, 7, 2, 0, 6, 4].map((position) => ({ id: 100 + position, position, text: `r${position}` }));
    const researcher = labelsByResponseId(rows);
    const orders = new Set<string>();
    for (const annotator of [1, 2, 3, 4, 5]) {
      const shown = responsesInDisplayOrder(9, annotator, rows);
      orders.add(shown.map((r) => r.id).join());
      for (const r of shown) expect(r.label).toBe(researcher.get(r.id));
    }
    expect(orders.size).toBeGreaterThan(1);
    expect(researcher.get(100)).toBe("A");
    expect(researcher.get(107)).toBe("H");
  });
});
