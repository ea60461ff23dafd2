"use client";

import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type HistogramBin = { label: string; from: number; count: number };

/** A histogram of precomputed bins, with the flagging threshold drawn as a line. */
export function HistogramChart({
  title,
  bins,
  threshold,
  color = "#6366f1",
  unit = "prompts",
}: {
  title: string;
  bins: HistogramBin[];
  threshold?: number;
  color?: string;
  unit?: string;
}) {
  const total = bins.reduce((a, b) => a + b.count, 0);
  const thresholdLabel = threshold === undefined ? undefined : bins.findLast((b) => b.from <= threshold)?.label;
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4">
      <figcaption className="mb-2 text-sm font-medium text-slate-700">
        {title}{" "}
        <span className="font-normal text-slate-500">
          ({total} {unit})
        </span>
      </figcaption>
      {total === 0 ? (
        <p className="py-12 text-center text-sm text-slate-500">Not enough rankings yet.</p>
      ) : (
        <div
          className="h-48"
          role="img"
          aria-label={`${title}: ${bins.map((b) => `${b.label}: ${b.count}`).join(", ")}`}
        >
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={bins} margin={{ top: 4, right: 8, bottom: 0, left: -20 }}>
              <CartesianGrid vertical={false} stroke="#e2e8f0" />
              <XAxis dataKey="label" tick={{ fontSize: 11 }} interval={0} />
              <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
              <Tooltip cursor={{ fill: "#f1f5f9" }} />
              {thresholdLabel && <ReferenceLine x={thresholdLabel} stroke="#d97706" strokeDasharray="4 3" />}
              <Bar dataKey="count" name={unit} fill={color} radius={[3, 3, 0, 0]} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
