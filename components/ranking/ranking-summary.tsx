import { Fragment } from "react";

/** A ranking in one line of response labels: "B › A = C › D" (= is a tie), best first. */
export function RankingSummary({ groups }: { groups: string[][] }) {
  const text = groups.map((g) => g.join(" = ")).join(", then ");
  return (
    <span className="inline-flex flex-wrap items-center gap-1" data-testid="ranking-summary" data-ranking={text}>
      <span className="sr-only">Ranking: {text}</span>
      {groups.map((group, i) => (
        <Fragment key={i}>
          {i > 0 && (
            <span aria-hidden className="text-slate-500">
              ›
            </span>
          )}
          <span
            aria-hidden
            className="inline-flex items-center gap-0.5 rounded bg-slate-100 px-1.5 font-mono text-xs font-semibold text-slate-800"
          >
            {group.join(" = ")}
          </span>
        </Fragment>
      ))}
    </span>
  );
}
