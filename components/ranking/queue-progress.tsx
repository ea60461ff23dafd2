import type { QueueProgress } from "@/lib/annotations/queue";

/** The annotator's own progress: a bar of done / (done + left for them); the dataset's completion in words. */
export function QueueProgressBar({ progress }: { progress: QueueProgress }) {
  const { doneByMe, leftForMe, completePrompts, totalPrompts, target } = progress;
  const mine = doneByMe + leftForMe;
  const share = mine ? doneByMe / mine : 0;
  return (
    <div className="w-full sm:w-72" data-testid="queue-progress">
      <div className="flex items-baseline justify-between gap-3 text-sm">
        <Tally count={doneByMe} what="done by you" testId="done-by-me" className="text-slate-700" />
        <Tally count={leftForMe} what="left for you" testId="left-for-me" className="text-slate-600" />
      </div>
      <div
        className="mt-1.5 h-2 overflow-hidden rounded-full bg-slate-200"
        role="progressbar"
        aria-label="Your prompts done"
        aria-valuemin={0}
        aria-valuemax={mine}
        aria-valuenow={doneByMe}
        data-testid="my-progress-bar"
      >
        <div className="h-full rounded-full bg-indigo-500" style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
      <p className="mt-1 text-xs text-slate-600">
        Dataset: {completePrompts} of {totalPrompts} {totalPrompts === 1 ? "prompt has" : "prompts have"} all {target}{" "}
        {target === 1 ? "ranking" : "rankings"}
      </p>
    </div>
  );
}

function Tally({ count, what, testId, className }: { count: number; what: string; testId: string; className: string }) {
  return (
    <span className={className}>
      <strong className="font-semibold tabular-nums text-slate-900" data-testid={testId}>
        {count}
      </strong>{" "}
      {what}
    </span>
  );
}
