"use client";

import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Label } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";

/**
 * Asked when the order is still the one the board opened with (shuffled, or a model's suggestion):
 * submitting it by accident would be noise, or the model's judgement passed off as a person's.
 */
export function UntouchedOrderDialog({
  open,
  onClose,
  onConfirm,
  suggested = false,
}: {
  open: boolean;
  onClose: () => void;
  onConfirm: () => void;
  /** The board opened on a model's suggested order, not a random one. */
  suggested?: boolean;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      role="alertdialog"
      testId="untouched-dialog"
      title="Submit the order as shown?"
      description={
        suggested
          ? "You have not moved or tied any response. The cards are in the model's suggested order, so submitting now says the model's order is exactly your ranking."
          : "You have not moved or tied any response. The cards are in a random order, so submitting now says that random order is your ranking."
      }
    >
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="secondary" onClick={onClose} autoFocus data-testid="untouched-keep-ranking">
          Keep ranking
        </Button>
        <Button onClick={onConfirm} data-testid="untouched-submit">
          Yes, this is my ranking
        </Button>
      </div>
    </Dialog>
  );
}

/** Skipping with an optional reason; the prompt goes to the annotator's skipped list, to reopen later. */
export function SkipDialog({
  open,
  onClose,
  onSkip,
  pending,
}: {
  open: boolean;
  onClose: () => void;
  onSkip: (reason: string) => void;
  pending: boolean;
}) {
  const [reason, setReason] = useState("");
  return (
    <Dialog
      open={open}
      onClose={onClose}
      testId="skip-dialog"
      title="Skip this prompt?"
      description="It leaves your queue for now; you can reopen it from Skipped on My annotations."
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSkip(reason);
        }}
      >
        <Label htmlFor="skip-reason">
          Why? <span className="font-normal text-slate-600">(optional)</span>
        </Label>
        <Textarea
          id="skip-reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          rows={2}
          maxLength={1000}
          placeholder="e.g. outside my expertise"
          className="mt-1"
          data-testid="skip-reason"
          autoFocus
        />
        <div className="mt-4 flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={pending} data-testid="skip-confirm">
            {pending ? "Skipping…" : "Skip prompt"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * A submit refused because another tab or window saved this annotation first: keep that version
 * (this board's work is dropped) or open it to see and change it.
 */
export function StaleSubmitDialog({
  open,
  onKeepTheirs,
  onSeeTheirs,
  editing,
}: {
  open: boolean;
  onKeepTheirs: () => void;
  onSeeTheirs: () => void;
  /** The board edits an earlier annotation (else it is a new one from the queue). */
  editing: boolean;
}) {
  return (
    <Dialog
      open={open}
      onClose={onSeeTheirs}
      role="alertdialog"
      testId="stale-dialog"
      title={editing ? "This annotation changed in another tab" : "You already submitted this prompt"}
      description={
        editing
          ? "Another tab or window saved a newer version after you opened this one. Your changes here were not saved, so nothing of the newer version was lost."
          : "Another tab or window submitted a ranking of this prompt after you opened it here. This ranking was not saved over it."
      }
    >
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="secondary" onClick={onKeepTheirs} data-testid="stale-keep-theirs">
          {editing ? "Keep the newer version" : "Keep that one, next prompt"}
        </Button>
        <Button onClick={onSeeTheirs} autoFocus data-testid="stale-see-theirs">
          See the newer one
        </Button>
      </div>
    </Dialog>
  );
}

/** Said above a board that came back with the work of an earlier visit (a draft kept in this browser). */
export function RestoredDraftNotice({ onDiscard }: { onDiscard: () => void }) {
  return (
    <div
      role="status"
      className="mb-4 flex flex-wrap items-center justify-between gap-2 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900"
      data-testid="draft-restored"
    >
      <span>Your unsubmitted work on this prompt was restored from this browser.</span>
      <Button size="sm" variant="ghost" onClick={onDiscard} data-testid="draft-discard">
        Start over
      </Button>
    </div>
  );
}

/**
 * Above a board that starts from a model's order: the annotator must know the first order is the
 * model's, not a random one, to judge it rather than take it.
 */
export function SuggestionNotice({ runName }: { runName: string }) {
  return (
    <Alert tone="neutral" role="note" className="mb-4 py-3 ring-indigo-200" data-testid="suggestion-notice">
      <p className="font-semibold text-indigo-900">
        <span className="mr-2 rounded bg-indigo-100 px-1.5 py-0.5 text-xs font-semibold uppercase tracking-wide">
          Model suggestion
        </span>
        The cards start in the order a model ranked them (<span data-testid="suggestion-run">{runName}</span>).
      </p>
      <p className="mt-1">It is a suggestion, not an answer: read the responses and move them to your own judgement.</p>
    </Alert>
  );
}
