"use client";

import { OPENNESS_HINTS, OPENNESS_LABELS, OPENNESS_SCALE, type Openness } from "@/lib/openness/scale";
import { cn } from "@/lib/utils";

/** The 5-point openness scale as a radio group; Shift+1…5 picks a point from anywhere on the page. */
export function OpennessPicker({
  value,
  onChange,
  disabled,
  invalid,
}: {
  value: Openness | null;
  onChange: (value: Openness) => void;
  disabled?: boolean;
  invalid?: boolean;
}) {
  return (
    <fieldset disabled={disabled} data-testid="openness" aria-describedby="openness-help">
      <legend className="text-sm font-semibold text-slate-900">
        How open is this prompt? <span className="font-normal text-rose-600">{invalid ? "· required" : ""}</span>
      </legend>
      <p id="openness-help" className="mt-0.5 text-xs text-slate-500">
        How many different answers could be equally good?
      </p>
      <div className="mt-3 grid grid-cols-1 gap-1.5 sm:grid-cols-5 sm:gap-1 lg:grid-cols-1 lg:gap-1.5">
        {OPENNESS_SCALE.map((point, i) => {
          const checked = value === point;
          return (
            <label
              key={point}
              title={OPENNESS_HINTS[point]}
              className={cn(
                "group relative flex cursor-pointer items-center gap-2 rounded-lg border px-3 py-2 text-sm transition-colors",
                "sm:flex-col sm:items-start sm:gap-1 sm:px-2 lg:flex-row lg:items-center lg:gap-2 lg:px-3",
                "has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-indigo-500",
                checked
                  ? "border-indigo-600 bg-indigo-50 text-indigo-900"
                  : "border-slate-200 bg-white text-slate-700 hover:border-slate-300",
              )}
              data-testid={`openness-${point}`}
            >
              <input
                type="radio"
                name="openness"
                value={point}
                checked={checked}
                onChange={() => onChange(point)}
                className="sr-only"
              />
              <span
                aria-hidden
                className={cn(
                  "flex h-4 w-4 shrink-0 items-center justify-center rounded-full border",
                  checked ? "border-indigo-600 bg-indigo-600" : "border-slate-300 bg-white",
                )}
              >
                {checked && <span className="h-1.5 w-1.5 rounded-full bg-white" />}
              </span>
              <span className="font-medium leading-tight">{OPENNESS_LABELS[point]}</span>
              <kbd aria-hidden className="ml-auto hidden text-[11px] text-slate-600 sm:inline lg:ml-auto">
                ⇧{i + 1}
              </kbd>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
