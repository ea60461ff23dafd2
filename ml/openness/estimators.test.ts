import { describe, expect, it } from "vitest";
import {
  type AnnotatedPrompt,
  annotatorCeiling,
  evaluateOpennessEstimator,
  meanTag,
  tagSpread,
  withTags,
} from "./evaluation";
import { fitRankingOpenness, rankingFeatures } from "./rankings";
import { fitTextOpenness, fitTextOpennessOn } from "./text";
import { fitRidge, leverage, predictRidge } from "./ridge";
import { mulberry32 } from "../rng";
import { annotateAll, simulatedAnnotators, syntheticOpennessPrompts } from "../simulation/synthetic-annotations";

const sim = syntheticOpennessPrompts({ prompts: 400, seed: 3 });
const annotators = simulatedAnnotators(10, 3);
const three = annotateAll(sim, annotators, 3, 3);

function retag(prompts: AnnotatedPrompt[], tag: (p: AnnotatedPrompt, i: number) => number | null): AnnotatedPrompt[] {
  return prompts.map((p) => ({ ...p, annotations: p.annotations.map((a, i) => ({ ...a, openness: tag(p, i) })) }));
}

describe("ridge", () => {
  it("recovers a linear map and widens its error bar off the training rows", () => {
    const r = mulberry32(1);
    const rows = Array.from({ length: 200 }, () => ({ idx: [0, 1], val: [r() - 0.5, r() - 0.5] }));
    const y = rows.map((x) => 0.5 + 2 * x.val[0]! - x.val[1]!);
    const fit = fitRidge(rows, y, 3, 1e-3);
    expect(predictRidge(fit, { idx: [0, 1], val: [0.1, 0.2] }).mean).toBeCloseTo(0.5 + 0.2 - 0.2, 3);
    // Dimension 2 never appears in training: the fit knows nothing there.
    const seen = predictRidge(fit, { idx: [0], val: [0.3] }).sd;
    const unseen = predictRidge(fit, { idx: [2], val: [0.3] }).sd;
    expect(unseen).toBeGreaterThan(seen);
  });

  /** x solving a x = b for a dense square `a` (Gauss-Jordan with partial pivoting): the reference. */
  function denseSolve(a: number[][], b: number[]): number[] {
    const n = b.length;
    const m = a.map((row, i) => [...row, b[i]!]);
    for (let c = 0; c < n; c++) {
      const pivot = m.reduce((best, _, r) => (r >= c && Math.abs(m[r]![c]!) > Math.abs(m[best]![c]!) ? r : best), c);
      [m[c], m[pivot]] = [m[pivot]!, m[c]!];
      for (let r = 0; r < n; r++) {
        if (r === c) continue;
        const f = m[r]![c]! / m[c]![c]!;
        for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
      }
    }
    return m.map((row, i) => row[n]! / row[i]!);
  }

  it("gives the dense solution of (X'X + penalty) w = X't, its leverages and leave-one-out residuals, with fewer rows than features and with more", () => {
    const r = mulberry32(4);
    for (const [n, dim, space] of [
      [12, 40, "rows"],
      [60, 8, "features"],
    ] as const) {
      // Sparse rows with a repeated index now and then, as hashed features have.
      const row = (): { idx: number[]; val: number[] } => {
        const k = 1 + Math.floor(r() * 5);
        return {
          idx: Array.from({ length: k }, () => Math.floor(r() * dim)),
          val: Array.from({ length: k }, () => r() - 0.5),
        };
      };
      const rows = Array.from({ length: n }, row);
      const y = rows.map(() => r());
      const lambda = 0.3;
      const fit = fitRidge(rows, y, dim, lambda);
      expect(fit.factor.space).toBe(space);
      // The dense system, bias column last (penalty 1e-3), on the centred targets.
      const x = rows.map((q) => {
        const v = Array<number>(dim + 1).fill(0);
        q.idx.forEach((i, k) => (v[i]! += q.val[k]!));
        v[dim] = 1;
        return v;
      });
      const mean = y.reduce((a, b) => a + b, 0) / n;
      const a = Array.from({ length: dim + 1 }, (_, i) =>
        Array.from(
          { length: dim + 1 },
          (_, j) => x.reduce((s, v) => s + v[i]! * v[j]!, 0) + (i === j ? (i === dim ? 1e-3 : lambda) : 0),
        ),
      );
      const w = denseSolve(
        a,
        Array.from({ length: dim + 1 }, (_, i) => x.reduce((s, v, k) => s + v[i]! * (y[k]! - mean), 0)),
      );
      w.forEach((wi, i) => expect(fit.weights[i]).toBeCloseTo(wi, 8));
      const h = (v: number[]) => v.reduce((s, vi, i) => s + vi * denseSolve(a, v)[i]!, 0);
      const probe = row();
      const probeDense = Array<number>(dim + 1).fill(0);
      probe.idx.forEach((i, k) => (probeDense[i]! += probe.val[k]!));
      probeDense[dim] = 1;
      expect(leverage(fit, probe)).toBeCloseTo(h(probeDense), 8);
      x.forEach((v, k) => {
        const e = (y[k]! - mean - v.reduce((s, vi, i) => s + vi * w[i]!, 0)) / (1 - Math.min(0.99, h(v)));
        expect(fit.looResiduals[k]).toBeCloseTo(e, 8);
      });
    }
  });
});

