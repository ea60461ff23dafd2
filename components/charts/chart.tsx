"use client";

import type { ReactNode } from "react";
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  type XAxisProps,
  type YAxisProps,
} from "recharts";
import { AXIS, AXIS_TITLE, GRID, opennessColor } from "./colors";
import { ChartLegend } from "./chart-card";

type Margin = { top: number; right: number; bottom: number; left: number };

/**
 * The sized box every chart draws in. `data-points` lets tests count what was plotted; the initial
 * size gives the server render (and the first client frame) a chart before the box is measured.
 */
export function ChartFrame({
  height,
  points,
  initialWidth = 400,
  children,
}: {
  height: number;
  points?: number;
  initialWidth?: number;
  children: ReactNode;
}) {
  return (
    <div style={{ height }} data-points={points}>
      <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: initialWidth, height }}>
        {children}
      </ResponsiveContainer>
    </div>
  );
}

/** The `label` of an XAxis: its title under the axis. */
export function xAxisTitle(value: string, position: "insideBottom" | "insideBottomRight" = "insideBottom") {
  return { value, position, offset: position === "insideBottom" ? -8 : -2, ...AXIS_TITLE };
}

/** The `label` of a YAxis: its title along the axis, moved down by `dy` to centre it. */
export function yAxisTitle(value: string, dy: number, offset = 4) {
  return { value, angle: -90, position: "insideLeft", offset, dy, ...AXIS_TITLE } as const;
}

export function formatTooltipValue(value: unknown): string {
  return typeof value === "number" ? value.toFixed(3) : "–";
}

/** One line of a line chart, and its legend entry (its name unless `legend` says otherwise; null: none). */
export type LineSeries = {
  key: string;
  name: string;
  color: string;
  width?: number;
  dash?: string;
  opacity?: number;
  dots?: boolean;
  curve?: "monotone" | "linear";
  axis?: string;
  legend?: string | null;
  format?: (value: number) => string;
};

/** A line chart of named series over one x axis, with the shared grid, tooltip and legend. */
export function SeriesLineChart({
  data,
  series,
  xAxis,
  height,
  initialWidth = 600,
  margin = { top: 8, right: 8, bottom: 4, left: 0 },
  tooltipLabel,
  legend,
  children,
}: {
  data: object[];
  series: LineSeries[];
  xAxis: XAxisProps;
  height: number;
  initialWidth?: number;
  margin?: Margin;
  tooltipLabel: (x: unknown) => string;
  legend?: { label: string; color: string; dashed?: boolean }[];
  /** The y axes and any reference lines. */
  children: ReactNode;
}) {
  const formatOf = new Map(series.map((s) => [s.key, s.format ?? formatTooltipValue]));
  const legendItems =
    legend ??
    series.flatMap((s) =>
      s.legend === null ? [] : [{ label: s.legend ?? s.name, color: s.color, dashed: s.dash !== undefined }],
    );
  return (
    <div>
      <ChartFrame height={height} points={data.length} initialWidth={initialWidth}>
        <LineChart data={data} margin={margin}>
          <CartesianGrid {...GRID} />
          <XAxis {...AXIS} {...xAxis} />
          {children}
          <Tooltip
            formatter={(value, name, item) => [
              typeof value === "number" ? formatOf.get(String(item.dataKey))!(value) : "–",
              name,
            ]}
            labelFormatter={tooltipLabel}
          />
          {series.map((s) => (
            <Line
              key={s.key}
              yAxisId={s.axis}
              type={s.curve ?? "linear"}
              dataKey={s.key}
              name={s.name}
              stroke={s.color}
              strokeWidth={s.width ?? 1}
              strokeDasharray={s.dash}
              strokeOpacity={s.opacity}
              dot={s.dots ? { r: 3, fill: s.color } : false}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
      </ChartFrame>
      <ChartLegend items={legendItems} />
    </div>
  );
}

/** A line chart over training steps, from 0 to the run's last step (or the last point). */
export function StepLineChart({
  totalSteps,
  ...props
}: Omit<Parameters<typeof SeriesLineChart>[0], "xAxis" | "tooltipLabel"> & { totalSteps?: number }) {
  return (
    <SeriesLineChart
      {...props}
      xAxis={{
        dataKey: "step",
        type: "number",
        domain: [0, totalSteps ?? "dataMax"],
        label: xAxisTitle("step", "insideBottomRight"),
      }}
      tooltipLabel={(step) => `step ${String(step)}`}
    />
  );
}

/** Ticks of an axis over [0, 1], with a little room either side so edge dots are whole. */
export const UNIT_AXIS = { type: "number", domain: [-0.05, 1.05], ticks: [0, 0.25, 0.5, 0.75, 1] } as const;

/** A reference curve of a scatter chart: a line through its points, no marks. */
export type ScatterGuide = {
  name: string;
  points: { x: number; y: number }[];
  color: string;
  dash?: string;
  width?: number;
};

/**
 * Prompts as dots over openness (x), coloured by it, against a y value, over dashed or solid
 * guide curves. Openness often sits on a 5-point scale: a small deterministic jitter keeps dots apart.
 */
export function OpennessScatter({
  points,
  xTitle,
  yTitle,
  yAxis,
  guides,
  height,
  margin = { top: 8, right: 12, bottom: 16, left: 8 },
}: {
  points: { openness: number; y: number; flagged?: boolean }[];
  xTitle: string;
  /** Names the y value in the tooltip; the axis title itself comes with `yAxis.label`. */
  yTitle: string;
  yAxis: YAxisProps;
  guides: ScatterGuide[];
  height: number;
  margin?: Margin;
}) {
  const dots = points.map((p, i) => ({
    ...p,
    x: Math.min(1.02, Math.max(-0.02, p.openness + (((i * 7919) % 97) / 97 - 0.5) * 0.04)),
  }));
  return (
    <ChartFrame height={height} points={points.length}>
      <ScatterChart margin={margin}>
        <CartesianGrid {...GRID} />
        <XAxis {...UNIT_AXIS} dataKey="x" name={xTitle} {...AXIS} label={xAxisTitle(xTitle)} />
        <YAxis type="number" dataKey="y" name={yTitle} {...AXIS} {...yAxis} />
        {guides.map((guide) => (
          <Scatter
            key={guide.name}
            data={guide.points}
            line={{ stroke: guide.color, strokeDasharray: guide.dash, strokeWidth: guide.width ?? 1.5 }}
            shape={() => <g />}
            isAnimationActive={false}
            name={guide.name}
          />
        ))}
        <Tooltip formatter={formatTooltipValue} />
        <Scatter
          data={dots}
          isAnimationActive={false}
          name="prompts"
          shape={opennessDot({ radius: 3, opacity: 0.7 })}
        />
      </ScatterChart>
    </ChartFrame>
  );
}

/** The mark of a prompt's dot: coloured by its openness, ringed in red when flagged. */
export function opennessDot({ radius, opacity }: { radius: number; opacity: number }) {
  function OpennessDot(props: { cx?: number; cy?: number; payload?: { openness: number; flagged?: boolean } }) {
    return (
      <circle
        cx={props.cx}
        cy={props.cy}
        r={radius}
        fill={opennessColor(props.payload?.openness ?? 0.5)}
        fillOpacity={opacity}
        stroke={props.payload?.flagged ? "#e11d48" : "none"}
        strokeWidth={1.2}
      />
    );
  }
  return OpennessDot;
}
