import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  HISTOGRAM_BINS,
  STATS_HISTOGRAMS,
  statsBin,
  statsBinSql,
  statsHistogram,
  type StatsHistogramMetric,
} from "@/lib/datasets/prompt-stats";
import { freshDbPerTest, seedDataset } from "@/lib/test-fixtures";

const MIGRATIONS = path.resolve(import.meta.dirname, "../../db/migrations");
const METRICS = Object.keys(STATS_HISTOGRAMS) as StatsHistogramMetric[];

/** Each edge of each bin reached both as written and as summed, values between them, and beyond the range. */
function edgeValues(metric: StatsHistogramMetric): number[] {
  const { from, to } = STATS_HISTOGRAMS[metric];
  const width = (to - from) / HISTOGRAM_BINS;
  const values = [from - 0.5, from - 1e-9, from, to, to + 1e-9, to + 0.5];
  for (let i = 1; i < HISTOGRAM_BINS; i++) {
    const edge = from + i * width;
    values.push(edge, Number(edge.toFixed(1)), edge - 1e-12, edge + 1e-12, edge - width / 2);
  }
  return values;
}

describe("the stats histogram's bins", () => {
  it("are equal-width over the range, the top edge in the last bin and outliers in the end bins", async () => {
    expect(statsBin("kendall_w", 0)).toBe(0);
    expect(statsBin("kendall_w", 0.05)).toBe(0);
    expect(statsBin("kendall_w", 0.15)).toBe(1);
    expect(statsBin("kendall_w", 1)).toBe(9);
    expect(statsBin("kendall_w", -0.2)).toBe(0);
    expect(statsBin("kendall_w", 7)).toBe(9);
    expect(statsBin("mean_tau_b", -1)).toBe(0);
    expect(statsBin("mean_tau_b", 0)).toBe(5);
    expect(statsBin("mean_tau_b", -0.05)).toBe(4);
    expect(statsBin("mean_tau_b", 1)).toBe(9);
    // Floating point division as SQLite does it: 0.3 / 0.1 is 2.999…, so 0.3 counts in the bin below.
    expect(statsBin("kendall_w", 0.3)).toBe(2);
  });

  it("are written into every migration that counts into stats_bins exactly as statsBinSql writes them", async () => {
    const files = fs.readdirSync(MIGRATIONS).filter((f) => f.endsWith(".sql"));
    let writes = 0;
    let expressions = 0;
    for (const file of files) {
      const sql = fs.readFileSync(path.join(MIGRATIONS, file), "utf8");
      writes += sql.match(/(INSERT INTO|UPDATE) `stats_bins`/g)?.length ?? 0;
      for (const [expression, column] of sql.matchAll(
        /min\(\d+, max\(0, cast\(\(((?:\w+\.)?`\w+`) [^)]*\) \/ [^)]* AS integer\)\)\)/g,
      )) {
        const metric = METRICS.find((m) => column!.endsWith(`\`${m}\``));
        expect(metric, `${file}: a bin expression over ${column}`).toBeDefined();
        expect(expression, file).toBe(statsBinSql(metric!, column!));
        expressions++;
      }
    }
    // Every statement that writes a bin computes it with one of those expressions.
    expect(writes).toBeGreaterThan(0);
    expect(expressions).toBe(writes);
  });

  describe("as the triggers count them", () => {
    const t = freshDbPerTest();

    async function countedBins(datasetId: number, metric: StatsHistogramMetric): Promise<number[]> {
      return (await statsHistogram(t.store, datasetId, metric)).map((b) => b.count);
    }

    function expectedBins(metric: StatsHistogramMetric, values: number[]): number[] {
      const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
      for (const v of values) counts[statsBin(metric, v)]!++;
      return counts;
    }

    it("match statsBin on every edge, when a prompt's stats are set, changed and deleted", async () => {
      const w = edgeValues("kendall_w");
      const tau = edgeValues("mean_tau_b");
      const { dataset, prompts } = await seedDataset(t.side, {
        promptCount: Math.max(w.length, tau.length),
        perPrompt: 2,
      });
      const datasetId = dataset.id;
      const setStats = async (ws: number[], taus: number[]) => {
        for (const [i, p] of prompts.entries())
          await t.side.update(
            "promptStats",
            { kendallW: ws[i] ?? null, meanTauB: taus[i] ?? null },
            { promptId: p.id },
          );
      };
      await setStats(w, tau);
      expect(await countedBins(datasetId, "kendall_w")).toEqual(expectedBins("kendall_w", w));
      expect(await countedBins(datasetId, "mean_tau_b")).toEqual(expectedBins("mean_tau_b", tau));

      // Moved: every value to the other end of its range, so each leaves its bin for another.
      const flippedW = w.map((v) => 1 - v);
      const flippedTau = tau.map((v) => -v);
      await setStats(flippedW, flippedTau);
      expect(await countedBins(datasetId, "kendall_w")).toEqual(expectedBins("kendall_w", flippedW));
      expect(await countedBins(datasetId, "mean_tau_b")).toEqual(expectedBins("mean_tau_b", flippedTau));

      await t.side.remove("promptStats", { datasetId });
      expect(await countedBins(datasetId, "kendall_w")).toEqual(new Array(HISTOGRAM_BINS).fill(0));
      expect(await countedBins(datasetId, "mean_tau_b")).toEqual(new Array(HISTOGRAM_BINS).fill(0));
    });
  });
});
