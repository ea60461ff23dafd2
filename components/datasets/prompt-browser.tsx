import Link from "next/link";
import { Fragment } from "react";
import {
  isFiltered,
  promptSearchQuery,
  type PromptPage,
  type PromptSearch,
  type PromptSort,
} from "@/lib/datasets/prompt-search";
import { REVIEW_STATE_LABELS, REVIEW_STATES } from "@/lib/annotations/review";
import { Button, buttonVariants } from "@/components/ui/button";
import { CompactInput, CompactSelect, fieldRowVariants } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { DataTable, TableCell, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/utils";

function fmt(value: number | null, digits = 2): string {
  return value === null ? "—" : value.toFixed(digits);
}

/**
 * The dataset's prompts: a GET form of filters (the URL is the state, so a view can be shared),
 * one page of results and the pager. Everything is rendered on the server.
 */
export function PromptBrowser({
  basePath,
  search,
  result,
  annotators,
  lowAgreement,
  estimates,
}: {
  basePath: string;
  search: PromptSearch;
  result: PromptPage;
  annotators: { id: number; name: string }[];
  lowAgreement: number;
  /** Estimated openness per prompt id (researchers only: never shown before annotators tag). */
  estimates?: ReadonlyMap<number, { estimate: number; sd: number } | null>;
}) {
  const href = (changes: Partial<PromptSearch>) => `${basePath}${promptSearchQuery(search, changes)}`;
  const first = (result.page - 1) * result.pageSize + 1;
  const last = Math.min(result.total, result.page * result.pageSize);
  const sort = search.sort ?? "id";
  const sortLink = (key: PromptSort, label: string, reverse?: PromptSort) => {
    const active = sort === key || sort === reverse;
    const next = sort === key && reverse ? reverse : key;
    return (
      <Link
        href={`${href({ sort: next })}#prompts-heading`}
        className={cn("hover:text-slate-800 hover:underline", active && "text-slate-900")}
        aria-label={`Sort by ${label}`}
      >
        {label}
        {active ? (sort === reverse ? " ↓" : " ↑") : ""}
      </Link>
    );
  };

  return (
    <div className="space-y-3">
      <form
        method="get"
        action={basePath}
        role="search"
        aria-label="Search and filter prompts"
        className={fieldRowVariants({ card: true, phoneGrid: true })}
        data-testid="prompt-search"
      >
        <CompactInput
          label="Text or id contains"
          fieldClassName="min-w-48 flex-1 col-span-2"
          name="q"
          type="search"
          defaultValue={search.q ?? ""}
          maxLength={200}
          placeholder="e.g. haiku"
          className="w-full"
          data-testid="search-q"
        />
        <CompactSelect
          label="Agreement"
          name="agreement"
          defaultValue={search.agreement ?? ""}
          data-testid="search-agreement"
        >
          <option value="">any</option>
          <option value="low">low (W &lt; {lowAgreement})</option>
          <option value="ok">W ≥ {lowAgreement}</option>
          <option value="none">not measurable yet</option>
        </CompactSelect>
        <fieldset className="flex items-end gap-1">
          <legend className="text-xs text-slate-600">Openness from – to</legend>
          {(["open_min", "open_max"] as const).map((name) => (
            <Fragment key={name}>
              {name === "open_max" && (
                <span aria-hidden className="pb-2 text-slate-400">
                  –
                </span>
              )}
              <Input
                name={name}
                type="number"
                min={0}
                max={1}
                step={0.25}
                defaultValue={search[name] ?? ""}
                aria-label={name === "open_min" ? "Openness at least" : "Openness at most"}
                density="compact"
                className="w-20"
              />
            </Fragment>
          ))}
        </fieldset>
        <CompactSelect label="Flag" name="flag" defaultValue={search.flag ?? ""} data-testid="search-flag">
          <option value="">any</option>
          <option value="not_rankable">someone could not rank</option>
          <option value="commented">has a comment</option>
          <option value="unannotated">no annotations yet</option>
        </CompactSelect>
        <CompactSelect
          label="Annotator"
          name="annotator"
          defaultValue={search.annotator ? String(search.annotator) : ""}
          className="sm:max-w-48"
          data-testid="search-annotator"
        >
          <option value="">anyone</option>
          {annotators.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </CompactSelect>
        <CompactSelect label="Review" name="review" defaultValue={search.review ?? ""} data-testid="search-review">
          <option value="">any</option>
          {REVIEW_STATES.map((state) => (
            <option key={state} value={state}>
              has one {REVIEW_STATE_LABELS[state]}
            </option>
          ))}
        </CompactSelect>
        {search.sort && search.sort !== "id" && <input type="hidden" name="sort" value={search.sort} />}
        <div className="flex gap-2">
          <Button type="submit" size="sm" className="h-9" data-testid="search-submit">
            Search
          </Button>
          {isFiltered(search) && (
            <Link
              href={basePath + "#prompts-heading"}
              className={buttonVariants({ variant: "secondary", size: "sm", className: "h-9" })}
              data-testid="search-clear"
            >
              Clear
            </Link>
          )}
        </div>
      </form>

      <p className="text-sm text-slate-600" role="status" data-testid="search-summary">
        {result.total === 0
          ? isFiltered(search)
            ? "No prompt matches these filters."
            : "This dataset has no prompts yet."
          : result.rows.length === 0
            ? `Page ${result.page} is past the end: ${result.total} ${result.total === 1 ? "prompt matches" : "prompts match"}.`
            : `${first}–${last} of ${result.total} ${result.total === 1 ? "prompt" : "prompts"}${isFiltered(search) ? " matching" : ""}`}
        {result.rows.length === 0 && result.total > 0 && (
          <>
            {" "}
            <Link href={href({ page: result.pages })} className="text-indigo-700 hover:underline">
              Go to the last page
            </Link>
          </>
        )}
      </p>

      {result.rows.length > 0 && (
        <DataTable
          data-testid="prompt-table"
          caption={`Prompts with their agreement and review state, page ${result.page} of ${result.pages}`}
          columns={[
            { key: "prompt", label: sortLink("id", "Prompt") },
            { key: "rankings", label: sortLink("rankings", "Rankings"), numeric: true },
            { key: "w", label: sortLink("w", "Kendall's W", "-w"), numeric: true },
            { label: "Mean tau-b", numeric: true, className: "hidden sm:table-cell" },
            { label: "Openness", numeric: true, className: "hidden sm:table-cell" },
            ...(estimates
              ? [
                  {
                    label: "Estimate",
                    numeric: true,
                    title: "Estimated from the prompt's text and rankings, ± one standard error",
                  },
                ]
              : []),
            "Review",
          ]}
        >
          {result.rows.map((row) => (
            <TableRow key={row.id} className={cn(row.flagged && "bg-amber-50")} data-prompt-id={row.id}>
              <TableCell className="min-w-40 max-w-md">
                <Link
                  href={`${basePath}/prompts/${row.id}`}
                  className="line-clamp-2 break-words text-indigo-700 hover:underline"
                >
                  {row.text}
                </Link>
                <span className="font-mono text-xs text-slate-500">{row.externalId}</span>
                {row.flagged && <span className="ml-2 text-xs font-medium text-amber-800">low agreement</span>}
                {row.notRankable > 0 && (
                  <span className="ml-2 text-xs text-slate-600">{row.notRankable} cannot rank</span>
                )}
              </TableCell>
              <TableCell numeric>{row.rankings}</TableCell>
              <TableCell numeric>{fmt(row.kendallW)}</TableCell>
              <TableCell numeric className="hidden sm:table-cell">
                {fmt(row.meanTauB)}
              </TableCell>
              <TableCell numeric className="hidden sm:table-cell">
                {fmt(row.openness)}
              </TableCell>
              {estimates && (
                <TableCell numeric className="whitespace-nowrap" data-testid="openness-estimate">
                  <OpennessEstimateCell value={estimates.get(row.id) ?? null} />
                </TableCell>
              )}
              <TableCell className="text-xs text-slate-600">
                <ReviewCounts review={row.review} />
              </TableCell>
            </TableRow>
          ))}
        </DataTable>
      )}

      {result.pages > 1 && (
        <nav aria-label="Pages of prompts" className="flex flex-wrap items-center gap-2 text-sm" data-testid="pager">
          {result.page > 1 && (
            <Link
              href={href({ page: 1 })}
              className={buttonVariants({ variant: "secondary", size: "sm" })}
              data-testid="pager-first"
            >
              « First
            </Link>
          )}
          {result.previous && (
            <Link
              href={href({ page: result.page - 1, before: result.previous })}
              className={buttonVariants({ variant: "secondary", size: "sm" })}
              rel="prev"
              data-testid="pager-previous"
            >
              ← Previous
            </Link>
          )}
          <span className="text-slate-600">
            Page {result.page} of {result.pages}
          </span>
          {result.next && (
            <Link
              href={href({ page: result.page + 1, after: result.next })}
              className={buttonVariants({ variant: "secondary", size: "sm" })}
              rel="next"
              data-testid="pager-next"
            >
              Next →
            </Link>
          )}
          {result.page < result.pages && (
            <Link
              href={href({ page: result.pages })}
              className={buttonVariants({ variant: "secondary", size: "sm" })}
              data-testid="pager-last"
            >
              Last »
            </Link>
          )}
        </nav>
      )}
    </div>
  );
}

function ReviewCounts({ review }: { review: PromptPage["rows"][number]["review"] }) {
  const parts = [
    review.pending && `${review.pending} to review`,
    review.accepted && `${review.accepted} accepted`,
    review.rejected && `${review.rejected} rejected`,
    review.sentBack && `${review.sentBack} sent back`,
  ].filter(Boolean);
  return <>{parts.length ? parts.join(" · ") : "—"}</>;
}

function OpennessEstimateCell({ value }: { value: { estimate: number; sd: number } | null }) {
  if (!value) return <span className="text-slate-400">—</span>;
  // Confidence in words as well as numbers: the sd is against the mean tag of 0..1.
  const confidence = value.sd <= 0.1 ? "high" : value.sd <= 0.2 ? "medium" : "low";
  return (
    <span title={`${confidence} confidence (± ${value.sd.toFixed(2)})`}>
      {value.estimate.toFixed(2)} <span className="text-xs text-slate-500">± {value.sd.toFixed(2)}</span>
    </span>
  );
}
