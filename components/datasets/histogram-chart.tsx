"use client";

import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, AXIS_TITLE } from "@/components/charts/colors";
import { yAxisTitle } from "@/components/charts/chart";
import { plural } from "@/lib/utils";

export type HistogramBin = { label: string; from: number; count: number };

/**
 * A histogram of precomputed, equal-width bins on a numeric axis, so the flagging threshold is
 * drawn at its value (0.25 sits between the 0.2 and 0.3 edges), not on the nearest bin's label.
 */
export function HistogramChart({
  title,
  xLabel,
  bins,
  threshold,
  color = "#6366f1",
  unit = "prompts",
}: {
  title: string;
  xLabel: string;
  bins: HistogramBin[];
  threshold?: number;
  color?: string;
  unit?: string;
}) {
  const total = bins.reduce((a, b) => a + b.count, 0);
  const width = bins.length > 1 ? bins[1]!.from - bins[0]!.from : 1;
  const data = bins.map((b) => ({ center: b.from + width / 2, from: b.from, count: b.count }));
  const edges = [...bins.map((b) => b.from), (bins.at(-1)?.from ?? 0) + width];
  const fmt = (v: number) => (Math.abs(v) < 1e-9 ? "0" : v.toFixed(1));
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4" data-testid="histogram">
      <figcaption className="mb-2 text-sm font-medium text-slate-800">
        {title} <span className="font-normal text-slate-600">({plural(total, unit.replace(/s$/, ""), unit)})</span>
      </figcaption>
      {total === 0 ? (
        <p className="py-12 text-center text-sm text-slate-600">Not enough rankings yet.</p>
      ) : (
        <div
          className="h-52"
          role="img"
          aria-label={`${title}: ${bins.map((b) => `${b.label}: ${b.count}`).join(", ")}${threshold === undefined ? "" : `; threshold ${threshold}`}`}
        >
          <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 320, height: 208 }}>
            <BarChart data={data} margin={{ top: 14, right: 10, bottom: 14, left: 4 }} barCategoryGap={1}>
              <CartesianGrid vertical={false} stroke="#e2e8f0" />
              <XAxis
                type="number"
                dataKey="center"
                domain={[edges[0]!, edges.at(-1)!]}
                ticks={edges.filter((_, i) => edges.length <= 11 || i % 2 === 0)}
                tickFormatter={fmt}
                {...AXIS}
                interval={0}
                label={{ value: xLabel, position: "insideBottom", offset: -10, ...AXIS_TITLE }}
              />
              <YAxis allowDecimals={false} {...AXIS} width={44} label={yAxisTitle(unit, 24, 12)} />
              <Tooltip
                cursor={{ fill: "#f1f5f9" }}
                labelFormatter={(center) => {
                  const from = Number(center) - width / 2;
                  return `${fmt(from)} to ${fmt(from + width)}`;
                }}
                formatter={(v) => [String(v), unit]}
              />
              {threshold !== undefined && (
                <ReferenceLine
                  x={threshold}
                  stroke="#b45309"
                  strokeDasharray="4 3"
                  strokeWidth={1.5}
                  label={{ value: `threshold ${threshold}`, position: "top", fontSize: 10, fill: "#92400e" }}
                />
              )}
              <Bar dataKey="count" name={unit} fill={color} radius={[3, 3, 0, 0]} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
