"use client";

import { useEffect, useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Kbd } from "@/components/ui/kbd";
import { Card, cardVariants } from "@/components/ui/card";
import { Markdown } from "@/components/markdown";
import { CommentField, NotRankableField } from "@/components/ranking/judgement-panel";
import { RestoredDraftNotice, StaleSubmitDialog } from "@/components/ranking/board-dialogs";
import { LEAVE_MESSAGE, useBoardDraft, useLeaveGuard } from "@/components/ranking/board-draft";
import { KeyMapDialog } from "@/components/ranking/key-map";
import { OpennessPicker } from "@/components/ranking/openness-picker";
import { PromptPanel } from "@/components/ranking/prompt-panel";
import type { RankingBoardProps } from "@/components/ranking/ranking-board";
import { useAnnotationSubmit } from "@/components/ranking/use-annotation-submit";
import { useHydrated } from "@/components/ranking/use-hydrated";
import {
  comparisonsLeft,
  decide,
  isComplete,
  nextComparison,
  placingOnLeft,
  startPairwise,
  type Verdict,
} from "@/components/pairwise/pairwise-state";
import { OPENNESS_LABELS, OPENNESS_SCALE, isOnOpennessScale, type Openness } from "@/lib/openness/scale";
import { cn } from "@/lib/utils";

export type PairwiseResponse = { id: number; label: string; text: string };

export type PairwiseBoardProps = Pick<
  RankingBoardProps,
  | "prompt"
  | "guidelines"
  | "mode"
  | "annotationId"
  | "afterSaveHref"
  | "cancelHref"
  | "draftKey"
  | "baseVersion"
  | "onDone"
> & {
  /**
   * In this annotator's (shuffled) display order, which is the order they are inserted in. Each
   * keeps its label by stored position (lib/annotations/labels.ts), the letter the researcher's
   * prompt page shows, so "B is wrong" in a comment names the same response there.
   */
  responses: PairwiseResponse[];
  initial?: { openness: number | null; comment: string | null };
};

type PairwiseDraft = {
  verdicts: Verdict[];
  openness: Openness | null;
  notRankable: boolean;
  reason: string;
  comment: string;
};

const VERDICTS: readonly unknown[] = ["placing", "tie", "placed"] satisfies Verdict[];

/** Whether a stored draft fits: answers this board can replay (no more than it can ask), and a judgement. */
function isPairwiseDraft(count: number) {
  return (draft: unknown): draft is PairwiseDraft => {
    if (typeof draft !== "object" || draft === null) return false;
    const d = draft as Partial<PairwiseDraft>;
    return (
      Array.isArray(d.verdicts) &&
      d.verdicts.length <= count * count &&
      d.verdicts.every((v) => VERDICTS.includes(v)) &&
      (d.openness === null || (typeof d.openness === "number" && isOnOpennessScale(d.openness))) &&
      typeof d.notRankable === "boolean" &&
      typeof d.reason === "string" &&
      typeof d.comment === "string"
    );
  };
}

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement && (target.type === "radio" || target.type === "checkbox")) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * Pairwise mode: two responses side by side, "left better / tie / right better" (← ↓ →), until
 * the answers order every response; then openness and submit, as one ordinary ranking.
 */
