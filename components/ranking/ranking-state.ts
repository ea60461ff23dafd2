/**
 * Pure operations on a ranking held as groups of response ids, best first (a group of several is
 * a tie). The board, its keyboard map and drag and drop all go through these, so ties behave the
 * same whichever way a card is moved.
 */
export type Groups = number[][];

export function singletons(ids: readonly number[]): Groups {
  return ids.map((id) => [id]);
}

export function flatten(groups: Groups): number[] {
  return groups.flat();
}

export function groupIndexOf(groups: Groups, id: number): number {
  return groups.findIndex((g) => g.includes(id));
}

/** Rank shown on a card: tied cards share one number (1, 2, 2, 3 …). */
export function rankOf(groups: Groups, id: number): number {
  return groupIndexOf(groups, id) + 1;
}

function without(groups: Groups, id: number): Groups {
  return groups.map((g) => g.filter((x) => x !== id)).filter((g) => g.length > 0);
}

/**
 * Moves a card one place up (-1) or down (+1). A tied card first steps out of its tie, to just
 * above or below the group; a card on its own swaps with the whole neighbouring group, so ties
 * between other cards are never broken by passing through them.
 */
export function moveCard(groups: Groups, id: number, direction: -1 | 1): Groups {
  const g = groupIndexOf(groups, id);
  if (g < 0) return groups;
  const group = groups[g]!;
  if (group.length > 1) {
    const rest = groups.slice();
    rest[g] = group.filter((x) => x !== id);
    rest.splice(direction < 0 ? g : g + 1, 0, [id]);
    return rest;
  }
  const target = g + direction;
  if (target < 0 || target >= groups.length) return groups;
  const next = groups.slice();
  [next[g], next[target]] = [next[target]!, next[g]!];
  return next;
}

/**
 * Toggles the tie between a card and the card right above it, without moving anything: tying
 * merges the two groups, untying splits the group at this card.
 */
export function toggleTieWithAbove(groups: Groups, id: number): Groups {
  const g = groupIndexOf(groups, id);
  if (g < 0) return groups;
  const group = groups[g]!;
  const at = group.indexOf(id);
  if (at > 0) return [...groups.slice(0, g), group.slice(0, at), group.slice(at), ...groups.slice(g + 1)];
  if (g === 0) return groups;
  return [...groups.slice(0, g - 1), [...groups[g - 1]!, ...group], ...groups.slice(g + 1)];
}

export function isTiedWithAbove(groups: Groups, id: number): boolean {
  const group = groups[groupIndexOf(groups, id)];
  return group !== undefined && group.indexOf(id) > 0;
}

/**
 * Puts a card at a position of the flat order (as drag and drop reports it). The card arrives on
 * its own; dropped inside a tie it lands just outside that tie, on the side it came from.
 */
export function moveToIndex(groups: Groups, id: number, index: number): Groups {
  const from = flatten(groups).indexOf(id);
  if (from < 0 || from === index) return groups;
  const rest = without(groups, id);
  let seen = 0;
  for (let g = 0; g < rest.length; g++) {
    const size = rest[g]!.length;
    if (index <= seen) return [...rest.slice(0, g), [id], ...rest.slice(g)];
    if (index < seen + size) {
      const at = index > from ? g + 1 : g;
      return [...rest.slice(0, at), [id], ...rest.slice(at)];
    }
    seen += size;
  }
  return [...rest, [id]];
}
