import Link from "next/link";
import { getStore } from "@/lib/db";
import { RankingSummary } from "@/components/ranking/ranking-summary";
import { Alert } from "@/components/ui/alert";
import { PageHeader } from "@/components/ui/page-header";
import { Badge } from "@/components/ui/badge";
import { Button, buttonVariants } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Markdown } from "@/components/markdown";
import { ReviewStateBadge } from "@/components/review/review-state-badge";
import { listMyAnnotations, myAnnotationsQuerySchema } from "@/lib/annotations/annotations";
import { reopenSkippedAction } from "@/lib/annotations/queue-actions";
import { opennessLabel } from "@/lib/openness/scale";
import { listSkipped } from "@/lib/annotations/queue";
import { requirePageUser } from "@/lib/auth/session";
import { formatDateTime, plural } from "@/lib/utils";

export const metadata = { title: "My annotations" };
export const dynamic = "force-dynamic";

function excerpt(text: string, max = 140): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const PAGE_SIZE = 50;

const REOPEN_PROBLEMS: Record<string, string> = {
  full: "That prompt has all its rankings now, so it cannot be reopened.",
  "not-skipped": "That prompt is no longer in your skipped list.",
};

export default async function MyAnnotationsPage({
  searchParams,
}: {
  searchParams: Promise<{ saved?: string; reopen?: string; after?: string }>;
}) {
  const user = await requirePageUser("annotator", "/annotate/mine");
  const { saved, reopen, after } = await searchParams;
  const store = getStore();
  // A hand-edited cursor starts the list over at the newest, as a bad page link would.
  const cursor = myAnnotationsQuerySchema.safeParse({ after, limit: PAGE_SIZE });
  const {
    annotations: rows,
    total,
    next,
  } = await listMyAnnotations(store, user.id, cursor.success ? cursor.data : { limit: PAGE_SIZE });
  const paged = cursor.success && cursor.data.after !== undefined;
  const skipped = await listSkipped(store, user.id);

  return (
    <div className="mx-auto max-w-4xl">
      <PageHeader
        className="mb-5 gap-3"
        title="My annotations"
        description={`${plural(total, "prompt")} ranked. Reopen one to change it; earlier versions are kept.`}
        actions={
          <Link href="/annotate" className={buttonVariants()}>
            Continue annotating
          </Link>
        }
      />

      {saved && (
        <Alert tone="success" role="status" className="mb-4" data-testid="saved-banner">
          Your changes are saved; the previous version is kept.
        </Alert>
      )}
      {reopen && REOPEN_PROBLEMS[reopen] && (
        <Alert tone="warning" role="alert" className="mb-4">
          {REOPEN_PROBLEMS[reopen]}
        </Alert>
      )}

      {total === 0 ? (
        <Card tone="dashed" padding="lg" className="text-center text-sm text-slate-600" data-testid="mine-empty">
          You have not ranked anything yet.{" "}
          <Link href="/annotate" className="font-medium text-indigo-700 hover:underline">
            Start with your first prompt
          </Link>
          .
        </Card>
      ) : rows.length === 0 ? (
        <p className="text-sm text-slate-600" data-testid="mine-no-older">
          Nothing older than the page before.
        </p>
      ) : (
        <Card padding="none" className="overflow-hidden">
          <ul className="divide-y divide-slate-100" data-testid="my-annotations">
            {rows.map((row) => (
              <li
                key={row.id}
                data-testid="my-annotation"
                data-annotation-id={row.id}
                className="flex flex-col gap-2 p-4 sm:flex-row sm:items-center sm:gap-4"
              >
                <div className="min-w-0 flex-1">
                  <p className="text-sm text-slate-900">{excerpt(row.promptText)}</p>
                  <div className="mt-1.5 text-sm">
                    {row.notRankable ? (
                      <Badge tone="warning">Could not rank</Badge>
                    ) : (
                      <RankingSummary groups={row.rankingLabels} />
                    )}
                  </div>
                  <p className="mt-1.5 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-600">
                    <span>{row.datasetName}</span>
                    {!row.notRankable && (
                      <span>
                        Openness: <span className="font-medium text-slate-800">{opennessLabel(row.openness)}</span>
                      </span>
                    )}
                    <time dateTime={row.updatedAt.toISOString()}>{formatDateTime(row.updatedAt)}</time>
                    {row.edits > 0 && (
                      <Badge data-testid="edit-count" className="px-2 py-0 font-normal">
                        edited {row.edits}×
                      </Badge>
                    )}
                    <ReviewStateBadge state={row.review.state} data-testid="my-review-state" className="py-0" />
                  </p>
                  {row.review.decision?.comment && (
                    <div
                      className="mt-2 rounded-md border border-slate-200 bg-slate-50 px-3 py-2"
                      data-testid="my-review-comment"
                    >
                      <p className="text-xs text-slate-600">
                        {row.review.decision.reviewer},{" "}
                        <time dateTime={row.review.decision.decidedAt.toISOString()}>
                          {formatDateTime(row.review.decision.decidedAt)}
                        </time>
                        :
                      </p>
                      <Markdown source={row.review.decision.comment} className="mt-0.5" />
                    </div>
                  )}
                </div>
                <Link
                  href={`/annotate/mine/${row.id}`}
                  className={buttonVariants({
                    variant: "secondary",
                    size: "sm",
                    className: "self-start sm:self-center",
                  })}
                  data-testid="reopen"
                >
                  Reopen
                </Link>
              </li>
            ))}
          </ul>
        </Card>
      )}
      {(paged || next) && (
        <nav aria-label="My annotations pages" className="mt-3 flex justify-between gap-3 text-sm">
          {paged ? (
            <Link href="/annotate/mine" className={buttonVariants({ variant: "secondary", size: "sm" })}>
              Newest
            </Link>
          ) : (
            <span />
          )}
          {next && (
            <Link
              href={`/annotate/mine?after=${next}`}
              className={buttonVariants({ variant: "secondary", size: "sm" })}
              data-testid="mine-older"
            >
              Older
            </Link>
          )}
        </nav>
      )}

      <section aria-labelledby="skipped-title" className="mt-8" data-testid="skipped">
        <h2 id="skipped-title" className="text-base font-semibold text-slate-900">
          Skipped
        </h2>
        {skipped.length === 0 ? (
          <p className="mt-1 text-sm text-slate-600" data-testid="skipped-empty">
            Nothing skipped. Prompts you skip stay here for a day, then come back to your queue by themselves.
          </p>
        ) : (
          <>
            <p className="mt-1 text-sm text-slate-600">
              Out of your queue until the time shown; reopen one to rank it now.
            </p>
            <Card padding="none" className="mt-3 overflow-hidden">
              <ul className="divide-y divide-slate-100">
                {skipped.map((s) => (
                  <li
                    key={s.promptId}
                    className="flex flex-col gap-2 p-4 sm:flex-row sm:items-center sm:gap-4"
                    data-testid="skipped-prompt"
                    data-prompt-id={s.promptId}
                  >
                    <div className="min-w-0 flex-1">
                      <p className="text-sm text-slate-900">{excerpt(s.promptText)}</p>
                      <p className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-600">
                        <span>{s.datasetName}</span>
                        <span data-testid="skip-reason-shown">{s.reason ? `“${s.reason}”` : "no reason given"}</span>
                        <span>
                          back in your queue <time dateTime={s.until.toISOString()}>{formatDateTime(s.until)}</time>
                        </span>
                      </p>
                    </div>
                    <form action={reopenSkippedAction} className="self-start sm:self-center">
                      <input type="hidden" name="promptId" value={s.promptId} />
                      <Button type="submit" variant="secondary" size="sm" data-testid="reopen-skipped">
                        Reopen
                      </Button>
                    </form>
                  </li>
                ))}
              </ul>
            </Card>
          </>
        )}
      </section>
    </div>
  );
}
