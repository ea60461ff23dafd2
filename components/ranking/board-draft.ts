"use client";

import { useEffect, useRef, useState } from "react";

export const LEAVE_MESSAGE =
  "You have not submitted this prompt. Leave anyway? Your work so far stays as a draft in this browser.";

/** A board's unsubmitted work, kept in this browser's localStorage (key: draft-key.ts). */
type Stored<T> = { savedAt: number; startedAt: number; value: T };

function read<T>(key: string): Stored<T> | null {
  try {
    const text = window.localStorage.getItem(key);
    return text ? (JSON.parse(text) as Stored<T>) : null;
  } catch {
    return null;
  }
}

export function clearDraft(key: string): void {
  try {
    window.localStorage.removeItem(key);
  } catch {
    // Storage refused (private mode, quota): there is nothing to clear.
  }
}

/**
 * Keeps `value` as the draft under `key` whenever it differs from `pristine` (what the board opened
 * with), and offers a stored draft back once after mounting: `restore` gets it when `accept` finds
 * it still fits the board (the same responses). Returns whether a draft was restored, when the work
 * started (a restored draft keeps its first start, so a reload does not make the annotation look
 * fast), whether there is unsaved work, and `discard`.
 */
export function useBoardDraft<T>({
  key,
  value,
  pristine,
  accept,
  restore,
}: {
  key: string;
  value: T;
  pristine: T;
  accept: (draft: unknown) => draft is T;
  restore: (draft: T) => void;
}) {
  const [restored, setRestored] = useState(false);
  const startedAt = useRef<number | null>(null);
  const [pristineText, setPristineText] = useState(() => JSON.stringify(pristine));
  const dirty = JSON.stringify(value) !== pristineText;

  useEffect(() => {
    const stored = read<unknown>(key);
    startedAt.current = stored?.startedAt ?? Date.now();
    if (stored && accept(stored.value) && JSON.stringify(stored.value) !== pristineText) {
      restore(stored.value);
      // localStorage is read after mounting (the server render has none), so this is an effect's state.
      // eslint-disable-next-line react-hooks/set-state-in-effect
      setRestored(true);
    } else if (stored) {
      clearDraft(key);
    }
    // Once per board: a draft is offered back when the board opens, not on every change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  useEffect(() => {
    // Runs after the read above on mounting; until a restored draft renders, it sees the pristine
    // value and clears the key, and the restored value's render writes it back.
    if (!dirty) {
      clearDraft(key);
      return;
    }
    try {
      const stored: Stored<T> = { savedAt: Date.now(), startedAt: startedAt.current ?? Date.now(), value };
      window.localStorage.setItem(key, JSON.stringify(stored));
    } catch {
      // Storage full or refused: the leave warning still guards the work on screen.
    }
  }, [key, value, dirty]);

  return {
    restored,
    dirty,
    /** When the annotator first opened this board (epoch ms), across reloads while a draft is kept. */
    startedAt: () => startedAt.current ?? Date.now(),
    /** Forgets the draft; what is on the board now counts as unchanged (nothing to warn about). */
    discard() {
      clearDraft(key);
      setPristineText(JSON.stringify(value));
      setRestored(false);
    },
  };
}

/**
 * Asks before the page is left with unsaved work: the browser's own prompt for a reload, closing
 * the tab or typing an address, and a confirm for a click on a link of the app (client-side
 * navigation never fires beforeunload). Back is not asked about: the draft survives it.
 */
export function useLeaveGuard(active: boolean, message: string): void {
  useEffect(() => {
    if (!active) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older Chromium needs returnValue set to show the prompt.
      event.returnValue = message;
    };
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!(link instanceof HTMLAnchorElement) || link.target === "_blank" || link.hasAttribute("download")) return;
      const url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin) return;
      if (url.pathname === window.location.pathname && url.search === window.location.search) return;
      if (!window.confirm(message)) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      document.removeEventListener("click", onClick, true);
    };
  }, [active, message]);
}
