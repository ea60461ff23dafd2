/**
 * Implied against tagged openness for a run's dashboard: each prompt's implied openness (the
 * verdict's fit, ml/diagnosis/implied-openness.ts) against its tagged openness, the verdict's regression
 * line, and the run's effective utility (ml/diagnosis/implied-utility.ts: one gamma for all prompts).
 */
import { type CollapseReport, type DiagnosisPrompt, impliedUtility, tieGroups, type Interval } from "@/ml";
import { thin } from "@/lib/runs/progress";

export type ImpliedOpennessView = {
  points: { tagged: number; implied: number }[];
  /** Identifiable prompts behind the regression (the scatter may show a sample). */
  prompts: number;
  slope: number | null;
  intercept: number | null;
  r2: number | null;
  utility: { gamma: number | null; gammaCi: Interval | null; identifiable: boolean; reason: string };
};

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export function impliedOpennessView(
  report: CollapseReport,
  prompts: readonly DiagnosisPrompt[],
  eps: number,
  maxPoints: number,
): ImpliedOpennessView {
  const points = report.perPrompt.flatMap((r) =>
    r.impliedOpenness === null ? [] : [{ tagged: round(r.openness), implied: round(r.impliedOpenness) }],
  );
  const utility = impliedUtility(
    prompts.map((p) => {
      const rankings = p.rankings ?? (p.ranking ? [p.ranking] : []);
      return {
        id: p.id,
        rewards: p.rewards,
        groups: (rankings.length ? tieGroups(p.rewards.length, rankings) : null) ?? undefined,
        openness: p.openness,
      };
    }),
    { eps },
  );
  return {
    points: thin(points, maxPoints),
    prompts: points.length,
    slope: report.tracking.slope,
    intercept: report.tracking.intercept,
    r2: report.tracking.r2,
    utility: {
      gamma: utility.gamma,
      gammaCi: utility.gammaCi,
      identifiable: utility.identifiable,
      reason: utility.reason,
    },
  };
}
