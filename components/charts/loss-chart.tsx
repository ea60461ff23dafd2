"use client";

import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, GRID } from "./colors";

export type LossPoint = { step: number; loss: number | null; trainAccuracy: number | null; testAccuracy: number | null };

/** Training loss (left axis) and held-out pair accuracy (right axis) against step. */
export function LossChart({ points, totalSteps, height = 220 }: { points: LossPoint[]; totalSteps?: number; height?: number }) {
  // Batch losses are noisy: an exponential moving average shows the trend, the raw line stays faint.
  let ema: number | null = null;
  const data = points.map((p) => {
    if (p.loss !== null) ema = ema === null ? p.loss : 0.85 * ema + 0.15 * p.loss;
    return { ...p, smoothed: ema };
  });
  return (
    <div style={{ height }} data-points={points.length}>
      <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 600, height }}>
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 4, left: 0 }}>
          <CartesianGrid {...GRID} />
          <XAxis dataKey="step" type="number" domain={[0, totalSteps ?? "dataMax"]} {...AXIS} />
          <YAxis yAxisId="loss" {...AXIS} width={48} tickFormatter={(v: number) => v.toFixed(2)} domain={["auto", "auto"]} />
          <YAxis yAxisId="acc" orientation="right" domain={[0.4, 1]} {...AXIS} width={36} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} />
          <Tooltip
            formatter={(value, name) => [typeof value === "number" ? (name === "loss" || name === "smoothed" ? value.toFixed(4) : `${(value * 100).toFixed(1)}%`) : "–", name === "loss" ? "loss" : name === "smoothed" ? "loss (smoothed)" : name === "testAccuracy" ? "held-out accuracy" : "train accuracy"]}
            labelFormatter={(step) => `step ${step}`}
          />
          <Line yAxisId="loss" type="monotone" dataKey="loss" stroke="#a5b4fc" strokeWidth={1} dot={false} isAnimationActive={false} connectNulls />
          <Line yAxisId="loss" type="monotone" dataKey="smoothed" stroke="#4f46e5" strokeWidth={2} dot={false} isAnimationActive={false} connectNulls />
          <Line yAxisId="acc" type="monotone" dataKey="testAccuracy" stroke="#059669" strokeWidth={1.5} dot={false} isAnimationActive={false} connectNulls />
          <Line yAxisId="acc" type="monotone" dataKey="trainAccuracy" stroke="#94a3b8" strokeWidth={1} strokeDasharray="3 3" dot={false} isAnimationActive={false} connectNulls />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
