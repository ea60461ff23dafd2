/** The exact n-point optimum of max sum_{i<j} U(r_i - r_j) (docs/design.md), best first, as JSON. */
import { parseArgs } from "node:util";
import { UTILITY_NAMES, isUtilityName, optimalRewards } from "@/ml";

export const USAGE = `Usage: npm run cli -- theory [--utility ${UTILITY_NAMES.join("|")}] [--openness O | --gamma G]
       [--n 8] [--eps 0] [--groups 1,3,4]
Prints the exact optimum of max sum_{i<j} U(r_i - r_j) over 1 >= r_1 >= ... >= r_n >= 0, best first.
--openness O (0..1) for conditioned/adaptive; --gamma G (e.g. --gamma -0.5) for boxcox (conditioned
with --gamma is boxcox); --eps the utility's smoothing (0 = the paper's exact theory, 0.1 = training);
--groups tie-group sizes best first (tied responses share one reward; they must sum to n).`;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      utility: { type: "string", default: "conditioned" },
      gamma: { type: "string" },
      openness: { type: "string" },
      n: { type: "string" },
      eps: { type: "string", default: "0" },
      groups: { type: "string" },
      json: { type: "boolean", default: false },
    },
    strict: true,
  });
  const u = values.utility ?? "conditioned";
  if (!isUtilityName(u)) throw new Error(`--utility must be one of ${UTILITY_NAMES.join(", ")}`);
  const num = (name: string, s: string | undefined): number | undefined => {
    if (s === undefined) return undefined;
    const x = Number(s);
    if (!Number.isFinite(x)) throw new Error(`--${name} must be a number, got ${s}`);
    return x;
  };
  const openness = num("openness", values.openness);
  if (openness !== undefined && (openness < 0 || openness > 1)) throw new Error("--openness must be in [0, 1]");
  const gamma = num("gamma", values.gamma);
  if ((u === "conditioned" || u === "adaptive") && openness === undefined) {
    if (gamma === undefined) throw new Error(`--utility ${u} needs --openness O (or use --utility boxcox --gamma G)`);
  }
  if (u === "boxcox" && gamma === undefined) throw new Error("--utility boxcox needs --gamma G (gamma 0 is log)");
  const eps = num("eps", values.eps) ?? 0;
  if (eps < 0) throw new Error("--eps must be >= 0");
  // "conditioned --gamma G" is boxcox with that exponent
  const utility = u === "conditioned" && openness === undefined ? "boxcox" : u;
  const groups = values.groups?.split(",").map((g) => {
    const x = Number(g);
    if (!Number.isInteger(x) || x < 1) throw new Error(`--groups must be positive integers, got ${values.groups}`);
    return x;
  });
  const n = num("n", values.n) ?? groups?.reduce((a, b) => a + b, 0) ?? 8;
  if (!Number.isInteger(n) || n < 2 || n > 512) throw new Error("--n must be an integer from 2 to 512");
  const r = optimalRewards({ utility, n, openness, gamma, eps, groups }).map((x) => Math.round(x * 1e6) / 1e6);
  console.log(JSON.stringify(r));
}
