"use client";

import { useEffect, useEffectEvent } from "react";
import { OPENNESS_SCALE, type Openness } from "@/lib/openness/scale";
import type { Ranking } from "@/components/ranking/use-ranking";

function isChoiceInput(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement && (target.type === "radio" || target.type === "checkbox");
}

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement) || isChoiceInput(target)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** Digits select the first nine places; further cards are reached with Tab (focus selects). */
export const DIGIT_PLACES = 9;

/**
 * The board's keyboard map (listed in key-map.tsx). Keys typed into a field, handled by a focused
 * button, a keyboard drag or an open dialog are left alone.
 */
export function useBoardKeys({
  ranking,
  enabled,
  rankingLocked,
  onOpenness,
  onSubmit,
  onToggleHelp,
}: {
  ranking: Ranking;
  /** False while a drag or a dialog has the keyboard. */
  enabled: boolean;
  /** Cannot-rank is ticked: the cards do not move. */
  rankingLocked: boolean;
  onOpenness: (point: Openness) => void;
  onSubmit: () => void;
  onToggleHelp: () => void;
}) {
  const onKey = useEffectEvent((event: KeyboardEvent) => {
    if (!enabled || event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey) return;
    if (isTypingTarget(event.target)) return;
    const target = event.target instanceof HTMLElement ? event.target : null;
    const onControl = Boolean(target?.closest("button, a, summary, [data-drag-handle]"));

    if (event.shiftKey && /^Digit[1-5]$/.test(event.code)) {
      event.preventDefault();
      onOpenness(OPENNESS_SCALE[Number(event.code.slice(5)) - 1]!);
      return;
    }
    if (event.key === "?") {
      event.preventDefault();
      onToggleHelp();
      return;
    }
    if (event.key === "Enter") {
      if (onControl) return;
      event.preventDefault();
      onSubmit();
      return;
    }
    if (event.key === "Escape") {
      ranking.select(null);
      return;
    }
    if (!event.shiftKey && /^[1-9]$/.test(event.key)) {
      if (rankingLocked) return;
      if (ranking.selectPlace(Number(event.key))) event.preventDefault();
      return;
    }
    // Arrows on a focused radio button move through the openness scale, as they should; the letter
    // keys still move cards (after a click on an openness option, focus stays on its radio button).
    const id = ranking.selected;
    if (id === null || rankingLocked) return;
    if (isChoiceInput(event.target) && event.key.startsWith("Arrow")) return;
    const onHandle = Boolean(target?.closest("[data-drag-handle]"));
    if (event.key === "ArrowUp" || event.key === "k") {
      if (onHandle && event.key === "ArrowUp") return;
      event.preventDefault();
      ranking.move(id, -1);
    } else if (event.key === "ArrowDown" || event.key === "j") {
      if (onHandle && event.key === "ArrowDown") return;
      event.preventDefault();
      ranking.move(id, 1);
    } else if (event.key === "t" || event.key === "=") {
      event.preventDefault();
      ranking.toggleTie(id);
    } else if (event.key === "e") {
      event.preventDefault();
      ranking.toggleExpanded(id);
    }
  });

  useEffect(() => {
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
