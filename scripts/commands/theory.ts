/**
 * `npm run cli -- theory --utility <name> [--gamma G | --openness O] [--n 8] [--eps 0] [--json]`:
 * the exact n-point optimum of max sum_{i<j} U(r_i - r_j) (DESIGN §1), best first, as JSON.
 */
import { parseArgs } from "node:util";
import { UTILITY_NAMES, isUtilityName, optimalRewards } from "../../ml";

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      utility: { type: "string", default: "conditioned" },
      gamma: { type: "string" },
      openness: { type: "string" },
      n: { type: "string", default: "8" },
      eps: { type: "string", default: "0" },
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
  const n = num("n", values.n) ?? 8;
  if (!Number.isInteger(n) || n < 2 || n > 512) throw new Error("--n must be an integer from 2 to 512");
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
  const r = optimalRewards({ utility, n, openness, gamma, eps }).map((x) => Math.round(x * 1e6) / 1e6);
  console.log(JSON.stringify(r));
}
