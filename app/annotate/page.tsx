import Link from "next/link";
import { getStore } from "@/lib/db";
import { Alert } from "@/components/ui/alert";
import { buttonVariants } from "@/components/ui/button";
import { cardVariants } from "@/components/ui/card";
import { AnnotationBoard } from "@/components/ranking/annotation-board";
import { QueueClaim } from "@/components/ranking/queue-claim";
import { QueueProgressBar } from "@/components/ranking/queue-progress";
import { findQueueDataset, listQueueDatasets, queueProgress } from "@/lib/annotations/queue";
import { getMyAnnotation } from "@/lib/annotations/annotations";
import { activePause, annotatorQuality } from "@/lib/annotations/quality";
import { sentBackToAnnotator } from "@/lib/annotations/review";
import { getDataset } from "@/lib/datasets/queries";
import { requirePageUser } from "@/lib/auth/session";

export const metadata = { title: "Annotate" };
export const dynamic = "force-dynamic";

export default async function AnnotatePage({
  searchParams,
}: {
  searchParams: Promise<{ dataset?: string; saved?: string }>;
}) {
  const { dataset: slug, saved } = await searchParams;
  const user = await requirePageUser("annotator", `/annotate${slug ? `?dataset=${encodeURIComponent(slug)}` : ""}`);
  const store = getStore();
  const dataset = await findQueueDataset(store, slug);
  const datasets = await listQueueDatasets(store);

  if (!dataset) {
    return (
      <div
        className={cardVariants({ padding: "lg", className: "mx-auto max-w-md text-center" })}
        data-testid="no-dataset"
      >
        <h1 className="text-lg font-semibold">{slug ? `There is no dataset “${slug}”` : "Nothing to annotate yet"}</h1>
        <p className="mt-2 text-sm text-slate-600">
          {slug
            ? "Check the link, or pick one of the datasets below."
            : "A researcher needs to import a dataset first."}
        </p>
        <ul className="mt-4 space-y-1 text-sm">
          {datasets.map((d) => (
            <li key={d.id}>
              <Link className="text-indigo-700 underline" href={`/annotate?dataset=${encodeURIComponent(d.slug)}`}>
                {d.name}
              </Link>
            </li>
          ))}
        </ul>
      </div>
    );
  }

  // Rendering changes nothing: the next prompt is claimed by the browser (QueueClaim, a POST).
  // Work a reviewer sent back comes before any new prompt.
  const sentBack = await sentBackToAnnotator(store, dataset.id, user.id);
  const redo = sentBack[0] ? await getMyAnnotation(store, user.id, sentBack[0].annotationId) : null;
  const pairwise = (await getDataset(store, dataset.slug))?.rankingMode === "pairwise";
  const progress = await queueProgress(store, dataset, user.id);
  const pause = await activePause(store, dataset.id, user.id);
  const quality = pause ? null : (await annotatorQuality(store, dataset.id, user.id))[0];
  const datasetQuery = `?dataset=${encodeURIComponent(dataset.slug)}`;

  return (
    <div>
      <header className="mb-5 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
        <div className="min-w-0">
          <h1 className="text-xl font-semibold tracking-tight text-slate-900 sm:text-2xl">Annotate</h1>
          <p className="mt-1 text-sm text-slate-600">
            Dataset:{" "}
            <span className="font-medium text-slate-900" data-testid="dataset-name">
              {dataset.name}
            </span>
          </p>
          {datasets.length > 1 && (
            // Labelled: "not a link" was the only sign of the current dataset, lost once the list wraps on a phone.
            <nav aria-label="Other datasets" className="mt-1 flex flex-wrap gap-x-3 gap-y-1 text-sm text-slate-600">
              <span>Switch to:</span>
              {datasets
                .filter((d) => d.id !== dataset.id)
                .map((d) => (
                  <Link
                    key={d.id}
                    href={`/annotate?dataset=${encodeURIComponent(d.slug)}`}
                    className="rounded text-indigo-700 hover:underline"
                  >
                    {d.name}
                  </Link>
                ))}
            </nav>
          )}
        </div>
        <QueueProgressBar progress={progress} />
      </header>

      {quality?.level === "warn" && (
        <Alert tone="warning" role="status" className="mb-4 py-3" data-testid="quality-warning">
          <p className="font-semibold">A word from the quality checks</p>
          <p className="mt-1">
            In this dataset, {quality.reasons.join("; ")}. Take the time each prompt needs: past a threshold, the checks
            pause your work here until an admin resumes it.
          </p>
        </Alert>
      )}

      {pause ? (
        <section
          className={cardVariants({ padding: "lg", className: "mx-auto mt-10 max-w-lg" })}
          data-testid="annotator-paused"
        >
          <h2 className="text-lg font-semibold text-slate-900">Your work on {dataset.name} is paused</h2>
          <p className="mt-2 text-sm text-slate-700" data-testid="pause-reason">
            {pause.reason}
          </p>
          <p className="mt-2 text-sm text-slate-600">
            Nothing you submitted is lost. Read the guidelines again; an admin can resume you once you have talked.
          </p>
        </section>
      ) : redo && sentBack[0] ? (
        <>
          <Alert tone="warning" role="status" className="mb-4 py-3" data-testid="sent-back-banner">
            <p className="font-semibold">
              {sentBack[0].reviewer} sent this annotation back to you
              {sentBack.length > 1 ? ` (${sentBack.length - 1} more after it)` : ""}.
            </p>
            {sentBack[0].comment && (
              <p className="mt-1" data-testid="sent-back-comment">
                “{sentBack[0].comment}”
              </p>
            )}
            <p className="mt-1 text-amber-900">
              Change what they asked for and submit again; your earlier version stays in the history.
            </p>
          </Alert>
          <AnnotationBoard
            key={`redo-${redo.annotation.id}-${redo.annotation.updatedAt.getTime()}`}
            pairwise={pairwise}
            userId={user.id}
            annotation={redo.annotation}
            prompt={redo.prompt}
            responses={redo.responses}
            guidelines={redo.dataset.guidelines}
            afterSaveHref={`/annotate${datasetQuery}&saved=${redo.prompt.id}`}
            cancelHref="/annotate/mine"
          />
        </>
      ) : (
        <QueueClaim
          // One per dataset: after a save or a skip it shows its prefetched next prompt itself.
          key={dataset.slug}
          userId={user.id}
          datasetSlug={dataset.slug}
          pairwise={pairwise}
          guidelines={dataset.guidelines}
          queueHref={`/annotate${datasetQuery}`}
          saved={Boolean(saved)}
          done={
            <section
              className={cardVariants({ padding: "lg", className: "mx-auto mt-10 max-w-lg text-center" })}
              data-testid="queue-empty"
            >
              <div
                aria-hidden
                className="mx-auto grid h-14 w-14 place-items-center rounded-full bg-emerald-100 text-2xl text-emerald-700"
              >
                ✓
              </div>
              <h2 className="mt-4 text-xl font-semibold text-slate-900">All done here, thank you!</h2>
              <p className="mt-2 text-sm text-slate-600">
                You have ranked {progress.doneByMe} {progress.doneByMe === 1 ? "prompt" : "prompts"} in {dataset.name}.
                Every other prompt already has its {progress.target} rankings, is being ranked by someone else right
                now, or was skipped by you.
              </p>
              <div className="mt-6 flex flex-wrap justify-center gap-2">
                <Link href="/annotate/mine" className={buttonVariants()}>
                  Review my annotations
                </Link>
                <Link href={`/annotate${datasetQuery}`} className={buttonVariants({ variant: "secondary" })}>
                  Check again
                </Link>
              </div>
            </section>
          }
        />
      )}
    </div>
  );
}
