"use client";

import { useActionState, useId } from "react";
import { useFormStatus } from "react-dom";
import { Button } from "@/components/ui/button";
import { cardVariants } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Textarea } from "@/components/ui/textarea";
import { reviewAction, type ReviewActionState } from "@/lib/annotations/review-actions";
import { DECISION_STATE, REVIEW_STATE_LABELS, type ReviewState } from "@/lib/annotations/review-states";
import type { ReviewDecision } from "@/lib/domain";
import { ReviewStateBadge } from "@/components/review/review-state-badge";
import { Markdown } from "@/components/markdown";

export type ReviewItem = {
  id: number;
  annotator: string;
  /** The ranking as the reviewer reads it ("C > A = B > D"), or the reason it could not be ranked. */
  summary: string;
  openness: number | null;
  comment: string | null;
  /** The annotation's updated_at in ms: the version this page shows. */
  version: number;
  edits: number;
  state: ReviewState;
  own: boolean;
  history: {
    id: number;
    reviewer: string;
    decision: ReviewDecision;
    comment: string | null;
    at: string;
    current: boolean;
  }[];
};

function DecisionButtons() {
  const { pending } = useFormStatus();
  return (
    <div className="flex flex-wrap gap-2">
      <Button type="submit" name="decision" value="accept" size="sm" disabled={pending} data-testid="review-accept">
        Accept
      </Button>
      <Button
        type="submit"
        name="decision"
        value="send_back"
        size="sm"
        variant="secondary"
        disabled={pending}
        data-testid="review-send-back"
      >
        Send back
      </Button>
      <Button
        type="submit"
        name="decision"
        value="reject"
        size="sm"
        variant="danger"
        disabled={pending}
        data-testid="review-reject"
      >
        Reject
      </Button>
    </div>
  );
}

function ReviewCard({ item }: { item: ReviewItem }) {
  const [state, formAction] = useActionState<ReviewActionState, FormData>(reviewAction, {});
  const id = useId();
  return (
    <li className={cardVariants({ padding: "sm" })} data-testid="review-item" data-annotation-id={item.id}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="font-medium text-slate-900">{item.annotator}</h3>
        <ReviewStateBadge state={item.state} data-testid="review-state" />
      </div>
      <p className="mt-1 font-mono text-sm text-slate-800">{item.summary}</p>
      <p className="text-xs text-slate-600">
        openness {item.openness ?? "—"}
        {item.edits > 0 && ` · resubmitted ${item.edits} ${item.edits === 1 ? "time" : "times"}`}
      </p>
      {item.comment && (
        <blockquote className="mt-1 border-l-2 border-slate-200 pl-2" data-testid="review-annotator-comment">
          <Markdown source={item.comment} />
        </blockquote>
      )}

      {item.history.length > 0 && (
        <ol
          className="mt-3 space-y-1 border-l-2 border-slate-200 pl-3 text-xs text-slate-600"
          aria-label="Decisions so far"
        >
          {item.history.map((h) => (
            <li key={h.id} data-testid="review-history-entry">
              <span className="font-medium text-slate-800">{REVIEW_STATE_LABELS[DECISION_STATE[h.decision]]}</span> by{" "}
              {h.reviewer}, {h.at}
              {!h.current && " (an earlier version)"}
              {h.comment && <>: “{h.comment}”</>}
            </li>
          ))}
        </ol>
      )}

      {item.own ? (
        <p className="mt-3 text-xs text-slate-500">Your own annotation: another researcher reviews it.</p>
      ) : (
        <form
          action={formAction}
          className="mt-3 space-y-2"
          aria-describedby={`${id}-status`}
          data-testid="review-form"
        >
          <input type="hidden" name="annotationId" value={item.id} />
          <input type="hidden" name="version" value={item.version} />
          <Field
            className="text-xs text-slate-600"
            label={
              <>
                Comment for the annotator <span className="font-normal">(needed to send back or reject)</span>
              </>
            }
          >
            <Textarea name="comment" rows={2} maxLength={5000} data-testid="review-comment" />
          </Field>
          <DecisionButtons />
          <div id={`${id}-status`} aria-live="polite">
            {state.error && (
              <p className="text-xs text-rose-700" role="alert" data-testid="review-error">
                {state.error}
              </p>
            )}
            {state.message && !state.error && <p className="text-xs text-emerald-700">{state.message}</p>}
          </div>
        </form>
      )}
    </li>
  );
}

/** Every annotation of a prompt with its review state, decisions so far, and the reviewer's form. */
export function ReviewPanel({ items }: { items: ReviewItem[] }) {
  if (!items.length) return <p className="text-sm text-slate-600">Nobody has annotated this prompt yet.</p>;
  return (
    <ul className="grid gap-3 md:grid-cols-2" data-testid="review-panel">
      {items.map((item) => (
        <ReviewCard key={`${item.id}-${item.version}`} item={item} />
      ))}
    </ul>
  );
}
