"use client";

import { Dialog } from "@/components/ui/dialog";
import { Button } from "@/components/ui/button";
import { Kbd } from "@/components/ui/kbd";

/** The keys, for a board of `count` responses (digits reach the first nine places). */
export function keyMap(count: number): { keys: string[]; action: string }[] {
  const lastDigit = String(Math.min(count, 9));
  return [
    { keys: ["1", "–", lastDigit], action: "Select the card at that place" },
    ...(count > 9 ? [{ keys: ["Tab"], action: "Move through the cards; a focused card is selected" }] : []),
    { keys: ["↑", "k"], action: "Move the selected card up" },
    { keys: ["↓", "j"], action: "Move the selected card down" },
    { keys: ["t", "="], action: "Tie / untie with the card above" },
    { keys: ["e"], action: "Expand / collapse the selected card" },
    { keys: ["⇧1", "–", "⇧5"], action: "Openness, one correct … many equally good" },
    { keys: ["Esc"], action: "Deselect" },
    { keys: ["Enter"], action: "Submit (when ready)" },
    { keys: ["?"], action: "Show / hide this key map" },
  ];
}

/** The keys of a pairwise board (two responses at a time). */
export function pairwiseKeyMap(): { keys: string[]; action: string }[] {
  return [
    { keys: ["←", "a"], action: "The left response is better" },
    { keys: ["→", "b"], action: "The right response is better" },
    { keys: ["↓", "t", "="], action: "They are equally good (a tie)" },
    { keys: ["Backspace", "u"], action: "Undo the last answer" },
    { keys: ["⇧1", "–", "⇧5"], action: "Openness, once the comparisons are done" },
    { keys: ["Enter"], action: "Submit (when ready)" },
    { keys: ["?"], action: "Show / hide this key map" },
  ];
}

/**
 * The keyboard map as a dialog: `?` or the footer's button opens it in view, whatever the scroll.
 * The ranking board's map for `count` responses, or the pairwise board's.
 */
export function KeyMapDialog({
  open,
  onClose,
  count,
  pairwise = false,
}: {
  open: boolean;
  onClose: () => void;
  count: number;
  pairwise?: boolean;
}) {
  return (
    <Dialog open={open} onClose={onClose} title="Keyboard" testId="key-map">
      <dl className="grid grid-cols-[auto_1fr] items-center gap-x-3 gap-y-2 text-sm text-slate-700">
        {(pairwise ? pairwiseKeyMap() : keyMap(count)).map(({ keys, action }) => (
          <div key={action} className="contents">
            <dt className="flex items-center gap-1 whitespace-nowrap">
              {keys.map((k, i) => (k === "–" ? <span key={i}>–</span> : <Kbd key={i}>{k}</Kbd>))}
            </dt>
            <dd>{action}</dd>
          </div>
        ))}
      </dl>
      <div className="mt-5 flex justify-end">
        <Button variant="secondary" onClick={onClose} autoFocus>
          Close
        </Button>
      </div>
    </Dialog>
  );
}
