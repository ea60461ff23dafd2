import { Button } from "@/components/ui/button";
import { Kbd } from "@/components/ui/kbd";
import { cn } from "@/lib/utils";

/** The fixed bar: what is still missing (or ready), the key map button, skip or cancel, submit. */
export function BoardFooter({
  status,
  statusTone,
  count,
  mode,
  pending,
  ready,
  onKeys,
  onSkip,
  onCancel,
  onSubmit,
}: {
  status: React.ReactNode;
  statusTone: "ready" | "missing" | "error" | "neutral";
  count: number;
  mode: "queue" | "edit";
  pending: "submit" | "skip" | null;
  ready: boolean;
  onKeys: () => void;
  onSkip: () => void;
  onCancel: () => void;
  onSubmit: () => void;
}) {
  return (
    <div
      data-board-footer
      className="fixed inset-x-0 bottom-0 z-30 border-t border-slate-200 bg-white/95 shadow-[0_-4px_16px_rgba(15,23,42,0.06)] backdrop-blur"
    >
      <div className="mx-auto flex max-w-7xl items-center gap-3 px-4 py-3">
        <div className="min-w-0 flex-1 text-sm" aria-live="polite" id="submit-status" data-testid="submit-status">
          <span
            role={statusTone === "error" ? "alert" : undefined}
            data-testid={statusTone === "error" ? "submit-error" : undefined}
            className={cn(
              statusTone === "ready" && "text-emerald-800",
              statusTone === "missing" && "text-rose-700",
              statusTone === "error" && "text-rose-700",
              statusTone === "neutral" && "text-slate-700",
            )}
          >
            {status}
          </span>
        </div>
        <p className="hidden shrink-0 items-center gap-1.5 text-xs text-slate-600 xl:flex" aria-hidden>
          <Kbd>1</Kbd>–<Kbd>{Math.min(count, 9)}</Kbd> select <Kbd>↑</Kbd>
          <Kbd>↓</Kbd> move <Kbd>t</Kbd> tie <Kbd>⇧1</Kbd>–<Kbd>⇧5</Kbd> openness
        </p>
        <Button
          variant="ghost"
          size="sm"
          onClick={onKeys}
          className="hidden sm:inline-flex"
          data-testid="open-key-map"
          aria-haspopup="dialog"
        >
          All keys <Kbd>?</Kbd>
        </Button>
        {mode === "queue" ? (
          <Button variant="secondary" onClick={onSkip} disabled={pending !== null} data-testid="skip">
            Skip
          </Button>
        ) : (
          <Button variant="secondary" onClick={onCancel} disabled={pending !== null} data-testid="cancel-edit">
            Cancel
          </Button>
        )}
        <Button
          onClick={onSubmit}
          disabled={pending !== null}
          aria-disabled={!ready}
          aria-describedby="submit-status"
          className={cn(!ready && "bg-indigo-300 text-indigo-950 hover:bg-indigo-300")}
          data-testid="submit-annotation"
        >
          {pending === "submit" ? "Saving…" : mode === "edit" ? "Save changes" : "Submit"}
        </Button>
      </div>
    </div>
  );
}
