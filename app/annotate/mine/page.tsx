import Link from "next/link";
import { getDb } from "@/lib/db";
import { listMyAnnotations } from "@/lib/annotations/annotations";
import { opennessLabel } from "@/lib/openness/scale";
import { requirePageUser } from "@/lib/auth/session";

export const metadata = { title: "My annotations" };
export const dynamic = "force-dynamic";

const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });

function excerpt(text: string, max = 140): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export default async function MyAnnotationsPage({ searchParams }: { searchParams: Promise<{ saved?: string }> }) {
  const user = await requirePageUser("annotator", "/annotate/mine");
  const { saved } = await searchParams;
  const rows = listMyAnnotations(getDb(), user.id);

  return (
    <div className="mx-auto max-w-4xl">
      <header className="mb-5 flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold tracking-tight sm:text-2xl">My annotations</h1>
          <p className="mt-1 text-sm text-slate-500">
            {rows.length} {rows.length === 1 ? "prompt" : "prompts"} ranked. Reopen one to change it; earlier versions
            are kept.
          </p>
        </div>
        <Link
          href="/annotate"
          className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500"
        >
          Continue annotating
        </Link>
      </header>

      {saved && (
        <p
          role="status"
          className="mb-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-2 text-sm text-emerald-800"
          data-testid="saved-banner"
        >
          Your changes are saved; the previous version is kept.
        </p>
      )}

      {rows.length === 0 ? (
        <div
          className="rounded-xl border border-dashed border-slate-300 bg-white p-10 text-center text-sm text-slate-600"
          data-testid="mine-empty"
        >
          You have not ranked anything yet.{" "}
          <Link href="/annotate" className="font-medium text-indigo-600 hover:underline">
            Start with your first prompt
          </Link>
          .
        </div>
      ) : (
        <ul
          className="divide-y divide-slate-100 overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm"
          data-testid="my-annotations"
        >
          {rows.map((row) => (
            <li
              key={row.id}
              data-testid="my-annotation"
              data-annotation-id={row.id}
              className="flex flex-col gap-2 p-4 sm:flex-row sm:items-center sm:gap-4"
            >
              <div className="min-w-0 flex-1">
                <p className="text-sm text-slate-900">{excerpt(row.promptText)}</p>
                <p className="mt-1 flex flex-wrap gap-x-3 gap-y-1 text-xs text-slate-500">
                  <span>{row.datasetName}</span>
                  <span>
                    {row.notRankable ? (
                      <span className="font-medium text-amber-700">Could not rank</span>
                    ) : (
                      <>
                        Openness: <span className="font-medium text-slate-700">{opennessLabel(row.openness)}</span>
                      </>
                    )}
                  </span>
                  <time dateTime={row.updatedAt.toISOString()}>{when.format(row.updatedAt)}</time>
                  {row.edits > 0 && (
                    <span className="rounded-full bg-slate-100 px-2 text-slate-600" data-testid="edit-count">
                      edited {row.edits}×
                    </span>
                  )}
                </p>
              </div>
              <Link
                href={`/annotate/mine/${row.id}`}
                className="self-start rounded-md px-3 py-1.5 text-sm font-medium text-indigo-700 ring-1 ring-indigo-200 hover:bg-indigo-50 sm:self-center"
                data-testid="reopen"
              >
                Reopen
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
