import type { RunStatus } from "@/db/schema";
import { cn } from "@/lib/utils";
import type { VerdictKind } from "@/ml/verdict";

const STYLES: Record<RunStatus, string> = {
  queued: "bg-slate-100 text-slate-700 ring-slate-300",
  running: "bg-indigo-50 text-indigo-700 ring-indigo-300",
  succeeded: "bg-emerald-50 text-emerald-700 ring-emerald-300",
  failed: "bg-rose-50 text-rose-700 ring-rose-300",
  canceled: "bg-amber-50 text-amber-800 ring-amber-300",
};

export function StatusBadge({ status, className, testId }: { status: RunStatus; className?: string; testId?: string }) {
  return (
    <span
      data-testid={testId}
      data-status={status}
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset",
        STYLES[status],
        className,
      )}
    >
      {status === "running" && <span aria-hidden className="h-1.5 w-1.5 animate-pulse rounded-full bg-indigo-500" />}
      {status}
    </span>
  );
}

const VERDICT_STYLES: Record<VerdictKind, string> = {
  collapsed: "bg-rose-50 text-rose-800 ring-rose-300",
  aware: "bg-emerald-50 text-emerald-800 ring-emerald-300",
  partial: "bg-amber-50 text-amber-800 ring-amber-300",
  inverted: "bg-fuchsia-50 text-fuchsia-800 ring-fuchsia-300",
  "not-learned": "bg-slate-100 text-slate-800 ring-slate-400",
  insufficient: "bg-slate-100 text-slate-700 ring-slate-300",
  undetermined: "bg-slate-100 text-slate-700 ring-slate-300",
};

export const VERDICT_LABELS: Record<VerdictKind, string> = {
  collapsed: "collapsed: reward distributions ignore openness",
  aware: "openness-aware",
  partial: "partly collapsed",
  inverted: "inverted: open prompts get the peaked profile",
  "not-learned": "not learned: the model does not rank the responses",
  insufficient: "insufficient evidence",
  undetermined: "undetermined",
};

/** The verdict in a table cell: a word or two, coloured like the badge. */
const VERDICT_SHORT: Record<VerdictKind, { label: string; className: string }> = {
  collapsed: { label: "collapsed", className: "font-medium text-rose-700" },
  aware: { label: "openness-aware", className: "font-medium text-emerald-700" },
  partial: { label: "partly collapsed", className: "text-amber-700" },
  inverted: { label: "inverted", className: "font-medium text-fuchsia-700" },
  "not-learned": { label: "not learned", className: "text-slate-700" },
  insufficient: { label: "insufficient", className: "text-slate-600" },
  undetermined: { label: "undetermined", className: "text-slate-600" },
};

export function VerdictText({ kind }: { kind: VerdictKind }) {
  return <span className={cn("text-xs", VERDICT_SHORT[kind].className)}>{VERDICT_SHORT[kind].label}</span>;
}

export function VerdictBadge({ kind, className, testId }: { kind: VerdictKind; className?: string; testId?: string }) {
  return (
    <span
      data-testid={testId}
      data-verdict={kind}
      className={cn(
        "inline-flex rounded-md px-2 py-1 text-sm font-semibold ring-1 ring-inset",
        VERDICT_STYLES[kind],
        className,
      )}
    >
      {VERDICT_LABELS[kind]}
    </span>
  );
}