describe("openness ceiling", () => {
  it("is the leave-one-annotator-out agreement, null with one tag per prompt", () => {
    const p = (tags: number[]): AnnotatedPrompt => ({
      id: String(tags),
      text: "",
      responseIds: [],
      annotations: tags.map((t, i) => ({ annotator: `a${i}`, openness: t, ranking: [] })),
    });
    const c = annotatorCeiling([p([0, 0, 1]), p([1, 1, 1]), p([0.5, 0.5, 0.5])]);
    // Prompt 1: |0 - 0.5|, |0 - 0.5|, |1 - 0|; the others agree exactly.
    expect(c?.mae).toBeCloseTo(2 / 9, 9);
    expect(c?.n).toBe(9);
    expect(annotatorCeiling([p([0]), p([1])])).toBeNull();
  });
});

describe("openness estimators on simulated annotators", () => {
  it("text and rankings both track the mean tag on held-out prompts, near the annotators' ceiling", () => {
    const text = evaluateOpennessEstimator(three, fitTextOpennessOn);
    const ranks = evaluateOpennessEstimator(three, fitRankingOpenness);
    for (const e of [text, ranks]) {
      expect(e.ceiling).not.toBeNull();
      expect(e.vsMeanTag.spearman!).toBeGreaterThan(0.6);
      expect(e.vsMeanTag.mae!).toBeLessThan(e.baseline.mae! * 0.7);
      // Within 0.06 of what one annotator achieves against the others.
      expect(e.vsOthers.mae!).toBeLessThan(e.ceiling!.mae! + 0.06);
      expect(e.coverage95!).toBeGreaterThan(0.8);
    }
  });

  it("random tags: no estimator finds a signal and neither do the annotators", () => {
    const r = mulberry32(9);
    const random = retag(three, () => [0, 0.25, 0.5, 0.75, 1][Math.floor(r() * 5)]!);
    for (const fit of [fitTextOpennessOn, fitRankingOpenness]) {
      const e = evaluateOpennessEstimator(random, fit);
      expect(Math.abs(e.vsMeanTag.spearman ?? 0)).toBeLessThan(0.25);
      expect(e.vsMeanTag.mae!).toBeGreaterThan(e.baseline.mae! * 0.9);
    }
    expect(Math.abs(annotatorCeiling(random)!.spearman!)).toBeLessThan(0.15);
  });

  it("one annotator who never ties: the rankings say nothing, the ceiling is undefined", () => {
    const model = { rankNoise: 0.06, tieWithin: 0.05, tagNoise: 0.15, biasSd: 0.08, tieShare: 0 };
    const one = annotateAll(sim, simulatedAnnotators(5, 4, model), 1, 4, model);
    const ranks = evaluateOpennessEstimator(one, fitRankingOpenness);
    expect(ranks.ceiling).toBeNull();
    expect(ranks.vsOthers.n).toBe(0);
    // Every strict order looks alike: the estimate is the same for all, Spearman undefined.
    expect(ranks.vsMeanTag.spearman).toBeNull();
    expect(Math.abs(ranks.vsMeanTag.mae! - ranks.baseline.mae!)).toBeLessThan(0.02);
    expect(new Set(one.map((p) => rankingFeatures(p)!.join())).size).toBe(1);
    // The text still carries openness.
    expect(evaluateOpennessEstimator(one, fitTextOpennessOn).vsMeanTag.spearman!).toBeGreaterThan(0.6);
  });

  it("all-same tags: the estimate is that value, correlations are undefined, not NaN", () => {
    const same = retag(three, () => 0.5);
    for (const fit of [fitTextOpennessOn, fitRankingOpenness]) {
      const e = evaluateOpennessEstimator(same, fit);
      expect(e.vsMeanTag.mae!).toBeLessThan(1e-6);
      expect(e.vsMeanTag.spearman).toBeNull();
      expect(e.ceiling!.mae).toBe(0);
      expect(e.ceiling!.spearman).toBeNull();
    }
    expect(tagSpread(same)).toBe(0);
  });

  it("untagged prompts are neither trained on nor evaluated", () => {
    const half = retag(three, (p) => (Number(p.id.slice(1)) % 2 ? null : meanTag(p)));
    const e = evaluateOpennessEstimator(half, fitTextOpennessOn);
    expect(e.nTrain + e.nTest).toBe(200);
  });

  it("a prompt unlike the training texts gets a wider error bar", () => {
    const model = fitTextOpenness(sim.slice(0, 200).map((p) => ({ text: p.text, openness: p.openness })));
    const known = model.estimateText(sim[0]!.text).sd;
    const novel = model.estimateText("Zebrafish quantum ledger xylophone.").sd;
    expect(novel).toBeGreaterThan(known);
  });

  it("tags outweigh the model as they accumulate", () => {
    const est = { estimate: 0.9, sd: 0.2 };
    const one = withTags(est, [0], 0.2);
    const five = withTags(est, [0, 0, 0, 0, 0], 0.2);
    expect(one.estimate).toBeCloseTo(0.45, 6);
    expect(five.estimate).toBeLessThan(0.2);
    expect(five.sd).toBeLessThan(one.sd);
    expect(withTags(est, [], 0.2)).toEqual(est);
  });
});
