"use client";

import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, GRID } from "./colors";
import { ChartLegend } from "./chart-card";

export type LossPoint = {
  step: number;
  loss: number | null;
  trainAccuracy: number | null;
  testAccuracy: number | null;
};

/** Training loss (left axis) and held-out pair accuracy (right axis) against step. */
export function LossChart({
  points,
  totalSteps,
  height = 220,
}: {
  points: LossPoint[];
  totalSteps?: number;
  height?: number;
}) {
  // The trend through noisy losses: a centred moving average over ~2% of the points. An exponential
  // average with a fixed factor lags by a fixed number of points, which on a short, smooth curve
  // drew convergence hundreds of steps later than it happened.
  const half = Math.max(1, Math.round(points.length / 50));
  const data = points.map((p, i) => {
    let sum = 0;
    let count = 0;
    for (let j = Math.max(0, i - half); j <= Math.min(points.length - 1, i + half); j++) {
      const loss = points[j]!.loss;
      if (loss !== null) {
        sum += loss;
        count++;
      }
    }
    return { ...p, smoothed: count ? sum / count : null };
  });
  return (
    <div>
      <div style={{ height }} data-points={points.length}>
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height }}>
          <LineChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
            <CartesianGrid {...GRID} />
            <XAxis
              dataKey="step"
              type="number"
              domain={[0, totalSteps ?? "dataMax"]}
              {...AXIS}
              label={{ value: "step", position: "insideBottomRight", offset: -2, fontSize: 11, fill: "#64748b" }}
            />
            <YAxis
              yAxisId="loss"
              {...AXIS}
              width={48}
              tickFormatter={(v: number) => v.toFixed(2)}
              domain={["auto", "auto"]}
            />
            <YAxis
              yAxisId="acc"
              orientation="right"
              domain={[0.4, 1]}
              {...AXIS}
              width={36}
              tickFormatter={(v: number) => `${Math.round(v * 100)}%`}
            />
            <Tooltip
              formatter={(value, name) => [
                typeof value === "number"
                  ? name === "loss" || name === "smoothed"
                    ? value.toFixed(4)
                    : `${(value * 100).toFixed(1)}%`
                  : "–",
                name === "loss"
                  ? "loss"
                  : name === "smoothed"
                    ? "loss (smoothed)"
                    : name === "testAccuracy"
                      ? "held-out accuracy"
                      : "train accuracy",
              ]}
              labelFormatter={(step) => `step ${step}`}
            />
            <Line
              yAxisId="loss"
              type="monotone"
              dataKey="loss"
              stroke="#a5b4fc"
              strokeWidth={1}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
            <Line
              yAxisId="loss"
              type="monotone"
              dataKey="smoothed"
              stroke="#4f46e5"
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
            <Line
              yAxisId="acc"
              type="monotone"
              dataKey="testAccuracy"
              stroke="#059669"
              strokeWidth={1.5}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
            <Line
              yAxisId="acc"
              type="monotone"
              dataKey="trainAccuracy"
              stroke="#94a3b8"
              strokeWidth={1}
              strokeDasharray="3 3"
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ChartLegend
        items={[
          { label: "loss (left axis; faint: as recorded)", color: "#4f46e5" },
          { label: "held-out pair accuracy (right)", color: "#059669" },
          { label: "train pair accuracy (right)", color: "#94a3b8", dashed: true },
        ]}
      />
    </div>
  );
}
