"use client";

import { YAxis } from "recharts";
import { AXIS } from "./colors";
import { StepLineChart } from "./chart";

export type LossPoint = {
  step: number;
  loss: number | null;
  trainAccuracy: number | null;
  testAccuracy: number | null;
};

const formatLoss = (v: number) => v.toFixed(4);
const formatAccuracy = (v: number) => `${(v * 100).toFixed(1)}%`;

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
    <StepLineChart
      data={data}
      height={height}
      totalSteps={totalSteps}
      series={[
        {
          key: "loss",
          name: "loss",
          axis: "loss",
          color: "#a5b4fc",
          width: 1,
          curve: "monotone",
          format: formatLoss,
          legend: null,
        },
        {
          key: "smoothed",
          name: "loss (smoothed)",
          axis: "loss",
          color: "#4f46e5",
          width: 2,
          curve: "monotone",
          format: formatLoss,
          legend: "loss (left axis; faint: as recorded)",
        },
        {
          key: "testAccuracy",
          name: "held-out accuracy",
          axis: "acc",
          color: "#059669",
          width: 1.5,
          curve: "monotone",
          format: formatAccuracy,
          legend: "held-out pair accuracy (right)",
        },
        {
          key: "trainAccuracy",
          name: "train accuracy",
          axis: "acc",
          color: "#94a3b8",
          width: 1,
          dash: "3 3",
          curve: "monotone",
          format: formatAccuracy,
          legend: "train pair accuracy (right)",
        },
      ]}
    >
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
    </StepLineChart>
  );
}
