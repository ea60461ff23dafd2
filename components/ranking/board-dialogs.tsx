"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Label } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";

/** Asked when the order is still the shuffled one shown: submitting it by accident would be noise. */
export function UntouchedOrderDialog({
  open,
  onClose,
  onConfirm,
}: {
  open: boolean;
  onClose: () => void;
  onConfirm: () => void;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      role="alertdialog"
      testId="untouched-dialog"
      title="Submit the order as shown?"
      description="You have not moved or tied any response. The cards are in a random order, so submitting now says that random order is your ranking."
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
