/**
 * Writes clients/python/tests/utility-grid.json: Octorank's utilities (ml/utility.ts) on a shared
 * grid, the test values both implementations are checked against (the Python package's
 * OpennessRewardTrainer by pytest, this code by scripts/utility-grid.test.ts). Run it after changing
 * the utility: `npx tsx scripts/utility-grid.ts`.
 */
import fs from "node:fs";
import path from "node:path";
import { format, resolveConfig } from "prettier";
import { DEFAULT_EPS, UTILITY_NAMES, type UtilityName, utility, utilityDerivative, utilityGamma } from "../ml";

export const GRID_FILE = path.join(__dirname, "..", "clients", "python", "tests", "utility-grid.json");

/** Reward differences r_better - r_worse (rewards are sigmoids, so |x| < 1), both signs and 0. */
const X = [-0.999, -0.7, -0.31, -0.05, -1e-4, 0, 1e-7, 1e-4, 0.003, 0.05, 0.2, 0.5, 0.77, 0.999];
/** Around 0.5 on both sides of |1 - 2o| = 1e-6, where an exponent is taken as 0 (ml/utility.ts). */
const OPENNESS = [0, 0.1, 0.25, 0.4999, 0.4999994, 0.4999996, 0.5, 0.5000001, 0.5000004, 0.5000006, 0.6, 0.75, 0.9, 1];
const EPS = [DEFAULT_EPS, 0.01, 0.5];
/** Both sides of |g| = 1e-6, where an exponent is taken as 0. */
const GAMMAS = [-2, -1, -0.5, -1.01e-6, -9.9e-7, -1e-7, 0, 9.9e-7, 1.01e-6, 0.3, 1, 1.5];
/** Score pairs (chosen, rejected): the trainer's per-pair loss -U(sigmoid(chosen) - sigmoid(rejected)). */
const SCORES: [number, number][] = [
  [0, 0],
  [2, -1],
  [-1, 2],
  [0.1, 0.0999],
  [8, -8],
  [-8, 8],
  [30, 29],
];

export type GridCase = {
  utility: UtilityName;
  openness: number | null;
  gamma: number | null;
  eps: number;
  /** The Box-Cox exponent the utility takes for this case (null for logsigmoid). */
  boxcoxGamma: number | null;
  x: number[];
  u: number[];
  du: number[];
  scores: { chosen: number; rejected: number; loss: number }[];
};

const sigmoid = (s: number) => 1 / (1 + Math.exp(-s));

function gridCase(name: UtilityName, openness: number | null, gamma: number | null, eps: number): GridCase {
  const p = { openness: openness ?? undefined, gamma: gamma ?? undefined, eps };
  return {
    utility: name,
    openness,
    gamma,
    eps,
    boxcoxGamma: utilityGamma(name, p),
    x: X,
    u: X.map((x) => utility(name, x, p)),
    du: X.map((x) => utilityDerivative(name, x, p)),
    scores: SCORES.map(([chosen, rejected]) => ({
      chosen,
      rejected,
      loss: -utility(name, sigmoid(chosen) - sigmoid(rejected), p),
    })),
  };
}

export function utilityGrid(): { cases: GridCase[] } {
  const cases: GridCase[] = [];
  for (const eps of EPS)
    for (const name of UTILITY_NAMES) {
      if (name === "conditioned" || name === "adaptive")
        for (const o of OPENNESS) cases.push(gridCase(name, o, null, eps));
      else if (name === "boxcox") for (const g of GAMMAS) cases.push(gridCase(name, null, g, eps));
      else cases.push(gridCase(name, null, null, eps));
    }
  return { cases };
}

async function main(): Promise<void> {
  // Written as the repository's formatter writes it, so `prettier --check` passes on the fresh file.
  const options = { ...(await resolveConfig(GRID_FILE)), filepath: GRID_FILE };
  fs.writeFileSync(GRID_FILE, await format(JSON.stringify(utilityGrid()), options));
  console.log(`Wrote ${path.relative(process.cwd(), GRID_FILE)}`);
}

if (require.main === module) void main();
