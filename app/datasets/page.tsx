import Link from "next/link";
import { getDb } from "@/lib/db";
import { ProgressBar } from "@/components/datasets/progress-bar";
import { listDatasets } from "@/lib/datasets/queries";
import { requirePageUser } from "@/lib/auth/session";

export const metadata = { title: "Datasets" };
export const dynamic = "force-dynamic";

export default async function Page() {
  await requirePageUser("researcher", "/datasets");
  const datasets = listDatasets(getDb());
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Datasets</h1>
          <p className="text-sm text-slate-600">
            Progress towards each dataset&apos;s target number of annotations per prompt.
          </p>
        </div>
        <Link
          href="/datasets/new"
          className="inline-flex h-10 items-center rounded-md bg-indigo-600 px-4 text-sm font-medium text-white hover:bg-indigo-500 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2"
          data-testid="new-dataset"
        >
          New dataset from a file
        </Link>
      </div>
      {datasets.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-600">
          No datasets yet.{" "}
          <Link href="/datasets/new" className="text-indigo-700 underline">
            Import a JSONL file
          </Link>{" "}
          to create one.
        </p>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2" data-testid="dataset-list">
          {datasets.map((d) => (
            <li key={d.id} className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
              <div className="flex items-start justify-between gap-3">
                <div className="min-w-0">
                  <Link
                    href={`/datasets/${d.slug}`}
                    className="text-lg font-semibold text-slate-900 hover:text-indigo-700 hover:underline"
                  >
                    {d.name}
                  </Link>
                  <p className="font-mono text-xs text-slate-500">{d.slug}</p>
                </div>
                {d.synthetic && (
                  <span className="rounded bg-slate-100 px-2 py-0.5 text-xs text-slate-600">synthetic</span>
                )}
              </div>
              <dl className="mt-3 grid grid-cols-3 gap-2 text-sm">
                <div>
                  <dt className="text-xs text-slate-500">Prompts</dt>
                  <dd className="tabular-nums">{d.prompts}</dd>
                </div>
                <div>
                  <dt className="text-xs text-slate-500">Annotations</dt>
                  <dd className="tabular-nums">{d.annotations}</dd>
                </div>
                <div>
                  <dt className="text-xs text-slate-500">Annotators</dt>
                  <dd className="tabular-nums">{d.annotators}</dd>
                </div>
              </dl>
              <p className="mt-3 text-xs text-slate-500">
                {d.completePrompts} of {d.prompts} prompts have {d.annotationsPerPrompt}+ annotations
              </p>
              <ProgressBar
                value={d.completePrompts}
                max={d.prompts}
                label={`${d.name}: prompts complete`}
                className="mt-1"
              />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
