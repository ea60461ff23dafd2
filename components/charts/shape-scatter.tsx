"use client";

import { OpennessScatter, yAxisTitle } from "./chart";

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
  return (
    <OpennessScatter
      points={points.map((p) => ({ openness: p.openness, y: p.shape, flagged: p.flagged }))}
      xTitle="openness"
      yTitle="shape"
      yAxis={{
        domain: [0, "auto"],
        width: 48,
        tickFormatter: (v: number) => v.toFixed(2),
        label: yAxisTitle("shape (Beta α)", 40),
      }}
      guides={[
        {
          name: "optimum",
          color: "#64748b",
          dash: "4 4",
          points: target.map((t) => ({ x: t.openness, y: t.shape })),
        },
      ]}
      height={height}
    />
  );
}
