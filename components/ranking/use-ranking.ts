"use client";

import { useMemo, useState } from "react";
import {
  flatten,
  groupIndexOf,
  isTiedWithAbove,
  moveCard,
  moveToIndex,
  rankOf,
  singletons,
  toggleTieWithAbove,
  type Groups,
} from "@/components/ranking/ranking-state";

export type BoardResponse = { id: number; label: string; text: string };

/**
 * The ranking being built: groups, the selected and expanded cards, and the sentence a screen
 * reader hears after each change. Every change goes through ranking-state's pure operations.
 */
export function useRanking(responses: BoardResponse[], initialRanking?: Groups) {
  const byId = useMemo(() => new Map(responses.map((r) => [r.id, r])), [responses]);
  const [opening] = useState<Groups>(() =>
    initialRanking?.length ? initialRanking : singletons(responses.map((r) => r.id)),
  );
  const [groups, setGroups] = useState<Groups>(opening);
  const [selected, setSelected] = useState<number | null>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(() => new Set());
  const [announcement, setAnnouncement] = useState("");

  const order = flatten(groups);
  const name = (id: number) => `Response ${byId.get(id)?.label ?? id}`;
  const describePlace = (next: Groups, id: number) => {
    const group = next[groupIndexOf(next, id)] ?? [];
    const others = group.filter((x) => x !== id).map(name);
    return `${name(id)} is now rank ${rankOf(next, id)} of ${next.length}${others.length ? `, tied with ${others.join(" and ")}` : ""}.`;
  };
  const select = (id: number | null) => {
    setSelected(id);
    if (id !== null) setAnnouncement(`Selected ${name(id)}, rank ${rankOf(groups, id)}.`);
  };
  const apply = (next: Groups, id: number, prefix = "") => {
    setSelected(id);
    if (next === groups) return;
    setGroups(next);
    setAnnouncement(prefix + describePlace(next, id));
  };

  return {
    byId,
    groups,
    order,
    selected,
    expanded,
    announcement,
    name,
    /** Nothing moved or tied since the board opened: the order is still the one it opened with. */
    untouched: JSON.stringify(groups) === JSON.stringify(opening),
    announce: setAnnouncement,
    /** Puts back a whole ranking (a restored draft, or starting over). */
    replace: (next: Groups) => setGroups(next),
    select,
    /** Selects the card at a place of the order (1 is the top); false when there is none. */
    selectPlace(place: number): boolean {
      const id = order[place - 1];
      if (id === undefined) return false;
      select(id);
      return true;
    },
    move: (id: number, direction: -1 | 1) => apply(moveCard(groups, id, direction), id),
    moveTo: (id: number, index: number) => apply(moveToIndex(groups, id, index), id),
    toggleTie(id: number) {
      const next = toggleTieWithAbove(groups, id);
      apply(next, id, isTiedWithAbove(next, id) ? "" : `${name(id)} untied. `);
    },
    toggleExpanded: (id: number) =>
      setExpanded((s) => {
        const n = new Set(s);
        if (n.has(id)) n.delete(id);
        else n.add(id);
        return n;
      }),
    rankOf: (id: number) => rankOf(groups, id),
  };
}

export type Ranking = ReturnType<typeof useRanking>;
