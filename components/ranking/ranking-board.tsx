"use client";

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import {
  DndContext,
  KeyboardSensor,
  PointerSensor,
  TouchSensor,
  closestCenter,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type Modifier,
} from "@dnd-kit/core";
import { SortableContext, sortableKeyboardCoordinates, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { Button } from "@/components/ui/button";
import { KeyMap, Kbd } from "@/components/ranking/key-map";
import { OpennessPicker } from "@/components/ranking/openness-picker";
import { Markdown } from "@/components/markdown";
import { ResponseCard } from "@/components/ranking/response-card";
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
import { OPENNESS_LABELS, OPENNESS_SCALE, isOnOpennessScale, type Openness } from "@/lib/openness/scale";
import { cn } from "@/lib/utils";

export type BoardResponse = { id: number; label: string; text: string };

export type RankingBoardProps = {
  prompt: { id: number; text: string };
  /** In display order (shuffled per prompt and annotator); labels A–H follow it. */
  responses: BoardResponse[];
  guidelines: string;
  /** "queue": a new annotation, then the next prompt; "edit": changes an earlier one. */
  mode: "queue" | "edit";
  annotationId?: number;
  initial?: {
    ranking: Groups;
    openness: number | null;
    notRankable: boolean;
    notRankableReason: string | null;
    comment: string | null;
  };
  /** Where to go after saving (edit mode) or which dataset's queue to reload (queue mode). */
  afterSaveHref: string;
  /** Edit mode: where Cancel leaves to, without saving. */
  cancelHref?: string;
};

const textareaClass =
  "mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30";

const onlyVertical: Modifier = ({ transform }) => ({ ...transform, x: 0 });

function isChoiceInput(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement && (target.type === "radio" || target.type === "checkbox");
}

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement) || isChoiceInput(target)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** The ranking workspace: prompt, sortable response cards, openness, cannot-rank, comment, submit. */
export function RankingBoard({
  prompt,
  responses,
  guidelines,
  mode,
  annotationId,
  initial,
  afterSaveHref,
  cancelHref,
}: RankingBoardProps) {
  const router = useRouter();
  const byId = useMemo(() => new Map(responses.map((r) => [r.id, r])), [responses]);
  const [groups, setGroups] = useState<Groups>(() =>
    initial?.ranking.length ? initial.ranking : singletons(responses.map((r) => r.id)),
  );
  const [selected, setSelected] = useState<number | null>(null);
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());
  const [openness, setOpenness] = useState<Openness | null>(() =>
    initial?.openness !== null && initial?.openness !== undefined && isOnOpennessScale(initial.openness)
      ? initial.openness
      : null,
  );
  const [notRankable, setNotRankable] = useState(initial?.notRankable ?? false);
  const [reason, setReason] = useState(initial?.notRankableReason ?? "");
  const [comment, setComment] = useState(initial?.comment ?? "");
  const [helpOpen, setHelpOpen] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [skipping, setSkipping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState("");
  const [touched, setTouched] = useState(false);
  const startedAt = useRef<number | null>(null);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => {
    startedAt.current = Date.now();
    setHydrated(true);
  }, []);

  const order = flatten(groups);
  const name = (id: number) => `Response ${byId.get(id)?.label ?? id}`;

  const missing: string[] = [];
  if (notRankable) {
    if (!reason.trim()) missing.push("say why the responses cannot be ranked");
  } else if (openness === null) {
    missing.push("tag the prompt's openness");
  }
  const ready = missing.length === 0;

  const describePlace = useCallback(
    (next: Groups, id: number) => {
      const rank = rankOf(next, id);
      const group = next[groupIndexOf(next, id)] ?? [];
      const others = group.filter((x) => x !== id).map(name);
      return `${name(id)} is now rank ${rank} of ${next.length}${others.length ? `, tied with ${others.join(" and ")}` : ""}.`;
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [byId],
  );

  const apply = useCallback(
    (next: Groups, id: number) => {
      setGroups(next);
      setAnnouncement(describePlace(next, id));
    },
    [describePlace],
  );

  const move = (id: number, direction: -1 | 1) => {
    const next = moveCard(groups, id, direction);
    if (next !== groups) apply(next, id);
    setSelected(id);
  };
  const toggleTie = (id: number) => {
    const next = toggleTieWithAbove(groups, id);
    if (next === groups) return;
    setGroups(next);
    setSelected(id);
    const tied = isTiedWithAbove(next, id);
    setAnnouncement(tied ? `${describePlace(next, id)}` : `${name(id)} untied. ${describePlace(next, id)}`);
  };
  const toggleExpanded = (id: number) =>
    setExpanded((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const submit = useCallback(async () => {
    setTouched(true);
    if (!ready || submitting) return;
    setSubmitting(true);
    setError(null);
    const body = {
      ranking: notRankable ? [] : groups,
      openness,
      notRankable,
      notRankableReason: notRankable ? reason.trim() : null,
      comment: comment.trim() || null,
      durationMs: startedAt.current === null ? null : Math.max(0, Date.now() - startedAt.current),
    };
    try {
      const response =
        mode === "edit"
          ? await fetch(`/api/annotations/${annotationId}`, {
              method: "PUT",
              headers: { "content-type": "application/json" },
              body: JSON.stringify(body),
            })
          : await fetch("/api/annotations", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ promptId: prompt.id, ...body }),
            });
      if (!response.ok) {
        const data = (await response.json().catch(() => null)) as { error?: string } | null;
        setError(data?.error ?? `Saving failed (HTTP ${response.status}). Try again.`);
        setSubmitting(false);
        return;
      }
      setAnnouncement("Saved.");
      router.replace(afterSaveHref);
      router.refresh();
    } catch {
      setError("Could not reach the server. Your ranking is still here; try again.");
      setSubmitting(false);
    }
  }, [
    ready,
    submitting,
    notRankable,
    groups,
    openness,
    reason,
    comment,
    mode,
    annotationId,
    prompt.id,
    router,
    afterSaveHref,
  ]);

  const skip = async () => {
    setSkipping(true);
    setError(null);
    const response = await fetch("/api/queue/skip", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ promptId: prompt.id }),
    }).catch(() => null);
    if (!response?.ok) {
      setError("Could not skip this prompt. Try again.");
      setSkipping(false);
      return;
    }
    router.refresh();
  };

  // The keyboard map. Keys typed into a field, or handled by a focused button or a keyboard drag,
  // are left alone.
  const stateRef = useRef({ groups, selected, order, submit, move, toggleTie, toggleExpanded, dragging, notRankable });
  stateRef.current = { groups, selected, order, submit, move, toggleTie, toggleExpanded, dragging, notRankable };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const s = stateRef.current;
      if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey) return;
      if (isTypingTarget(event.target) || s.dragging) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      const onControl = Boolean(target?.closest("button, a, [data-drag-handle]"));

      if (event.shiftKey && /^Digit[1-5]$/.test(event.code)) {
        const point = OPENNESS_SCALE[Number(event.code.slice(5)) - 1]!;
        event.preventDefault();
        setOpenness(point);
        setAnnouncement(`Openness: ${OPENNESS_LABELS[point]}.`);
        return;
      }
      if (event.key === "?") {
        event.preventDefault();
        setHelpOpen((o) => !o);
        return;
      }
      if (event.key === "Enter") {
        if (onControl) return;
        event.preventDefault();
        void s.submit();
        return;
      }
      if (event.key === "Escape") {
        setSelected(null);
        return;
      }
      if (!event.shiftKey && /^[1-9]$/.test(event.key)) {
        const id = s.order[Number(event.key) - 1];
        if (id === undefined || s.notRankable) return;
        event.preventDefault();
        setSelected(id);
        setAnnouncement(`Selected ${name(id)}, rank ${rankOf(s.groups, id)}.`);
        document.querySelector(`[data-response-id="${id}"]`)?.scrollIntoView({ block: "nearest", behavior: "smooth" });
        return;
      }
      // Arrows on a focused radio button move through the openness scale, as they should.
      if (s.selected === null || s.notRankable || isChoiceInput(event.target)) return;
      const id = s.selected;
      if (event.key === "ArrowUp" || event.key === "k") {
        if (onControl && event.key === "ArrowUp" && target?.closest("[data-drag-handle]")) return;
        event.preventDefault();
        s.move(id, -1);
      } else if (event.key === "ArrowDown" || event.key === "j") {
        if (onControl && event.key === "ArrowDown" && target?.closest("[data-drag-handle]")) return;
        event.preventDefault();
        s.move(id, 1);
      } else if (event.key === "t" || event.key === "=") {
        event.preventDefault();
        s.toggleTie(id);
      } else if (event.key === "e") {
        event.preventDefault();
        s.toggleExpanded(id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Keep the selected card in view as it moves.
  useEffect(() => {
    if (selected === null) return;
    document
      .querySelector(`[data-response-id="${selected}"]`)
      ?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }, [groups, selected]);

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 8 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 150, tolerance: 8 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const onDragEnd = (event: DragEndEvent) => {
    setDragging(false);
    const id = Number(event.active.id);
    if (!event.over) return;
    const to = order.indexOf(Number(event.over.id));
    if (to < 0 || event.active.id === event.over.id) return;
    apply(moveToIndex(groups, id, to), id);
    setSelected(id);
  };

  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${name(Number(active.id))}, rank ${rankOf(groups, Number(active.id))}.`,
    onDragOver: ({ active, over }) =>
      over ? `${name(Number(active.id))} is over place ${order.indexOf(Number(over.id)) + 1}.` : undefined,
    onDragEnd: ({ active, over }) =>
      over
        ? `Dropped ${name(Number(active.id))} at place ${order.indexOf(Number(over.id)) + 1}.`
        : `Dropped ${name(Number(active.id))}.`,
    onDragCancel: ({ active }) => `Moving ${name(Number(active.id))} was cancelled.`,
  };

  return (
    <div className="pb-28" data-testid="ranking-board" data-prompt-id={prompt.id} data-hydrated={hydrated}>
      <div className="flex flex-col gap-5 lg:grid lg:grid-cols-[minmax(0,5fr)_minmax(0,7fr)] lg:items-start lg:gap-6">
        <div className="contents lg:sticky lg:top-20 lg:flex lg:max-h-[calc(100vh-11rem)] lg:flex-col lg:gap-4 lg:overflow-y-auto lg:pr-1">
          <section
            aria-labelledby="prompt-title"
            className="order-1 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5"
          >
            <h2 id="prompt-title" className="text-xs font-semibold uppercase tracking-wide text-indigo-600">
              Prompt
            </h2>
            <p
              data-testid="prompt-text"
              className="mt-2 whitespace-pre-wrap break-words text-base leading-relaxed text-slate-900 sm:text-lg"
            >
              {prompt.text}
            </p>
            {guidelines.trim() && (
              <details className="group mt-4 rounded-lg bg-slate-50 text-sm" data-testid="guidelines">
                <summary className="cursor-pointer select-none rounded-lg px-3 py-2 font-medium text-slate-700 hover:bg-slate-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500">
                  Guidelines
                </summary>
                <Markdown source={guidelines} className="max-h-72 overflow-y-auto px-3 pb-3" />
              </details>
            )}
          </section>

          <section
            aria-label="Your judgement"
            className="order-3 flex flex-col gap-4 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5"
          >
            <OpennessPicker
              value={openness}
              onChange={(v) => setOpenness(v)}
              invalid={touched && !notRankable && openness === null}
            />
            <div className="border-t border-slate-100 pt-4">
              <label className="flex items-center gap-2 text-sm font-medium text-slate-800">
                <input
                  type="checkbox"
                  checked={notRankable}
                  onChange={(e) => setNotRankable(e.target.checked)}
                  className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus-visible:ring-2 focus-visible:ring-indigo-500"
                  data-testid="not-rankable"
                />
                Cannot rank these responses
              </label>
              {notRankable && (
                <div className="mt-2">
                  <label htmlFor="not-rankable-reason" className="text-xs font-medium text-slate-600">
                    Why not? <span className="text-rose-600">(required)</span>
                  </label>
                  <textarea
                    id="not-rankable-reason"
                    value={reason}
                    onChange={(e) => setReason(e.target.value)}
                    rows={2}
                    placeholder="e.g. the responses are identical, or the prompt is unsafe"
                    className={textareaClass}
                    data-testid="not-rankable-reason"
                  />
                </div>
              )}
            </div>
            <div>
              <label htmlFor="annotation-comment" className="text-sm font-medium text-slate-800">
                Comment <span className="font-normal text-slate-400">(optional)</span>
              </label>
              <textarea
                id="annotation-comment"
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                rows={2}
                placeholder="Anything the researchers should know"
                className={textareaClass}
                data-testid="comment"
              />
            </div>
          </section>

          <div className="order-4">
            <KeyMap open={helpOpen} onClose={() => setHelpOpen(false)} />
          </div>
        </div>

        <section aria-labelledby="ranking-title" className="order-2 lg:order-none">
          <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
            <h2 id="ranking-title" className="text-sm font-semibold text-slate-900">
              Rank the responses, best first
            </h2>
            <p className="hidden text-xs text-slate-500 sm:block">
              Drag the handle, use the arrows, or press <Kbd>1</Kbd>–<Kbd>8</Kbd> then <Kbd>↑</Kbd>
              <Kbd>↓</Kbd> · <Kbd>t</Kbd> ties
            </p>
            <p className="text-xs text-slate-500 sm:hidden">
              Drag a card by its handle, or use its arrows; “=” ties it with the card above.
            </p>
          </div>
          <DndContext
            sensors={sensors}
            collisionDetection={closestCenter}
            modifiers={[onlyVertical]}
            accessibility={{ announcements }}
            onDragStart={() => setDragging(true)}
            onDragCancel={() => setDragging(false)}
            onDragEnd={onDragEnd}
          >
            <SortableContext items={order} strategy={verticalListSortingStrategy}>
              <ol
                className={cn("list-none", notRankable && "pointer-events-none")}
                data-testid="ranking-list"
                aria-label="Responses in ranked order"
              >
                {order.map((id, position) => {
                  const response = byId.get(id)!;
                  const g = groupIndexOf(groups, id);
                  const group = groups[g]!;
                  return (
                    <ResponseCard
                      key={id}
                      id={id}
                      label={response.label}
                      text={response.text}
                      rank={g + 1}
                      position={position + 1}
                      tiedAbove={group.indexOf(id) > 0}
                      tiedBelow={group.indexOf(id) < group.length - 1}
                      selected={selected === id}
                      expanded={expanded.has(id)}
                      disabled={notRankable}
                      isFirst={position === 0}
                      isLast={position === order.length - 1}
                      onSelect={() => setSelected(id)}
                      onToggleExpanded={() => toggleExpanded(id)}
                      onMove={(d) => move(id, d)}
                      onToggleTie={() => toggleTie(id)}
                    />
                  );
                })}
              </ol>
            </SortableContext>
          </DndContext>
        </section>
      </div>

      <div aria-live="polite" aria-atomic="true" className="sr-only" data-testid="announcer">
        {announcement}
      </div>

      <div className="fixed inset-x-0 bottom-0 z-30 border-t border-slate-200 bg-white/95 shadow-[0_-4px_16px_rgba(15,23,42,0.06)] backdrop-blur">
        <div className="mx-auto flex max-w-7xl items-center gap-3 px-4 py-3">
          <div className="min-w-0 flex-1 text-sm" aria-live="polite" id="submit-status" data-testid="submit-status">
            {error ? (
              <span className="text-rose-700" role="alert" data-testid="submit-error">
                {error}
              </span>
            ) : ready ? (
              <span className="text-emerald-700">
                {notRankable
                  ? "Ready to submit as not rankable"
                  : `Ready: ${groups.length} ranks, openness “${OPENNESS_LABELS[openness!]}”`}
                <span className="hidden text-slate-500 sm:inline"> · press Enter</span>
              </span>
            ) : (
              <span className={cn(touched ? "text-rose-700" : "text-slate-600")}>
                To submit, {missing.join(" and ")}.
              </span>
            )}
          </div>
          <p className="hidden shrink-0 items-center gap-1.5 text-xs text-slate-500 lg:flex" aria-hidden>
            <Kbd>1</Kbd>–<Kbd>8</Kbd> select <Kbd>↑</Kbd>
            <Kbd>↓</Kbd> move <Kbd>t</Kbd> tie <Kbd>⇧1</Kbd>–<Kbd>⇧5</Kbd> openness <Kbd>?</Kbd> all keys
          </p>
          <button
            type="button"
            onClick={() => setHelpOpen((o) => !o)}
            className="hidden rounded-md px-2 py-1 text-sm text-slate-500 hover:bg-slate-100 hover:text-slate-800 sm:inline-flex lg:hidden"
            aria-expanded={helpOpen}
          >
            Keys <Kbd className="ml-1">?</Kbd>
          </button>
          {mode === "queue" ? (
            <Button variant="secondary" onClick={skip} disabled={skipping || submitting} data-testid="skip">
              Skip
            </Button>
          ) : (
            <Button
              variant="secondary"
              onClick={() => router.push(cancelHref ?? afterSaveHref)}
              disabled={submitting}
              data-testid="cancel-edit"
            >
              Cancel
            </Button>
          )}
          <Button
            onClick={() => void submit()}
            disabled={submitting}
            aria-disabled={!ready}
            aria-describedby="submit-status"
            className={cn(!ready && "bg-indigo-300 hover:bg-indigo-300")}
            data-testid="submit-annotation"
          >
            {submitting ? "Saving…" : mode === "edit" ? "Save changes" : "Submit"}
          </Button>
        </div>
      </div>
    </div>
  );
}
