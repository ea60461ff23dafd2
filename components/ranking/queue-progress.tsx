import type { QueueProgress } from "@/lib/annotations/queue";

/** "12 done · 9 left" with a bar of the dataset's completion. */
export function QueueProgressBar({ progress }: { progress: QueueProgress }) {
  const { doneByMe, leftForMe, completePrompts, totalPrompts, target } = progress;
  const share = totalPrompts ? completePrompts / totalPrompts : 0;
  return (
    <div className="w-full sm:w-72" data-testid="queue-progress">
      <div className="flex items-baseline justify-between gap-3 text-sm">
        <span className="text-slate-700">
          <strong className="font-semibold tabular-nums text-slate-900" data-testid="done-by-me">
            {doneByMe}
          </strong>{" "}
          done by you
        </span>
        <span className="text-slate-500">
          <strong className="font-semibold tabular-nums text-slate-900" data-testid="left-for-me">
            {leftForMe}
          </strong>{" "}
          left for you
        </span>
      </div>
      <div
        className="mt-1.5 h-2 overflow-hidden rounded-full bg-slate-200"
        role="progressbar"
        aria-label="Prompts with all their rankings"
        aria-valuemin={0}
        aria-valuemax={totalPrompts}
        aria-valuenow={completePrompts}
      >
        <div className="h-full rounded-full bg-indigo-500" style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
      <p className="mt-1 text-xs text-slate-500">
        {completePrompts} of {totalPrompts} prompts have all {target} rankings
      </p>
    </div>
  );
}
