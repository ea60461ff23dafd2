"use client";

import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, GRID, GROUP_COLORS } from "./colors";
import { ChartLegend } from "./chart-card";
import { ChartFrame, xAxisTitle, yAxisTitle } from "./chart";

/** Where normalised rewards fall, open vs closed prompts: two-point for closed, spread for open when the model is openness-aware. */
export function RewardHistogram({
  bins,
  height = 240,
}: {
  bins: { bin: number; open: number; closed: number }[];
  height?: number;
}) {
  // Round ticks (every 10% or 20%): recharts' own split of a 0–50% axis reads 0, 15, 30, 50.
  const highest = Math.max(0.1, ...bins.flatMap((b) => [b.open, b.closed]));
  const step = highest > 0.5 ? 0.2 : 0.1;
  const ticks = Array.from({ length: Math.ceil(highest / step - 1e-9) + 1 }, (_, i) => Math.round(i * step * 10) / 10);
  return (
    <div>
      <ChartFrame height={height} points={bins.length}>
        <BarChart data={bins} margin={{ top: 8, right: 8, bottom: 16, left: 8 }} barGap={0} barCategoryGap="12%">
          <CartesianGrid {...GRID} vertical={false} />
          <XAxis
            dataKey="bin"
            {...AXIS}
            tickFormatter={(v: number) => v.toFixed(2)}
            label={xAxisTitle("normalised reward")}
          />
          <YAxis
            {...AXIS}
            width={48}
            label={yAxisTitle("share of responses", 52)}
            domain={[0, ticks.at(-1)!]}
            ticks={ticks}
            tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
          />
          <Tooltip
            formatter={(v) => (typeof v === "number" ? `${(v * 100).toFixed(1)}%` : "–")}
            labelFormatter={(b) => `around ${Number(b).toFixed(2)}`}
          />
          <Bar dataKey="closed" fill={GROUP_COLORS.closed} fillOpacity={0.85} isAnimationActive={false} />
          <Bar dataKey="open" fill={GROUP_COLORS.open} fillOpacity={0.85} isAnimationActive={false} />
        </BarChart>
      </ChartFrame>
      <ChartLegend
        items={[
          { label: "closed prompts", color: GROUP_COLORS.closed },
          { label: "open prompts", color: GROUP_COLORS.open },
        ]}
      />
    </div>
  );
}
