import type { RunStatus } from "@/lib/domain";
import { Badge, toneText, type Tone } from "@/components/ui/badge";
import { cn } from "@/lib/utils";
import type { VerdictKind } from "@/ml";

const STATUS_TONES: Record<RunStatus, Tone> = {
  queued: "neutral",
  running: "info",
  succeeded: "success",
  failed: "danger",
  canceled: "warning",
};

export function StatusBadge({ status, className, testId }: { status: RunStatus; className?: string; testId?: string }) {
  return (
    <Badge tone={STATUS_TONES[status]} outlined data-testid={testId} data-status={status} className={className}>
      {status === "running" && <span aria-hidden className="h-1.5 w-1.5 animate-pulse rounded-full bg-indigo-500" />}
      {status}
    </Badge>
  );
}

/** Each verdict's colour, its full label (the badge) and its word or two (a table cell). */
const VERDICTS: Record<VerdictKind, { tone: Tone; short: string; label: string }> = {
  collapsed: { tone: "danger", short: "collapsed", label: "collapsed: reward distributions ignore openness" },
  aware: { tone: "success", short: "openness-aware", label: "openness-aware" },
  "weakly-aware": {
    tone: "warning",
    short: "weakly aware",
    label: "weakly aware: profiles follow openness, less than the ideal",
  },
  partial: { tone: "warning", short: "partly collapsed", label: "partly collapsed (verdict v2)" },
  inverted: { tone: "accent", short: "inverted", label: "inverted: open prompts get the peaked profile" },
  "not-learned": { tone: "neutral", short: "not learned", label: "not learned: the model does not rank the responses" },
  insufficient: { tone: "neutral", short: "insufficient", label: "insufficient evidence" },
  undetermined: { tone: "neutral", short: "undetermined", label: "undetermined" },
};

/** The clear verdicts (collapsed, aware, inverted) stand out in a table; the hedged ones do not. */
const DECISIVE_TONES: Tone[] = ["danger", "success", "accent"];

export function VerdictText({ kind }: { kind: VerdictKind }) {
  const verdict = VERDICTS[kind];
  return (
    <span className={cn("text-xs", toneText[verdict.tone], DECISIVE_TONES.includes(verdict.tone) && "font-medium")}>
      {verdict.short}
    </span>
  );
}

export function VerdictBadge({ kind, className, testId }: { kind: VerdictKind; className?: string; testId?: string }) {
  return (
    <Badge tone={VERDICTS[kind].tone} size="lg" outlined data-testid={testId} data-verdict={kind} className={className}>
      {VERDICTS[kind].label}
    </Badge>
  );
}
