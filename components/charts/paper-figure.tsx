"use client";

import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, GRID, GROUP_COLORS } from "./colors";
import { ChartLegend } from "./chart-card";

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
  return (
    <div>
      <div style={{ height }}>
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 500, height }}>
          <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 16, left: 0 }}>
            <CartesianGrid {...GRID} />
            <XAxis
              dataKey="rank"
              type="number"
              domain={[1, data.length]}
              ticks={data.map((_, k) => k + 1)}
              {...AXIS}
              label={{
                value: "rank (best first)",
                position: "insideBottom",
                offset: -8,
                fontSize: 11,
                fill: "#64748b",
              }}
            />
            <YAxis
              domain={[0, 1]}
              ticks={[0, 0.25, 0.5, 0.75, 1]}
              {...AXIS}
              width={40}
              tickFormatter={(v: number) => v.toFixed(2)}
            />
            <Tooltip
              formatter={(v) => (typeof v === "number" ? v.toFixed(3) : "–")}
              labelFormatter={(r) => `rank ${r}`}
            />
            {fixedOptimum && (
              <Line
                dataKey="fixed"
                name={`${fixedOptimum.label} optimum`}
                stroke="#94a3b8"
                strokeWidth={1.5}
                strokeDasharray="2 4"
                dot={false}
                isAnimationActive={false}
              />
            )}
            {present.map((g) => (
              <Line
                key={`${g.group}-opt`}
                dataKey={`${g.group}Optimum`}
                name={`optimum, ${g.group}`}
                stroke={GROUP_COLORS[g.group]}
                strokeOpacity={0.55}
                strokeWidth={1.5}
                strokeDasharray="6 4"
                dot={false}
                isAnimationActive={false}
              />
            ))}
            {present.map((g) => (
              <Line
                key={g.group}
                dataKey={g.group}
                name={g.group}
                stroke={GROUP_COLORS[g.group]}
                strokeWidth={2.5}
                dot={{ r: 3, fill: GROUP_COLORS[g.group] }}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ChartLegend
        items={[
          ...present.map((g) => ({ label: label(g), color: GROUP_COLORS[g.group] })),
          { label: "optimum for that openness", color: "#64748b", dashed: true },
          ...(fixedOptimum
            ? [{ label: `${fixedOptimum.label} optimum (collapse target)`, color: "#cbd5e1", dashed: true }]
            : []),
        ]}
      />
    </div>
  );
}
