import type { SplitDashboard } from "@/lib/runs/dashboard";
import { ChartCard } from "@/components/charts/chart-card";
import { ImpliedOpennessScatter } from "@/components/charts/implied-openness-scatter";
import { num } from "@/components/runs/format";

/** Implied against tagged openness, with the fitted line and the run's effective utility. */
export function ImpliedOpennessCard({ split }: { split: SplitDashboard }) {
  const v = split.implied;
  const u = v.utility;
  const gammaCi = u.gammaCi ? ` [${num(u.gammaCi[0], 2)}, ${num(u.gammaCi[1], 2)}]` : "";
  return (
    <ChartCard
      testId="chart-implied"
      title="Implied against tagged openness"
      description={
        <>
          Each prompt&apos;s implied openness (the openness whose optimum its profile matches) against its tag; dashed:
          the diagonal, solid: the fit. Slope <strong data-testid="implied-slope">{num(v.slope, 2)}</strong>, R²{" "}
          <strong data-testid="implied-r2">{num(v.r2, 2)}</strong> over {v.prompts} prompts. Effective utility γ{" "}
          <strong data-testid="effective-gamma">{num(u.gamma, 2)}</strong>
          {gammaCi} (log 0, inverse −1, linear 1){u.identifiable ? "" : ", not identifiable"}.
        </>
      }
    >
      <ImpliedOpennessScatter points={v.points} slope={v.slope} intercept={v.intercept} />
    </ChartCard>
  );
}
