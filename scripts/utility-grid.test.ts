import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { GRID_FILE, type GridCase, utilityGrid } from "./utility-grid";

/**
 * The committed grid is what the Python package is tested against: it must be what this code
 * computes now (regenerate it with `npx tsx scripts/utility-grid.ts` after changing the utility).
 */
describe("the shared utility grid (clients/python/tests/utility-grid.json)", () => {
  const committed = JSON.parse(fs.readFileSync(GRID_FILE, "utf8")) as { cases: GridCase[] };
  const now = utilityGrid();

  it("covers every utility on both sides of 0, with openness around the adaptive switch", () => {
    expect(new Set(committed.cases.map((c) => c.utility)).size).toBe(7);
    const xs = committed.cases[0]!.x;
    expect(Math.min(...xs)).toBeLessThan(0);
    expect(Math.max(...xs)).toBeGreaterThan(0);
    expect(xs).toContain(0);
  });

  it("agrees with ml/utility.ts to 1e-6", () => {
    expect(committed.cases.map((c) => [c.utility, c.openness, c.gamma, c.eps])).toEqual(
      now.cases.map((c) => [c.utility, c.openness, c.gamma, c.eps]),
    );
    now.cases.forEach((c, i) => {
      const old = committed.cases[i]!;
      expect(old.boxcoxGamma).toBe(c.boxcoxGamma);
      expect(old.x).toEqual(c.x);
      const close = (a: number[], b: number[]) =>
        a.forEach((v, k) =>
          expect(Math.abs(v - b[k]!), `${c.utility} o=${c.openness} g=${c.gamma} eps=${c.eps} at ${k}`).toBeLessThan(
            1e-6,
          ),
        );
      close(old.u, c.u);
      close(old.du, c.du);
      close(
        old.scores.map((s) => s.loss),
        c.scores.map((s) => s.loss),
      );
    });
  });
});
