"use client";

import { useState } from "react";
import { CartesianGrid, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from "recharts";
import { AXIS, GRID, opennessColor } from "./colors";
import { ChartFrame, opennessDot, xAxisTitle, yAxisTitle } from "./chart";
import { niceTicks } from "./ticks";

type StripData = { rows: number; sampled: boolean; points: { reward: number; row: number; openness: number }[] };

/**
 * Per-prompt reward distributions: each prompt's rewards as one row of dots, rows ordered by
 * openness (closed at the top) and coloured by it, with a switch between the two splits.
 */
export function StripPlot({ splits }: { splits: Partial<Record<"train" | "test", StripData>> }) {
  const available = (["test", "train"] as const).filter((s) => splits[s]);
  const [split, setSplit] = useState(available[0] ?? "test");
  const data = splits[split];
  const height = Math.max(220, Math.min(320, (data?.rows ?? 0) * 3 + 60));
  // Rows are sorted by openness: label the first row of each quarter of the scale (at most five
  // labels, however finely openness varies), with a minimum gap so labels never overlap.
  const rowOpenness = new Map<number, number>();
  for (const p of data?.points ?? []) if (!rowOpenness.has(p.row)) rowOpenness.set(p.row, p.openness);
  const minGap = Math.max(1, Math.ceil((data?.rows ?? 0) / 8));
  const rowTicks: number[] = [];
  const tickLevel = new Map<number, number>();
  let previous: number | null = null;
  for (const [row, openness] of [...rowOpenness].sort((a, b) => a[0] - b[0])) {
    const level = Math.round(openness * 4) / 4;
    if (level !== previous && (rowTicks.length === 0 || row - rowTicks.at(-1)! >= minGap)) {
      rowTicks.push(row);
      tickLevel.set(row, level);
    }
    previous = level;
  }
  // Rewards in [0, 1] keep that scale; an external run's raw scores get round ticks over their range.
  const rewards = data?.points.map((p) => p.reward) ?? [];
  const low = Math.min(0, ...rewards);
  const high = Math.max(1, ...rewards);
  const axis = niceTicks(low, high);
  return (
    <div>
      <div
        role="radiogroup"
        aria-label="Which prompts"
        className="mb-2 inline-flex rounded-md bg-slate-100 p-0.5 text-xs"
      >
        {available.map((s) => (
          <button
            key={s}
            type="button"
            role="radio"
            aria-checked={split === s}
            data-testid={`strip-${s}`}
            onClick={() => setSplit(s)}
            className={`rounded px-2.5 py-1 font-medium focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 ${split === s ? "bg-white text-slate-900 shadow-sm" : "text-slate-700 hover:text-slate-900"}`}
          >
            {s === "test" ? "held-out" : "train"}
          </button>
        ))}
      </div>
      {data && (
        <>
          <ChartFrame height={height} points={data.points.length} initialWidth={500}>
            <ScatterChart margin={{ top: 4, right: 12, bottom: 16, left: 8 }}>
              <CartesianGrid {...GRID} horizontal={false} />
              <XAxis
                type="number"
                dataKey="reward"
                domain={axis.domain}
                ticks={axis.ticks}
                interval={0}
                tickFormatter={(v: number) => v.toFixed(axis.decimals)}
                {...AXIS}
                label={xAxisTitle("reward")}
              />
              <YAxis
                type="number"
                dataKey="row"
                reversed
                domain={[0, data.rows + 1]}
                ticks={rowTicks}
                interval={0}
                {...AXIS}
                width={64}
                tickFormatter={(row: number) => `o ≈ ${tickLevel.get(row) ?? ""}`}
                label={yAxisTitle("prompts", 24, 0)}
              />
              <Tooltip
                cursor={{ strokeDasharray: "3 3" }}
                content={({ active, payload }) => {
                  const p = payload?.[0]?.payload as { reward: number; row: number; openness: number } | undefined;
                  if (!active || !p) return null;
                  // At most 12rem wide, so that it fits beside any dot or, clamped, within a phone's chart:
                  // on one line it was wider than the chart and ran off the page.
                  return (
                    <div className="max-w-48 rounded-md border border-slate-200 bg-white px-2 py-1 text-xs shadow-sm">
                      prompt row {p.row} · openness {p.openness} · reward {p.reward.toFixed(3)}
                    </div>
                  );
                }}
              />
              <Scatter
                data={data.points}
                isAnimationActive={false}
                shape={opennessDot({ radius: 2.4, opacity: 0.8 })}
              />
            </ScatterChart>
          </ChartFrame>
          <div className="mt-1 flex items-center justify-between text-xs text-slate-600">
            <span className="flex items-center gap-2">
              closed
              <span
                aria-hidden
                className="inline-block h-2 w-24 rounded-full"
                style={{
                  background: `linear-gradient(to right, ${opennessColor(0)}, ${opennessColor(0.5)}, ${opennessColor(1)})`,
                }}
              />
              open
            </span>
            <span>
              {data.rows} prompts{data.sampled ? " (an even sample across openness)" : ""}, top: most closed
            </span>
          </div>
        </>
      )}
    </div>
  );
}
