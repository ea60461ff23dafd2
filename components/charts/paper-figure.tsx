"use client";

import { YAxis } from "recharts";
import { AXIS, GROUP_COLORS } from "./colors";
import { SeriesLineChart, xAxisTitle, type LineSeries } from "./chart";

type Group = "closed" | "middle" | "open";

/**
 * The paper's figure: mean sorted, normalised reward against rank for closed, middle and open
 * prompts (solid), and the theoretical optimum for each group's openness (dashed). Under collapse
 * the solid lines lie on top of each other whatever the dashed ones say.
 */
export function PaperFigure({
  data,
  groups,
  fixedOptimum,
  height = 300,
}: {
  data: Record<string, number | null>[];
  groups: { group: Group; prompts: number; meanOpenness: number | null }[];
  fixedOptimum?: { label: string; values: number[] } | null;
  height?: number;
}) {
  const present = groups.filter((g) => g.prompts > 0);
  const rows = data.map((row, k) => ({ ...row, fixed: fixedOptimum?.values[k] ?? null }));
  const label = (g: (typeof groups)[number]) => `${g.group} (${g.prompts}, o≈${g.meanOpenness?.toFixed(2)})`;
  const series: LineSeries[] = [
    ...(fixedOptimum
      ? [{ key: "fixed", name: `${fixedOptimum.label} optimum`, color: "#94a3b8", width: 1.5, dash: "2 4" }]
      : []),
    ...present.map((g) => ({
      key: `${g.group}Optimum`,
      name: `optimum, ${g.group}`,
      color: GROUP_COLORS[g.group],
      opacity: 0.55,
      width: 1.5,
      dash: "6 4",
    })),
    ...present.map((g) => ({ key: g.group, name: g.group, color: GROUP_COLORS[g.group], width: 2.5, dots: true })),
  ];
  return (
    <SeriesLineChart
      data={rows}
      height={height}
      initialWidth={500}
      margin={{ top: 8, right: 12, bottom: 16, left: 0 }}
      xAxis={{
        dataKey: "rank",
        type: "number",
        domain: [1, data.length],
        ticks: data.map((_, k) => k + 1),
        label: xAxisTitle("rank (best first)"),
      }}
      tooltipLabel={(rank) => `rank ${String(rank)}`}
      series={series}
      legend={[
        ...present.map((g) => ({ label: label(g), color: GROUP_COLORS[g.group] })),
        { label: "optimum for that openness", color: "#64748b", dashed: true },
        ...(fixedOptimum
          ? [{ label: `${fixedOptimum.label} optimum (collapse target)`, color: "#cbd5e1", dashed: true }]
          : []),
      ]}
    >
      <YAxis
        domain={[0, 1]}
        ticks={[0, 0.25, 0.5, 0.75, 1]}
        {...AXIS}
        width={40}
        tickFormatter={(v: number) => v.toFixed(2)}
      />
    </SeriesLineChart>
  );
}
