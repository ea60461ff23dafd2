/**
 * Agreement statistics for rankings with ties and for interval-scaled tags. Pure functions over
 * plain arrays (no database), so they are unit-tested against published worked examples.
 *
 * Rankings are groups of item ids, best group first; a group of more than one item is a tie.
 */

export type Groups<T = number> = readonly (readonly T[])[];

/** Each item's midrank (1 = best; tied items share the mean of the ranks they occupy). */
export function midranks<T>(groups: Groups<T>): Map<T, number> {
  const ranks = new Map<T, number>();
  let start = 1;
  for (const group of groups) {
    const rank = start + (group.length - 1) / 2;
    for (const item of group) ranks.set(item, rank);
    start += group.length;
  }
  return ranks;
}

/**
 * Kendall's coefficient of concordance W with the correction for ties:
 * W = 12 S / (m²(n³ − n) − m Σ T_j), T_j = Σ_groups (t³ − t) for rater j,
 * where S is the sum of squared deviations of the items' rank sums from their mean.
 * `ranks[j][i]` is rater j's (mid)rank of item i. Null when it is undefined
 * (fewer than two raters or items, or every rater tied everything).
 */
export function kendallW(ranks: readonly (readonly number[])[]): number | null {
  const m = ranks.length;
  const n = ranks[0]?.length ?? 0;
  if (m < 2 || n < 2) return null;
  const sums = new Array<number>(n).fill(0);
  let tieSum = 0;
  for (const rater of ranks) {
    if (rater.length !== n) throw new Error("Every rater must rank the same items.");
    rater.forEach((r, i) => (sums[i]! += r));
    const counts = new Map<number, number>();
    for (const r of rater) counts.set(r, (counts.get(r) ?? 0) + 1);
    for (const t of counts.values()) tieSum += t ** 3 - t;
  }
  const mean = sums.reduce((a, b) => a + b, 0) / n;
  const s = sums.reduce((acc, r) => acc + (r - mean) ** 2, 0);
  const denominator = m * m * (n ** 3 - n) - m * tieSum;
  if (denominator <= 0) return null;
  return (12 * s) / denominator;
}

/** How the pairs (i < j) of two paired score vectors compare: the counts tau-b and the Kendall distance share. */
export function pairCounts(x: readonly number[], y: readonly number[]) {
  if (x.length !== y.length) throw new Error("Kendall statistics need paired values.");
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  let tiedBoth = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      if (dx === 0 && dy === 0) tiedBoth++;
      if (dx !== 0 && dy !== 0) {
        if (dx === dy) concordant++;
        else discordant++;
      }
    }
  }
  return { pairs: (n * (n - 1)) / 2, concordant, discordant, tiedX, tiedY, tiedBoth };
}

/**
 * Kendall's tau-b between two paired score vectors (ties allowed in either):
 * (n_c − n_d) / sqrt((n_0 − n_1)(n_0 − n_2)). Null when either vector is constant.
 */
export function kendallTauB(x: readonly number[], y: readonly number[]): number | null {
  const { pairs, concordant, discordant, tiedX, tiedY } = pairCounts(x, y);
  const denominator = Math.sqrt((pairs - tiedX) * (pairs - tiedY));
  if (!(denominator > 0)) return null;
  return (concordant - discordant) / denominator;
}

/**
 * The normalised Kendall distance with ties (Fagin et al. 2006, K^(p) with p = 1/2): the share of
 * pairs ordered oppositely, a pair tied in one vector and ordered in the other counting half.
 * 0 is the same order (ties included), 1 the reverse of a strict order; a tie of everything
 * against any strict order is 1/2. Unlike tau-b it is defined when either side is all ties; null
 * only when there is no pair (fewer than two items).
 */
export function kendallDistance(x: readonly number[], y: readonly number[]): number | null {
  const { pairs, discordant, tiedX, tiedY, tiedBoth } = pairCounts(x, y);
  if (pairs === 0) return null;
  return (discordant + (tiedX + tiedY - 2 * tiedBoth) / 2) / pairs;
}

