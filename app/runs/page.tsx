import Link from "next/link";
import { getDb } from "@/lib/db";
import { requirePageUser } from "@/lib/auth/session";
import { listRuns, runStatusCounts } from "@/lib/runs/lifecycle";

import { StatusBadge, VerdictText } from "@/components/runs/status-badge";
import { Button } from "@/components/ui/button";
import { num, pct, duration } from "@/components/runs/format";
import { reproducePaperAction } from "../../lib/runs/actions";
import { REPRO } from "@/lib/runs/repro";

export const metadata = { title: "Runs" };
export const dynamic = "force-dynamic";

export default async function RunsPage() {
  await requirePageUser("researcher", "/runs");
  const db = getDb();
  const runs = listRuns(db);
  const counts = runStatusCounts(db);
  const finished = runs.filter((r) => r.status === "succeeded");
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Training runs</h1>
          <p className="mt-1 text-sm text-slate-600">
            Reward models trained on your rankings, and whether their reward distributions follow each prompt&apos;s
            openness.
            {counts.running + counts.queued > 0 && (
              <span className="ml-1 font-medium text-indigo-700">
                {counts.running} training, {counts.queued} queued.
              </span>
            )}
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <form action={reproducePaperAction}>
            <Button
              type="submit"
              variant="secondary"
              data-testid="reproduce-paper"
              title={`Synthetic length experiment: ${REPRO.prompts} prompts, ${REPRO.steps} steps, log vs conditioned`}
            >
              Reproduce the paper
            </Button>
          </form>
          <Link
            href="/runs/external"
            className="inline-flex h-10 items-center rounded-md border border-slate-300 bg-white px-4 text-sm font-medium text-slate-700 hover:bg-slate-50"
            data-testid="external-run"
          >
            Judge an external model
          </Link>
          <Link
            href="/runs/new"
            className="inline-flex h-10 items-center rounded-md bg-indigo-600 px-4 text-sm font-medium text-white hover:bg-indigo-500 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2"
            data-testid="new-run"
          >
            New run
          </Link>
        </div>
      </div>

      {finished.length >= 2 && (
        <form
          action="/runs/compare"
          className="flex flex-wrap items-end gap-2 rounded-lg border border-slate-200 bg-white p-3 text-sm shadow-sm"
        >
          <span className="mr-1 self-center font-medium text-slate-700">Compare</span>
          {(["a", "b"] as const).map((side, i) => (
            <label key={side} className="flex flex-col gap-1 text-xs text-slate-600">
              Run {side.toUpperCase()}
              <select
                name={side}
                defaultValue={finished[i === 0 ? 1 : 0]?.id}
                className="h-9 rounded-md border border-slate-300 bg-white px-2 text-sm text-slate-900"
              >
                {finished.map((r) => (
                  <option key={r.id} value={r.id}>
                    #{r.id} {r.name}
                  </option>
                ))}
              </select>
            </label>
          ))}
          <Button type="submit" variant="secondary" size="sm" className="h-9">
            Compare side by side
          </Button>
        </form>
      )}

      {runs.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white p-10 text-center">
          <p className="font-medium">No runs yet</p>
          <p className="mt-1 text-sm text-slate-600">
            Start one on your rankings, or reproduce the paper&apos;s length experiment in about a minute.
          </p>
        </div>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
          <table className="w-full text-sm" data-testid="runs-table">
            <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th className="px-4 py-2 font-medium">Run</th>
                <th className="px-3 py-2 font-medium">Dataset</th>
                <th className="px-3 py-2 font-medium">Utility</th>
                <th className="px-3 py-2 font-medium">Status</th>
                <th className="px-3 py-2 text-right font-medium">Held-out acc.</th>
                <th
                  className="px-3 py-2 text-right font-medium"
                  title="Normalised collapse gap (1 = ideal, 0 = collapse); raw gap for runs before verdict v2"
                >
                  Gap
                </th>
                <th
                  className="px-3 py-2 text-right font-medium"
                  title="Slope of implied on tagged openness (Spearman for runs before verdict v2)"
                >
                  Tracking
                </th>
                <th className="px-3 py-2 font-medium">Collapse</th>
                <th className="px-4 py-2 font-medium">Started</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {runs.map((run) => {
                const summary = run.summary;
                const held = summary?.collapse.test ?? summary?.collapse.train;
                return (
                  <tr key={run.id} className="hover:bg-slate-50" data-testid={`run-row-${run.id}`}>
                    <td className="px-4 py-2">
                      <Link href={`/runs/${run.id}`} className="font-medium text-indigo-700 hover:underline">
                        #{run.id} {run.name}
                      </Link>
                      <div className="text-xs text-slate-600">{run.createdByName ?? "CLI"}</div>
                    </td>
                    <td className="px-3 py-2 text-slate-700">{run.datasetSlug}</td>
                    <td className="px-3 py-2">
                      <code className="rounded bg-slate-100 px-1.5 py-0.5 text-xs">{run.config.utility}</code>
                    </td>
                    <td className="px-3 py-2">
                      <StatusBadge status={run.status} />
                      {run.status === "running" && (
                        <span className="ml-2 text-xs tabular-nums text-slate-600">{pct(run.progress, 0)}</span>
                      )}
                    </td>
                    <td className="px-3 py-2 text-right tabular-nums">{pct(summary?.testAccuracy)}</td>
                    <td className="px-3 py-2 text-right tabular-nums">
                      {held?.version === 2 ? num(held.normalizedGap, 2) : num(held?.gap)}
                    </td>
                    <td className="px-3 py-2 text-right tabular-nums">{num(held?.tracking, 2)}</td>
                    <td className="px-3 py-2">
                      {held?.verdictKind ? (
                        <>
                          <VerdictText kind={held.verdictKind} />
                          {held.version !== 2 && (
                            <span
                              className="ml-1 text-xs text-slate-400"
                              title="Recorded before verdict v2 (raw gap and Spearman tracking); the run's page shows the current verdict."
                              data-testid="verdict-v1"
                            >
                              (v1)
                            </span>
                          )}
                        </>
                      ) : (
                        <span className="text-xs text-slate-600">–</span>
                      )}
                    </td>
                    <td className="px-4 py-2 text-xs text-slate-600">
                      {run.createdAt.toLocaleString("en-GB", { dateStyle: "short", timeStyle: "short" })}
                      {summary && <div>{duration(summary.durationMs / 1000)}</div>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
