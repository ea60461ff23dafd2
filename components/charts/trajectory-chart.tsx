"use client";

import { ReferenceLine, YAxis } from "recharts";
import type { RunTrajectory } from "@/lib/runs/dashboard";
import { AXIS } from "./colors";
import { StepLineChart } from "./chart";

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
    <StepLineChart
      data={rows}
      height={height}
      totalSteps={totalSteps}
      series={[
        { key: "testGap", name: "normalised gap, held-out", color: "#e11d48", width: 2 },
        { key: "trainGap", name: "normalised gap, train", color: "#fb7185", dash: "4 3" },
        { key: "testTracking", name: "tracking slope, held-out", color: "#0d9488" },
        { key: "testAccuracy", name: "pair accuracy, held-out", color: "#4f46e5", width: 2 },
      ]}
    >
      <YAxis
        {...AXIS}
        width={40}
        domain={[(min: number) => Math.min(0, min), (max: number) => Math.max(1, max)]}
        tickFormatter={(v: number) => v.toFixed(1)}
      />
      {plateau && (
        <ReferenceLine
          x={plateau.step}
          stroke="#64748b"
          strokeDasharray="4 3"
          label={{ value: "accuracy stops improving", position: "insideTopLeft", fontSize: 10, fill: "#475569" }}
        />
      )}
    </StepLineChart>
  );
}