/** The midranks of the items two rankings share, paired: what the Kendall statistics of two rankings read. */
function pairedMidranks<T>(a: Groups<T>, b: Groups<T>): [number[], number[]] {
  const ra = midranks(a);
  const rb = midranks(b);
  const items = [...ra.keys()].filter((item) => rb.has(item));
  return [items.map((i) => ra.get(i)!), items.map((i) => rb.get(i)!)];
}

/** tau-b between two rankings (groups) of the same items. */
export function rankingTauB<T>(a: Groups<T>, b: Groups<T>): number | null {
  return kendallTauB(...pairedMidranks(a, b));
}

/** The normalised Kendall distance (kendallDistance) between two rankings (groups) of the same items. */
export function rankingDistance<T>(a: Groups<T>, b: Groups<T>): number | null {
  return kendallDistance(...pairedMidranks(a, b));
}

/** W over several rankings (groups) of the same items. */
export function rankingsW<T>(rankings: readonly Groups<T>[]): number | null {
  if (rankings.length < 2) return null;
  const items = [...midranks(rankings[0]!).keys()];
  const rankMaps = rankings.map((r) => midranks(r));
  return kendallW(rankMaps.map((ranks) => items.map((i) => ranks.get(i) ?? Number.NaN)));
}

/**
 * Borda consensus: items ordered by mean midrank over the rankings (best first); items with equal
 * mean rank form a tie group. Also returns each item's mean rank.
 */
export function bordaConsensus<T>(rankings: readonly Groups<T>[]): { groups: T[][]; meanRank: Map<T, number> } {
  const totals = new Map<T, number>();
  for (const ranking of rankings) {
    for (const [item, rank] of midranks(ranking)) totals.set(item, (totals.get(item) ?? 0) + rank);
  }
  const meanRank = new Map<T, number>([...totals].map(([item, total]) => [item, total / rankings.length]));
  const sorted = [...meanRank].sort((a, b) => a[1] - b[1]);
  const groups: T[][] = [];
  let previous = Number.NaN;
  for (const [item, rank] of sorted) {
    if (groups.length && Math.abs(rank - previous) < 1e-9) groups.at(-1)!.push(item);
    else groups.push([item]);
    previous = rank;
  }
  return { groups, meanRank };
}

/** Mean of tau-b over all pairs of rankings; null when no pair defines it. */
export function meanPairwiseTauB<T>(rankings: readonly Groups<T>[]): number | null {
  const values: number[] = [];
  for (let i = 0; i < rankings.length; i++) {
    for (let j = i + 1; j < rankings.length; j++) {
      const tau = rankingTauB(rankings[i]!, rankings[j]!);
      if (tau !== null) values.push(tau);
    }
  }
  return values.length ? mean(values) : null;
}

/**
 * Krippendorff's alpha with the interval metric δ² = (a − b)², any number of coders, missing
 * values allowed. `units[u]` holds the values coded for unit u (missing ones simply left out);
 * units with fewer than two values are not pairable and are ignored.
 * α = 1 − D_o / D_e (Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011).
 */
export function krippendorffAlphaInterval(units: readonly (readonly number[])[]): number | null {
  const pairable = units.filter((values) => values.length >= 2);
  const all = pairable.flat();
  const n = all.length;
  if (n < 2) return null;
  let observed = 0;
  for (const values of pairable) {
    let within = 0;
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < values.length; j++) within += (values[i]! - values[j]!) ** 2;
    }
    observed += within / (values.length - 1);
  }
  observed /= n;
  // Σ_{i≠j} (v_i − v_j)² = 2n Σ v² − 2 (Σ v)², computed in O(n).
  const sum = all.reduce((a, b) => a + b, 0);
  const sumSquares = all.reduce((a, b) => a + b * b, 0);
  const expected = (2 * n * sumSquares - 2 * sum * sum) / (n * (n - 1));
  if (!(expected > 0)) return null;
  return 1 - observed / expected;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Number of ordered (better, worse) pairs between different groups of a ranking. */
export function orderedPairCount(groups: Groups<unknown>): number {
  const total = groups.reduce((a, g) => a + g.length, 0);
  if (total < 2) return 0;
  const within = groups.reduce((a, g) => a + (g.length * (g.length - 1)) / 2, 0);
  return (total * (total - 1)) / 2 - within;
}
