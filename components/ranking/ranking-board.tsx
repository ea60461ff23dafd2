"use client";

import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { BoardFooter } from "@/components/ranking/board-footer";
import {
  RestoredDraftNotice,
  SkipDialog,
  StaleSubmitDialog,
  SuggestionNotice,
  UntouchedOrderDialog,
} from "@/components/ranking/board-dialogs";
import { LEAVE_MESSAGE, useBoardDraft, useLeaveGuard } from "@/components/ranking/board-draft";
import { JudgementPanel, type Judgement } from "@/components/ranking/judgement-panel";
import { KeyMapDialog } from "@/components/ranking/key-map";
import { Kbd } from "@/components/ui/kbd";
import { PromptPanel } from "@/components/ranking/prompt-panel";
import type { ChatMessage } from "@/lib/datasets/conversation";
import type { Suggestion } from "@/lib/annotations/suggestions";
import { RankingList } from "@/components/ranking/ranking-list";
import type { Groups } from "@/components/ranking/ranking-state";
import { useAnnotationSubmit, type BoardOutcome } from "@/components/ranking/use-annotation-submit";
import { useBoardKeys } from "@/components/ranking/use-board-keys";
import { useHydrated } from "@/components/ranking/use-hydrated";
import { useRanking, type BoardResponse } from "@/components/ranking/use-ranking";
import { OPENNESS_LABELS, isOnOpennessScale } from "@/lib/openness/scale";

export type { BoardResponse };

export type RankingBoardProps = {
  prompt: { id: number; text: string; messages?: ChatMessage[] | null };
  /** In display order (shuffled per prompt and annotator); each keeps its own label. */
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
  /** Where this board's unsubmitted work is kept in the browser (board-draft.ts). */
  draftKey: string;
  /** The version the board opened on: null for a new annotation, else the annotation's updatedAt (ms). */
  baseVersion: number | null;
  /** The queue's hand-over to its next (prefetched) prompt, instead of navigating to afterSaveHref. */
  onDone?: (outcome: BoardOutcome) => void;
  /** A new annotation's board starts from this model's order, marked as a suggestion. */
  suggestion?: Suggestion | null;
};

type RankingDraft = { groups: Groups; judgement: Judgement };

/** Whether a stored draft still fits this board: the same responses, each once, and a judgement. */
function isRankingDraft(responses: BoardResponse[]) {
  const ids = responses.map((r) => r.id).sort((a, b) => a - b);
  return (draft: unknown): draft is RankingDraft => {
    if (typeof draft !== "object" || draft === null) return false;
    const { groups, judgement } = draft as Partial<RankingDraft>;
    if (!Array.isArray(groups) || !groups.every((g) => Array.isArray(g) && g.length > 0)) return false;
    const flat = groups
      .flat()
      .slice()
      .sort((a, b) => a - b);
    if (flat.length !== ids.length || flat.some((id, i) => id !== ids[i])) return false;
    return (
      typeof judgement === "object" &&
      judgement !== null &&
      typeof judgement.comment === "string" &&
      typeof judgement.reason === "string" &&
      typeof judgement.notRankable === "boolean" &&
      (judgement.openness === null || isOnOpennessScale(judgement.openness))
    );
  };
}

type OpenDialog = "keys" | "untouched" | "skip" | null;

