/** Openness colours shared by every chart: blue for closed prompts, violet in between, orange for open ones. */
export const GROUP_COLORS = { closed: "#2563eb", middle: "#8b5cf6", open: "#ea580c" } as const;

const STOPS: [number, [number, number, number]][] = [
  [0, [37, 99, 235]],
  [0.5, [139, 92, 246]],
  [1, [234, 88, 12]],
];

export function opennessColor(openness: number): string {
  const o = Math.min(1, Math.max(0, openness));
  const i = o <= 0.5 ? 0 : 1;
  const [a, ca] = STOPS[i]!;
  const [b, cb] = STOPS[i + 1]!;
  const t = (o - a) / (b - a);
  const mix = ca.map((v, k) => Math.round(v + (cb[k]! - v) * t));
  return `rgb(${mix.join(",")})`;
}

/** Tick text is slate-600 (#475569): 7:1 on white, where recharts' default grey fails axe's contrast check. */
export const AXIS = { stroke: "#94a3b8", fontSize: 11, tickLine: false, tick: { fill: "#475569" } } as const;
/** Axis titles, for the `label` of an XAxis or YAxis. */
export const AXIS_TITLE = { fontSize: 11, fill: "#475569" } as const;
export const GRID = { stroke: "#e2e8f0", strokeDasharray: "3 3" } as const;
