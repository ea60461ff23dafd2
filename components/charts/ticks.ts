/**
 * Round axis ticks ("nice numbers": steps of 1, 2 or 5 times a power of ten) covering [min, max],
 * about `target` of them, with the labels' decimals: recharts' own ticks on an unrounded domain
 * read the data's extremes (−8.7216 … 0.2784).
 */
export function niceTicks(
  min: number,
  max: number,
  target = 5,
): { ticks: number[]; domain: [number, number]; decimals: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { ticks: [0, 1], domain: [0, 1], decimals: 0 };
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    // One value: a unit either side of it, on its own scale.
    const pad = min === 0 ? 1 : 10 ** Math.floor(Math.log10(Math.abs(min)));
    [min, max] = [min - pad, max + pad];
  }
  const rough = (max - min) / Math.max(1, target - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  // The step nearest the rough one among 1, 2, 5 and 10 times its power of ten (Heckbert's rounding).
  const fraction = rough / power;
  const step = (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) * power;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let k = 0; first + k * step <= last + step / 2; k++) ticks.push(Number((first + k * step).toFixed(decimals)));
  return { ticks, domain: [ticks[0]!, ticks.at(-1)!], decimals };
}
