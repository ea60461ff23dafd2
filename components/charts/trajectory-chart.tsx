"use client";

import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { RunTrajectory } from "@/lib/runs/dashboard";
import { AXIS, GRID } from "./colors";
import { ChartLegend } from "./chart-card";

const COLORS = { testGap: "#e11d48", trainGap: "#fb7185", testAccuracy: "#4f46e5", testTracking: "#0d9488" } as const;

/** Collapse over training: normalised gap of both splits, held-out tracking and accuracy against the step. */
export function TrajectoryChart({
  trajectory,
  totalSteps,
  height = 220,
}: {
  trajectory: RunTrajectory;
  totalSteps?: number;
  height?: number;
}) {
  const { rows, plateau } = trajectory;
  return (
    <div>
      <div style={{ height }} data-points={rows.length}>
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height }}>
          <LineChart data={rows} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
            <CartesianGrid {...GRID} />
            <XAxis
              dataKey="step"
              type="number"
              domain={[0, totalSteps ?? "dataMax"]}
              {...AXIS}
              label={{ value: "step", position: "insideBottomRight", offset: -2, fontSize: 11, fill: "#64748b" }}
            />
            <YAxis
              {...AXIS}
              width={40}
              domain={[(min: number) => Math.min(0, min), (max: number) => Math.max(1, max)]}
              tickFormatter={(v: number) => v.toFixed(1)}
            />
            <Tooltip
              formatter={(v) => (typeof v === "number" ? v.toFixed(3) : String(v))}
              labelFormatter={(s) => `step ${String(s)}`}
            />
            {plateau && (
              <ReferenceLine
                x={plateau.step}
                stroke="#64748b"
                strokeDasharray="4 3"
                label={{ value: "accuracy stops improving", position: "insideTopLeft", fontSize: 10, fill: "#475569" }}
              />
            )}
            <Line
              dataKey="testGap"
              name="normalised gap, held-out"
              stroke={COLORS.testGap}
              dot={false}
              strokeWidth={2}
              connectNulls
            />
            <Line
              dataKey="trainGap"
              name="normalised gap, train"
              stroke={COLORS.trainGap}
              dot={false}
              strokeDasharray="4 3"
              connectNulls
            />
            <Line
              dataKey="testTracking"
              name="tracking slope, held-out"
              stroke={COLORS.testTracking}
              dot={false}
              connectNulls
            />
            <Line
              dataKey="testAccuracy"
              name="pair accuracy, held-out"
              stroke={COLORS.testAccuracy}
              dot={false}
              strokeWidth={2}
              connectNulls
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ChartLegend
        items={[
          { label: "normalised gap, held-out", color: COLORS.testGap },
          { label: "normalised gap, train", color: COLORS.trainGap, dashed: true },
          { label: "tracking slope, held-out", color: COLORS.testTracking },
          { label: "pair accuracy, held-out", color: COLORS.testAccuracy },
        ]}
      />
    </div>
  );
}
