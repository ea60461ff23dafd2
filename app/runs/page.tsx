import Link from "next/link";
import { formatDateTime } from "@/lib/utils";
import { getStore } from "@/lib/db";
import { requirePageUser } from "@/lib/auth/session";
import { listRuns, runStatusCounts } from "@/lib/runs/lifecycle";

import { AutoRefresh } from "@/components/runs/auto-refresh";
import { StatusBadge, VerdictText } from "@/components/runs/status-badge";
import { Button, buttonVariants } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { CompactSelect, fieldRowVariants } from "@/components/ui/field";
import { DataTable, TableCell, TableRow } from "@/components/ui/table";
import { PageHeader } from "@/components/ui/page-header";
import { num, pct, duration } from "@/components/runs/format";
import { reproducePaperAction } from "@/lib/runs/actions";
import { REPRO } from "@/lib/runs/repro";
import { COLLAPSE_SUMMARY_VERSION } from "@/lib/runs/schemas";

export const metadata = { title: "Runs" };
export const dynamic = "force-dynamic";

export default async function RunsPage() {
  await requirePageUser("researcher", "/runs");
  const store = getStore();
  const runs = await listRuns(store);
  const counts = await runStatusCounts(store);
  const finished = runs.filter((r) => r.status === "succeeded");
  return (
    <div className="space-y-6">
      <PageHeader
        title="Training runs"
        description={
          <>
            Reward models trained on your rankings, and whether their reward distributions follow each prompt&apos;s
            openness.
            {counts.running + counts.queued > 0 && (
              <span className="ml-1 font-medium text-indigo-700">
                {counts.running} training, {counts.queued} queued.
              </span>
            )}
          </>
        }
        actions={
          <>
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
            <Link href="/runs/external" className={buttonVariants({ variant: "secondary" })} data-testid="external-run">
              Judge an external model
            </Link>
            <Link href="/runs/new" className={buttonVariants()} data-testid="new-run">
              New run
            </Link>
          </>
        }
      />
      {counts.running + counts.queued > 0 && (
        // Without it a run that fails (or finishes) keeps its "running" badge here until a reload.
        <AutoRefresh seconds={3} message="Runs are training or queued; this list updates by itself." />
      )}

      {finished.length >= 2 && (
        <form action="/runs/compare" className={fieldRowVariants({ card: true })}>
          <span className="mr-1 self-center font-medium text-slate-700">Compare</span>
          {(["a", "b"] as const).map((side, i) => (
            <CompactSelect
              key={side}
              label={`Run ${side.toUpperCase()}`}
              name={side}
              defaultValue={finished[i === 0 ? 1 : 0]?.id}
            >
              {finished.map((r) => (
                <option key={r.id} value={r.id}>
                  #{r.id} {r.name}
                </option>
              ))}
            </CompactSelect>
          ))}
          <Button type="submit" variant="secondary" size="sm" className="h-9">
            Compare side by side
          </Button>
        </form>
      )}

      {runs.length === 0 ? (
        <Card tone="dashed" padding="none" className="p-10 text-center">
          <p className="font-medium">No runs yet</p>
          <p className="mt-1 text-sm text-slate-600">
            Start one on your rankings, or reproduce the paper&apos;s length experiment in about a minute.
          </p>
        </Card>
      ) : (
        <DataTable
          className="w-full"
          frameClassName="shadow-sm"
          data-testid="runs-table"
          columns={[
            "Run",
            "Dataset",
            "Utility",
            "Status",
            { label: "Held-out acc.", numeric: true },
            {
              label: "Gap",
              numeric: true,
              title: "Normalised collapse gap (1 = ideal, 0 = collapse); raw gap for runs before verdict v2",
            },
            {
              label: "Tracking",
              numeric: true,
              title: "Slope of implied on tagged openness (Spearman for runs before verdict v2)",
            },
            "Collapse",
            "Started",
          ]}
        >
          {runs.map((run) => {
            const summary = run.summary;
            const held = summary?.collapse.test ?? summary?.collapse.train;
            return (
              <TableRow key={run.id} className="hover:bg-slate-50" data-testid={`run-row-${run.id}`}>
                <TableCell>
                  <Link href={`/runs/${run.id}`} className="font-medium text-indigo-700 hover:underline">
                    #{run.id} {run.name}
                  </Link>
                  <div className="text-xs text-slate-600">{run.createdByName ?? "CLI"}</div>
                </TableCell>
                <TableCell className="text-slate-700">{run.datasetSlug}</TableCell>
                <TableCell>
                  <code className="rounded bg-slate-100 px-1.5 py-0.5 text-xs">{run.config.utility}</code>
                </TableCell>
                <TableCell>
                  <StatusBadge status={run.status} />
                  {run.status === "running" && (
                    <span className="ml-2 text-xs tabular-nums text-slate-600">{pct(run.progress, 0)}</span>
                  )}
                </TableCell>
                <TableCell numeric>{pct(summary?.testAccuracy)}</TableCell>
                <TableCell numeric>{held?.version ? num(held.normalizedGap, 2) : num(held?.gap)}</TableCell>
                <TableCell numeric>{num(held?.tracking, 2)}</TableCell>
                <TableCell>
                  {held?.verdictKind ? (
                    <>
                      <VerdictText kind={held.verdictKind} />
                      {held.version !== COLLAPSE_SUMMARY_VERSION && (
                        <span
                          className="ml-1 text-xs text-slate-600"
                          title={`Recorded under verdict v${held.version ?? 1}; the run's page shows the current verdict.`}
                          data-testid="verdict-older"
                        >
                          (v{held.version ?? 1})
                        </span>
                      )}
                    </>
                  ) : (
                    <span className="text-xs text-slate-600">–</span>
                  )}
                </TableCell>
                <TableCell className="text-xs text-slate-600">
                  {formatDateTime(run.createdAt)}
                  {summary && <div>{duration(summary.durationMs / 1000)}</div>}
                </TableCell>
              </TableRow>
            );
          })}
        </DataTable>
      )}
    </div>
  );
}