export function PairwiseBoard({
  prompt,
  responses,
  guidelines,
  initial,
  cancelHref,
  draftKey,
  baseVersion,
  onDone,
  ...target
}: PairwiseBoardProps) {
  const router = useRouter();
  const hydrated = useHydrated();
  const { mode, afterSaveHref } = target;
  const byId = new Map(responses.map((r) => [r.id, r]));
  const [pristine] = useState<PairwiseDraft>(() => ({
    verdicts: [],
    openness:
      initial?.openness !== null && initial?.openness !== undefined && isOnOpennessScale(initial.openness)
        ? initial.openness
        : null,
    notRankable: false,
    reason: "",
    comment: initial?.comment ?? "",
  }));
  // The answers are the board's state; the ranking is replayed from them, so a draft is just the answers.
  const [verdicts, setVerdicts] = useState<Verdict[]>(pristine.verdicts);
  const state = useMemo(
    () => verdicts.reduce(decide, startPairwise(responses.map((r) => r.id))),
    [verdicts, responses],
  );
  const [openness, setOpenness] = useState<Openness | null>(pristine.openness);
  const [notRankable, setNotRankable] = useState(pristine.notRankable);
  const [reason, setReason] = useState(pristine.reason);
  const [comment, setComment] = useState(pristine.comment);
  const [announcement, setAnnouncement] = useState("");
  const [keysOpen, setKeysOpen] = useState(false);
  const restoreAll = (d: PairwiseDraft) => {
    setVerdicts(d.verdicts);
    setOpenness(d.openness);
    setNotRankable(d.notRankable);
    setReason(d.reason);
    setComment(d.comment);
  };
  const draft = useBoardDraft<PairwiseDraft>({
    key: draftKey,
    value: { verdicts, openness, notRankable, reason, comment },
    pristine,
    accept: isPairwiseDraft(responses.length),
    restore: restoreAll,
  });
  const saving = useAnnotationSubmit({
    ...target,
    promptId: prompt.id,
    baseVersion,
    startedAt: draft.startedAt,
    clearDraft: draft.discard,
    onDone,
  });
  useLeaveGuard(draft.dirty && saving.pending === null, LEAVE_MESSAGE);
  const submitting = saving.pending !== null;
  const error = saving.error;

  const question = nextComparison(state);
  const done = isComplete(state);
  const leftId = question
    ? placingOnLeft(prompt.id, question.placing, question.against)
      ? question.placing
      : question.against
    : null;
  const rightId = question ? (leftId === question.placing ? question.against : question.placing) : null;
  const left = leftId === null ? null : byId.get(leftId)!;
  const right = rightId === null ? null : byId.get(rightId)!;
  const label = (id: number) => byId.get(id)?.label ?? "?";

  const answer = (side: "left" | "tie" | "right") => {
    if (!question || leftId === null) return;
    const verdict: Verdict =
      side === "tie" ? "tie" : (side === "left") === (leftId === question.placing) ? "placing" : "placed";
    setVerdicts((v) => [...v, verdict]);
    setAnnouncement(
      side === "tie"
        ? `${label(leftId)} and ${label(rightId!)} tied.`
        : `${label(side === "left" ? leftId : rightId!)} is better.`,
    );
  };
  const undo = () => {
    setVerdicts((v) => v.slice(0, -1));
    setAnnouncement("Last answer undone.");
  };

  const ready = notRankable ? reason.trim().length > 0 : done && openness !== null;

  const submit = () => {
    if (!ready) return;
    void saving.submit({
      ranking: notRankable ? [] : state.groups,
      openness,
      notRankable,
      notRankableReason: notRankable ? reason.trim() : null,
      comment: comment.trim() || null,
    });
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey) return;
      if (isTypingTarget(event.target)) return;
      if (event.key === "?") {
        event.preventDefault();
        setKeysOpen((open) => !open);
        return;
      }
      if (keysOpen || notRankable) return;
      if (event.shiftKey && /^Digit[1-5]$/.test(event.code)) {
        // ⇧1–5 tag openness, as on the ranking board (once the comparisons are done, when it is asked).
        if (!done) return;
        event.preventDefault();
        setOpenness(OPENNESS_SCALE[Number(event.code.slice(5)) - 1]!);
        return;
      }
      if (!done && (event.key === "ArrowLeft" || event.key === "a")) answer("left");
      else if (!done && (event.key === "ArrowRight" || event.key === "b")) answer("right");
      else if (!done && (event.key === "ArrowDown" || event.key === "t" || event.key === "=")) answer("tie");
      else if (event.key === "Backspace" || event.key === "u") undo();
      else if (event.key === "Enter" && done && !(event.target instanceof HTMLButtonElement)) submit();
      else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const left_ = comparisonsLeft(state);
  const comparing = !notRankable && !done && left !== null && right !== null;

  return (
    <div
      className={cn("space-y-4", comparing ? "pb-44 sm:pb-40" : "pb-24")}
      data-testid="pairwise-board"
      data-prompt-id={prompt.id}
      data-hydrated={hydrated}
    >
      {draft.restored && (
        <RestoredDraftNotice
          onDiscard={() => {
            draft.discard();
            restoreAll(pristine);
          }}
        />
      )}
      <PromptPanel text={prompt.text} messages={prompt.messages} guidelines={guidelines} />

      {comparing && left && right && (
        <section aria-labelledby="pw-question" data-testid="pairwise-question">
          <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
            <h2 id="pw-question" className="text-sm font-semibold text-slate-900">
              Which response is better? Response {left.label} or Response {right.label}
            </h2>
            <p className="text-xs text-slate-600" data-testid="pairwise-progress">
              Comparison {state.comparisons + 1} · at most {left_} to go
            </p>
          </div>
          <div className="grid gap-3 md:grid-cols-2">
            {[left, right].map((r, i) => (
              <article
                key={r.id}
                className={cardVariants({ padding: "sm", className: "min-w-0" })}
                aria-label={`Response ${r.label}`}
                data-testid={i === 0 ? "pairwise-left" : "pairwise-right"}
                data-response-id={r.id}
              >
                <p className="mb-2 text-xs font-semibold text-slate-600">
                  <span className="rounded bg-slate-800 px-1.5 py-0.5 text-white">{r.label}</span>{" "}
                  {i === 0 ? "left" : "right"}
                </p>
                <div className="max-h-[55vh] overflow-y-auto break-words text-sm text-slate-800">
                  <Markdown source={r.text} />
                </div>
              </article>
            ))}
          </div>
          <p className="mt-2 hidden text-xs text-slate-600 sm:block">
            Keys: ← left better, ↓ or t tie, → right better, Backspace undo, ? all keys.
          </p>
        </section>
      )}

      {(done || notRankable) && (
        <section aria-labelledby="pw-result" className={cardVariants({ className: "space-y-4" })}>
          {!notRankable && (
            <div>
              <h2 id="pw-result" className="text-sm font-semibold text-slate-900">
                Your ranking, from {state.comparisons} {state.comparisons === 1 ? "comparison" : "comparisons"}
              </h2>
              <ol className="mt-2 flex flex-wrap gap-2" data-testid="pairwise-result">
                {state.groups.map((g, i) => (
                  <li key={i} className="rounded-md bg-indigo-50 px-2 py-1 text-sm font-medium text-indigo-900">
                    {i + 1}. {g.map((id) => `Response ${label(id)}`).join(" = ")}
                  </li>
                ))}
              </ol>
            </div>
          )}
          {!notRankable && (
            <OpennessPicker
              value={openness}
              onChange={(v) => setOpenness(v)}
              invalid={error !== null && openness === null}
            />
          )}
          <CommentField value={comment} onChange={setComment} />
        </section>
      )}

      <Card padding="sm">
        <NotRankableField
          label="Cannot compare these responses"
          checked={notRankable}
          onCheckedChange={setNotRankable}
          reason={reason}
          onReasonChange={setReason}
        />
      </Card>

      <div aria-live="polite" className="sr-only" data-testid="announcer">
        {announcement}
      </div>

      <StaleSubmitDialog
        open={saving.stale !== null}
        editing={mode === "edit"}
        onKeepTheirs={saving.keepTheirs}
        onSeeTheirs={saving.seeTheirs}
      />

      <KeyMapDialog open={keysOpen} onClose={() => setKeysOpen(false)} count={responses.length} pairwise />

      <div className="fixed inset-x-0 bottom-0 z-30 border-t border-slate-200 bg-white/95 backdrop-blur">
        {comparing && left && right && (
          // In the fixed bar, not under the responses: on a phone both responses fill more than a
          // screen, and the answer must be reachable without scrolling past them for every comparison.
          <div
            className="mx-auto grid max-w-7xl grid-cols-3 gap-2 px-4 pt-3"
            role="group"
            aria-label="Your answer"
            data-testid="pairwise-choices"
          >
            <Button onClick={() => answer("left")} data-testid="pairwise-left-better">
              <span aria-hidden>←</span> {left.label} better
            </Button>
            <Button variant="secondary" onClick={() => answer("tie")} data-testid="pairwise-tie">
              Tie{" "}
              <span aria-hidden className="text-xs text-slate-500">
                ↓
              </span>
            </Button>
            <Button onClick={() => answer("right")} data-testid="pairwise-right-better">
              {right.label} better <span aria-hidden>→</span>
            </Button>
          </div>
        )}
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-2 px-4 py-3">
          <p className="min-w-0 flex-1 text-sm" aria-live="polite" data-testid="submit-status">
            {error ? (
              <span className="text-rose-700" role="alert" data-testid="submit-error">
                {error}
              </span>
            ) : ready ? (
              <span className="text-emerald-700">
                {notRankable ? "Ready to submit as not comparable" : `Ready: openness “${OPENNESS_LABELS[openness!]}”`}
              </span>
            ) : done ? (
              "To submit, tag the prompt's openness."
            ) : (
              "Answer the comparisons; your ranking builds itself."
            )}
          </p>
          <Button
            variant="ghost"
            className="hidden sm:inline-flex"
            onClick={() => setKeysOpen(true)}
            data-testid="open-key-map"
            aria-haspopup="dialog"
          >
            All keys <Kbd>?</Kbd>
          </Button>
          <Button
            variant="ghost"
            onClick={undo}
            disabled={verdicts.length === 0 || submitting}
            data-testid="pairwise-undo"
          >
            Undo
          </Button>
          {mode === "queue" ? (
            <Button variant="secondary" onClick={() => void saving.skip("")} disabled={submitting} data-testid="skip">
              Skip
            </Button>
          ) : (
            <Button variant="secondary" onClick={() => router.push(cancelHref ?? afterSaveHref)} disabled={submitting}>
              Cancel
            </Button>
          )}
          <Button
            onClick={submit}
            disabled={!ready || submitting}
            className={cn(!ready && "opacity-60")}
            data-testid="submit-annotation"
          >
            {submitting ? "Saving…" : mode === "edit" ? "Save changes" : "Submit"}
          </Button>
        </div>
      </div>
    </div>
  );
}
