import { describe, expect, it } from "vitest";
import { collapseReport, optimalRewards, type DiagnosisPrompt } from "@/ml";
import { impliedOpennessView } from "@/lib/runs/implied";

const EPS = 0.1;
const prompt = (id: string, openness: number, rewards: number[]): DiagnosisPrompt => ({ id, openness, rewards });

describe("implied against tagged openness", () => {
  it("an openness-aware run sits on the diagonal", () => {
    const prompts = [0, 0.25, 0.5, 0.75, 1].flatMap((o) =>
      [0, 1, 2].map((k) =>
        prompt(`${o}-${k}`, o, optimalRewards({ utility: "conditioned", openness: o, n: 8, eps: EPS })),
      ),
    );
    const v = impliedOpennessView(collapseReport(prompts, { eps: EPS }), prompts, EPS, 100);
    expect(v.slope!).toBeGreaterThan(0.9);
    expect(v.r2!).toBeGreaterThan(0.9);
    for (const p of v.points) expect(Math.abs(p.implied - p.tagged)).toBeLessThan(0.1);
  });

  it("a collapsed run (one utility for all) is flat, and its effective utility is that utility", () => {
    const log = optimalRewards({ utility: "boxcox", gamma: 0, n: 8, eps: EPS });
    const prompts = [0, 1, 0, 1, 0, 1, 0.5, 0.5].map((o, i) => prompt(String(i), o, log));
    const v = impliedOpennessView(collapseReport(prompts, { eps: EPS }), prompts, EPS, 100);
    expect(Math.abs(v.slope ?? 0)).toBeLessThan(0.05);
    expect(Math.abs(v.utility.gamma!)).toBeLessThan(0.05);
    expect(v.utility.identifiable).toBe(true);
  });
});
