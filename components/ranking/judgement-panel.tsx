import { OpennessPicker } from "@/components/ranking/openness-picker";
import { cardVariants } from "@/components/ui/card";
import { Choice, Field } from "@/components/ui/field";
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
        <NotRankableField
          label="Cannot rank these responses"
          checked={value.notRankable}
          onCheckedChange={(notRankable) => onChange({ notRankable })}
          reason={value.reason}
          onReasonChange={(reason) => onChange({ reason })}
          reasonInvalid={showMissing && !value.reason.trim()}
        />
      </div>
      <CommentField value={value.comment} onChange={(comment) => onChange({ comment })} />
    </section>
  );
}

/** The cannot-rank checkbox and, once it is ticked, the required reason. */
export function NotRankableField({
  label,
  checked,
  onCheckedChange,
  reason,
  onReasonChange,
  reasonInvalid = false,
}: {
  label: string;
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  reason: string;
  onReasonChange: (reason: string) => void;
  reasonInvalid?: boolean;
}) {
  return (
    <>
      <Choice
        type="checkbox"
        checked={checked}
        onChange={(e) => onCheckedChange(e.target.checked)}
        className="font-medium text-slate-800"
        data-testid="not-rankable"
        label={label}
      />
      {checked && (
        <Field
          className="mt-2 text-xs"
          label={
            <>
              Why not? <span className="text-rose-700">(required)</span>
            </>
          }
        >
          <Textarea
            value={reason}
            onChange={(e) => onReasonChange(e.target.value)}
            rows={2}
            placeholder="e.g. the responses are identical, or the prompt is unsafe"
            aria-invalid={reasonInvalid || undefined}
            data-testid="not-rankable-reason"
          />
        </Field>
      )}
    </>
  );
}

/** The annotator's optional note to the researchers, in markdown. */
export function CommentField({ value, onChange }: { value: string; onChange: (comment: string) => void }) {
  return (
    <Field
      label={
        <>
          Comment <span className="font-normal text-slate-600">(optional, markdown)</span>
        </>
      }
    >
      <Textarea
        value={value}
        onChange={(e) => onChange(e.target.value)}
        rows={2}
        placeholder="Anything the researchers should know, e.g. “C invents a citation”"
        data-testid="comment"
      />
    </Field>
  );
}
