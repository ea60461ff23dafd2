"use client";

import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, GRID, opennessColor } from "./colors";

/**
 * Each prompt's implied openness (the openness whose optimum its reward profile matches) against
 * its tagged openness. Dashed: the diagonal, where an openness-aware model puts every prompt;
 * solid: the least-squares line. A collapsed model draws a flat band.
 */
export function ImpliedOpennessScatter({
  points,
  slope,
  intercept,
  height = 240,
}: {
  points: { tagged: number; implied: number }[];
  slope: number | null;
  intercept: number | null;
  height?: number;
}) {
  // Tags sit on a 5-point scale: a small deterministic jitter keeps the dots apart.
  const data = points.map((p, i) => ({
    ...p,
    x: Math.min(1.02, Math.max(-0.02, p.tagged + (((i * 7919) % 97) / 97 - 0.5) * 0.04)),
  }));
  const line =
    slope === null || intercept === null
      ? []
      : [0, 1].map((x) => ({ x, implied: Math.min(1.05, Math.max(-0.05, intercept + slope * x)) }));
  return (
    <div style={{ height }} data-points={points.length}>
      <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 400, height }}>
        <ScatterChart margin={{ top: 8, right: 12, bottom: 16, left: 0 }}>
          <CartesianGrid {...GRID} />
          <XAxis
            type="number"
            dataKey="x"
            domain={[-0.05, 1.05]}
            ticks={[0, 0.25, 0.5, 0.75, 1]}
            {...AXIS}
            label={{ value: "tagged openness", position: "insideBottom", offset: -8, fontSize: 11, fill: "#64748b" }}
          />
          <YAxis
            type="number"
            dataKey="implied"
            domain={[-0.05, 1.05]}
            ticks={[0, 0.25, 0.5, 0.75, 1]}
            {...AXIS}
            width={40}
          />
          <Scatter
            data={[
              { x: 0, implied: 0 },
              { x: 1, implied: 1 },
            ]}
            line={{ stroke: "#94a3b8", strokeDasharray: "4 4", strokeWidth: 1.5 }}
            shape={() => <g />}
            isAnimationActive={false}
            name="ideal"
          />
          {line.length > 0 && (
            <Scatter
              data={line}
              line={{ stroke: "#4f46e5", strokeWidth: 2 }}
              shape={() => <g />}
              isAnimationActive={false}
              name="fit"
            />
          )}
          <Tooltip formatter={(v) => (typeof v === "number" ? v.toFixed(3) : String(v))} />
          <Scatter
            data={data}
            isAnimationActive={false}
            name="prompts"
            shape={(props: { cx?: number; cy?: number; payload?: { tagged: number } }) => (
              <circle
                cx={props.cx}
                cy={props.cy}
                r={3}
                fill={opennessColor(props.payload?.tagged ?? 0.5)}
                fillOpacity={0.7}
              />
            )}
          />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}