/** The ranking workspace: prompt, sortable response cards, judgement, and the submit bar. */
export function RankingBoard({
  prompt,
  responses,
  guidelines,
  mode,
  annotationId,
  initial,
  afterSaveHref,
  cancelHref,
  draftKey,
  baseVersion,
  onDone,
  suggestion,
}: RankingBoardProps) {
  const router = useRouter();
  const hydrated = useHydrated();
  const suggested = mode === "queue" && suggestion ? suggestion : null;
  const ranking = useRanking(responses, initial?.ranking ?? suggested?.ranking);
  const [pristine] = useState<RankingDraft>(() => ({
    groups: ranking.groups,
    judgement: {
      openness:
        initial?.openness !== null && initial?.openness !== undefined && isOnOpennessScale(initial.openness)
          ? initial.openness
          : null,
      notRankable: initial?.notRankable ?? false,
      reason: initial?.notRankableReason ?? "",
      comment: initial?.comment ?? "",
    },
  }));
  const [judgement, setJudgement] = useState<Judgement>(pristine.judgement);
  const draft = useBoardDraft<RankingDraft>({
    key: draftKey,
    value: { groups: ranking.groups, judgement },
    pristine,
    accept: isRankingDraft(responses),
    restore: (stored) => {
      ranking.replace(stored.groups);
      setJudgement(stored.judgement);
    },
  });
  const saving = useAnnotationSubmit({
    mode,
    promptId: prompt.id,
    annotationId,
    baseVersion,
    afterSaveHref,
    startedAt: draft.startedAt,
    clearDraft: draft.discard,
    onDone,
    suggestionRunId: suggested?.runId,
  });
  useLeaveGuard(draft.dirty && saving.pending === null, LEAVE_MESSAGE);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const startOver = () => {
    draft.discard();
    ranking.replace(pristine.groups);
    setJudgement(pristine.judgement);
  };
  const [dragging, setDragging] = useState(false);
  const [triedSubmit, setTriedSubmit] = useState(false);
  const { notRankable, openness } = judgement;

  const missing: string[] = [];
  if (notRankable) {
    if (!judgement.reason.trim()) missing.push("say why the responses cannot be ranked");
  } else if (openness === null) {
    missing.push("tag the prompt's openness");
  }
  const ready = missing.length === 0;

  const save = () =>
    void saving.submit({
      ranking: notRankable ? [] : ranking.groups,
      openness,
      notRankable,
      notRankableReason: notRankable ? judgement.reason.trim() : null,
      comment: judgement.comment.trim() || null,
    });

  const trySubmit = () => {
    setTriedSubmit(true);
    if (!ready || saving.pending) return;
    if (mode === "queue" && !notRankable && ranking.untouched) setDialog("untouched");
    else save();
  };

  useBoardKeys({
    ranking,
    enabled: dialog === null && !dragging,
    rankingLocked: notRankable,
    onOpenness: (point) => {
      setJudgement((j) => ({ ...j, openness: point }));
      ranking.announce(`Openness: ${OPENNESS_LABELS[point]}.`);
    },
    onSubmit: trySubmit,
    onToggleHelp: () => setDialog((d) => (d === "keys" ? null : "keys")),
  });

  // Keep the selected card in view as it moves (clear of the footer: see scroll-padding in globals.css).
  useEffect(() => {
    if (ranking.selected === null) return;
    document
      .querySelector(`[data-response-id="${ranking.selected}"]`)
      ?.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }, [ranking.groups, ranking.selected]);

  const count = responses.length;
  const lastDigit = Math.min(count, 9);
  const status = saving.error ? (
    saving.error
  ) : ready ? (
    <>
      {notRankable
        ? "Ready to submit as not rankable"
        : `Ready: ${ranking.groups.length} ranks, openness “${OPENNESS_LABELS[openness!]}”`}
      <span className="hidden text-slate-600 sm:inline"> · press Enter</span>
    </>
  ) : (
    `To submit, ${missing.join(" and ")}.`
  );

  return (
    <div className="pb-28" data-testid="ranking-board" data-prompt-id={prompt.id} data-hydrated={hydrated}>
      {draft.restored && <RestoredDraftNotice onDiscard={startOver} />}
      {suggested && <SuggestionNotice runName={suggested.runName} />}
      <div className="flex flex-col gap-5 lg:grid lg:grid-cols-[minmax(0,5fr)_minmax(0,7fr)] lg:items-start lg:gap-6">
        <div className="contents lg:sticky lg:top-20 lg:flex lg:max-h-[calc(100vh-11rem)] lg:flex-col lg:gap-4 lg:overflow-y-auto lg:pr-1">
          <PromptPanel text={prompt.text} messages={prompt.messages} guidelines={guidelines} />
          <JudgementPanel
            value={judgement}
            onChange={(patch) => setJudgement((j) => ({ ...j, ...patch }))}
            showMissing={triedSubmit}
          />
        </div>

        <section aria-labelledby="ranking-title" className="order-2 min-w-0 lg:order-none">
          <div className="mb-3 flex flex-wrap items-baseline justify-between gap-2">
            <h2 id="ranking-title" className="text-sm font-semibold text-slate-900">
              Rank the {count} responses, best first
            </h2>
            <p className="hidden text-xs text-slate-600 sm:block" data-testid="ranking-hint">
              Drag the handle, use the arrows, or press <Kbd>1</Kbd>–<Kbd>{lastDigit}</Kbd> then <Kbd>↑</Kbd>
              <Kbd>↓</Kbd> · <Kbd>t</Kbd> ties
            </p>
            <p className="text-xs text-slate-600 sm:hidden">
              Drag a card by its handle, or use its arrows; “=” ties it with the card above.
            </p>
          </div>
          <RankingList ranking={ranking} disabled={notRankable} onDraggingChange={setDragging} />
        </section>
      </div>

      <div aria-live="polite" aria-atomic="true" className="sr-only" data-testid="announcer">
        {ranking.announcement}
      </div>

      <BoardFooter
        status={status}
        statusTone={saving.error ? "error" : ready ? "ready" : triedSubmit ? "missing" : "neutral"}
        count={count}
        mode={mode}
        pending={saving.pending}
        ready={ready}
        onKeys={() => setDialog("keys")}
        onSkip={() => setDialog("skip")}
        onCancel={() => router.push(cancelHref ?? afterSaveHref)}
        onSubmit={trySubmit}
      />

      <StaleSubmitDialog
        open={saving.stale !== null}
        editing={mode === "edit"}
        onKeepTheirs={saving.keepTheirs}
        onSeeTheirs={saving.seeTheirs}
      />
      <KeyMapDialog open={dialog === "keys"} onClose={() => setDialog(null)} count={count} />
      <UntouchedOrderDialog
        open={dialog === "untouched"}
        suggested={suggested !== null}
        onClose={() => setDialog(null)}
        onConfirm={() => {
          setDialog(null);
          save();
        }}
      />
      {mode === "queue" && (
        <SkipDialog
          open={dialog === "skip"}
          onClose={() => setDialog(null)}
          pending={saving.pending === "skip"}
          onSkip={(reason) =>
            void saving.skip(reason).then((ok) => {
              if (!ok) setDialog(null);
            })
          }
        />
      )}
    </div>
  );
}
