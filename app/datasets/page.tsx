import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { buttonVariants } from "@/components/ui/button";
import { cardVariants } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { getStore } from "@/lib/db";
import { ProgressBar } from "@/components/datasets/progress-bar";
import { listDatasets } from "@/lib/datasets/queries";
import { requirePageUser } from "@/lib/auth/session";

export const metadata = { title: "Datasets" };
export const dynamic = "force-dynamic";

export default async function Page() {
  await requirePageUser("researcher", "/datasets");
  const datasets = await listDatasets(getStore());
  return (
    <div className="space-y-6">
      <PageHeader
        title="Datasets"
        description="Progress towards each dataset's target number of annotations per prompt."
        actions={
          <Link href="/datasets/new" className={buttonVariants()} data-testid="new-dataset">
            New dataset from a file
          </Link>
        }
      />
      {datasets.length === 0 ? (
        <p className={cardVariants({ tone: "dashed", padding: "lg", className: "text-center text-sm text-slate-600" })}>
          No datasets yet.{" "}
          <Link href="/datasets/new" className="text-indigo-700 underline">
            Import a JSONL file
          </Link>{" "}
          to create one.
        </p>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2" data-testid="dataset-list">
          {datasets.map((d) => (
            <li key={d.id} className={cardVariants()}>
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
                {d.synthetic && <Badge className="rounded font-normal">synthetic</Badge>}
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
