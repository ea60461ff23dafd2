import { OpennessPicker } from "@/components/ranking/openness-picker";
import { cardVariants } from "@/components/ui/card";
import { Label } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import type { Openness } from "@/lib/openness/scale";
import { cn } from "@/lib/utils";

export type Judgement = {
  openness: Openness | null;
  notRankable: boolean;
  reason: string;
  comment: string;
};

/** Openness, cannot-rank with its reason, and the comment. */
export function JudgementPanel({
  value,
  onChange,
  showMissing,
}: {
  value: Judgement;
  onChange: (patch: Partial<Judgement>) => void;
  /** After a submit attempt: mark what is still required. */
  showMissing: boolean;
}) {
  return (
    <section aria-label="Your judgement" className={cn(cardVariants(), "order-3 flex flex-col gap-4")}>
      <OpennessPicker
        value={value.openness}
        onChange={(openness) => onChange({ openness })}
        invalid={showMissing && !value.notRankable && value.openness === null}
      />
      <div className="border-t border-slate-100 pt-4">
        <label className="flex items-center gap-2 text-sm font-medium text-slate-800">
          <input
            type="checkbox"
            checked={value.notRankable}
            onChange={(e) => onChange({ notRankable: e.target.checked })}
            className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus-visible:ring-2 focus-visible:ring-indigo-500"
            data-testid="not-rankable"
          />
          Cannot rank these responses
        </label>
        {value.notRankable && (
          <div className="mt-2">
            <Label htmlFor="not-rankable-reason" className="text-xs text-slate-700">
              Why not? <span className="text-rose-700">(required)</span>
            </Label>
            <Textarea
              id="not-rankable-reason"
              value={value.reason}
              onChange={(e) => onChange({ reason: e.target.value })}
              rows={2}
              placeholder="e.g. the responses are identical, or the prompt is unsafe"
              aria-invalid={showMissing && !value.reason.trim() ? true : undefined}
              className="mt-1"
              data-testid="not-rankable-reason"
            />
          </div>
        )}
      </div>
      <div>
        <Label htmlFor="annotation-comment">
          Comment <span className="font-normal text-slate-600">(optional, markdown)</span>
        </Label>
        <Textarea
          id="annotation-comment"
          value={value.comment}
          onChange={(e) => onChange({ comment: e.target.value })}
          rows={2}
          placeholder="Anything the researchers should know, e.g. “C invents a citation”"
          className="mt-1"
          data-testid="comment"
        />
      </div>
    </section>
  );
}
