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
