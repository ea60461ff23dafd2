"use client";

import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, AXIS_TITLE, GRID, opennessColor } from "./colors";

/**
 * Each prompt's shape (Beta α of its reward profile: 0 two-point, higher more spread) against its
 * openness, over the shape of the optimum for each openness (`target`, dashed). A model that tracks
 * openness draws a cloud along the dashed curve; a collapsed one a flat band.
 */
export function ShapeScatter({
  points,
  target,
  height = 240,
}: {
  points: { openness: number; shape: number; flagged: boolean }[];
  target: { openness: number; shape: number }[];
  height?: number;
}) {
  // Openness often sits on a 5-point scale: a small deterministic jitter keeps the dots apart.
  const data = points.map((p, i) => ({
    ...p,
    x: Math.min(1.02, Math.max(-0.02, p.openness + (((i * 7919) % 97) / 97 - 0.5) * 0.04)),
  }));
  return (
    <div style={{ height }} data-points={points.length}>
      <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 400, height }}>
        <ScatterChart margin={{ top: 8, right: 12, bottom: 16, left: 8 }}>
          <CartesianGrid {...GRID} />
          <XAxis
            type="number"
            dataKey="x"
            domain={[-0.05, 1.05]}
            ticks={[0, 0.25, 0.5, 0.75, 1]}
            {...AXIS}
            label={{ value: "openness", position: "insideBottom", offset: -8, ...AXIS_TITLE }}
          />
          <YAxis
            type="number"
            dataKey="shape"
            domain={[0, "auto"]}
            {...AXIS}
            width={48}
            tickFormatter={(v: number) => v.toFixed(2)}
            label={{ value: "shape (Beta α)", angle: -90, position: "insideLeft", offset: 4, dy: 40, ...AXIS_TITLE }}
          />
          <Scatter
            data={target.map((t) => ({ x: t.openness, shape: t.shape }))}
            line={{ stroke: "#64748b", strokeDasharray: "4 4", strokeWidth: 1.5 }}
            shape={() => <g />}
            isAnimationActive={false}
            name="optimum"
          />
          <Tooltip formatter={(v) => (typeof v === "number" ? v.toFixed(3) : String(v))} />
          <Scatter
            data={data}
            isAnimationActive={false}
            shape={(props: { cx?: number; cy?: number; payload?: { openness: number; flagged: boolean } }) => (
              <circle
                cx={props.cx}
                cy={props.cy}
                r={3}
                fill={opennessColor(props.payload?.openness ?? 0.5)}
                fillOpacity={0.7}
                stroke={props.payload?.flagged ? "#e11d48" : "none"}
                strokeWidth={1.2}
              />
            )}
          />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}
