import type { DatasetOpennessEstimates } from "@/lib/openness/estimates";

function f(x: number | null | undefined): string {
  return x === null || x === undefined ? "—" : x.toFixed(2);
}

/**
 * How far the dataset's openness estimates can be trusted: held-out error of each estimator on
 * this dataset's own tags, beside the annotators' ceiling (one annotator against the others).
 */
export function OpennessEstimateSummary({ estimates }: { estimates: DatasetOpennessEstimates }) {
  if (estimates.unavailable)
    return (
      <p className="text-sm text-slate-600" data-testid="openness-estimate-summary">
        Openness estimates: {estimates.unavailable}
      </p>
    );
  const e = estimates.evaluation;
  const row = (name: string, x: NonNullable<typeof e>["text"] | null) =>
    x && (
      <li key={name}>
        {name}: held-out MAE {f(x.vsMeanTag.mae)}, Spearman {f(x.vsMeanTag.spearman)} against the mean tag
        {x.ceiling
          ? `; against the others' mean ${f(x.vsOthers.mae)}, where one annotator reaches ${f(x.ceiling.mae)}`
          : "; no ceiling (no held-out prompt has two tags)"}
        ; guessing the mean: {f(x.baseline.mae)}
      </li>
    );
  return (
    <div className="text-sm text-slate-600" data-testid="openness-estimate-summary">
      <p>
        Estimates come from the prompt&apos;s text and how its rankings spread, trained on the {estimates.taggedPrompts}{" "}
        tagged prompts (± one standard error). Annotators never see them.
      </p>
      {e ? (
        <ul className="mt-1 list-inside list-disc">
          {row("Text", e.text)}
          {row("Rankings", e.rankings)}
        </ul>
      ) : (
        <p>Too few tagged prompts to hold some out and measure the error.</p>
      )}
    </div>
  );
}
