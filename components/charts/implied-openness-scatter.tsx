"use client";

import { OpennessScatter, UNIT_AXIS, yAxisTitle } from "./chart";

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
  const fit =
    slope === null || intercept === null
      ? []
      : [
          {
            name: "fit",
            color: "#4f46e5",
            width: 2,
            points: [0, 1].map((x) => ({ x, y: clampToAxis(intercept + slope * x) })),
          },
        ];
  return (
    <OpennessScatter
      points={points.map((p) => ({ openness: p.tagged, y: p.implied }))}
      xTitle="tagged openness"
      yTitle="implied openness"
      yAxis={{ ...UNIT_AXIS, width: 48, label: yAxisTitle("implied openness", 48) }}
      guides={[
        {
          name: "ideal",
          color: "#94a3b8",
          dash: "4 4",
          points: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
        },
        ...fit,
      ]}
      height={height}
    />
  );
}

function clampToAxis(y: number): number {
  return Math.min(1.05, Math.max(-0.05, y));
}
