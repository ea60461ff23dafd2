import Link from "next/link";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { getStore, type Store } from "@/lib/db";
import { requirePageUser } from "@/lib/auth/session";
import { comparedRuns, runDashboard, type RunDashboard } from "@/lib/runs/dashboard";
import { parseRecordId } from "@/lib/http/ids";
import {
  HeadlineCards,
  HistogramCard,
  PaperFigureCard,
  ShapeCard,
  StripCard,
} from "@/components/runs/collapse-dashboard";
import { StatusBadge } from "@/components/runs/status-badge";
import { AutoRefresh } from "@/components/runs/auto-refresh";
import { cardVariants } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { DataTable, TableCell, TableRow } from "@/components/ui/table";
import { num, pct } from "@/components/runs/format";

export const metadata = { title: "Compare runs" };
export const dynamic = "force-dynamic";

export default async function ComparePage({ searchParams }: { searchParams: Promise<{ a?: string; b?: string }> }) {
  const { a, b } = await searchParams;
  await requirePageUser("researcher", `/runs/compare?a=${a ?? ""}&b=${b ?? ""}`);
  const store = getStore();
  const ids = [parseRecordId(a), parseRecordId(b)];
  const runs = await Promise.all(ids.map((id) => (id === null ? null : runDashboard(store, id))));
  if (runs.some((r) => !r)) {
    // A run asked for by number that is not there is named; otherwise the two are still to be picked.
    const missing = [a, b].filter((raw, i) => raw && ids[i] !== null && !runs[i]).map((raw) => `run ${raw}`);
    const malformed = [a, b].filter((raw, i) => raw && ids[i] === null);
    return (
      <EmptyState
        eyebrow={missing.length || malformed.length ? "404" : undefined}
        testId="compare-missing"
        title={
          missing.length
            ? `${missing.join(" and ")} ${missing.length === 1 ? "does" : "do"} not exist`
            : malformed.length
              ? `“${malformed.join("” and “")}” is not a run number`
              : "Pick two runs to compare"
        }
        actions={[{ href: "/runs", label: "All runs" }]}
      >
        Use the compare form on the runs page, or <code>/runs/compare?a=&lt;id&gt;&amp;b=&lt;id&gt;</code>.
      </EmptyState>
    );
  }
  const [left, right] = runs as [RunDashboard, RunDashboard];
  const pending = [left, right].some((d) => d.run.status === "queued" || d.run.status === "running");
  return (
    <div className="space-y-6">
      <div>
        <Breadcrumb parent={{ href: "/runs", label: "Runs" }} current="compare" />
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">
          {left.run.config.utility} vs {right.run.config.utility}
          <span className="ml-2 text-base font-normal text-slate-600">
            #{left.run.id} and #{right.run.id}
            {left.run.datasetSlug === right.run.datasetSlug ? ` on ${left.run.datasetSlug}` : ""}
          </span>
        </h1>
      </div>
      {pending && <AutoRefresh seconds={2} message="Waiting for the runs to finish; this page updates by itself." />}
      <NumbersTable left={left} right={right} />
      <PairedControlNote store={store} left={left} right={right} />
      <div className="grid gap-6 lg:grid-cols-2">
        {[left, right].map((d, i) => (
          <div key={d.run.id} className="space-y-4" data-testid={`compare-${i === 0 ? "a" : "b"}`}>
            <div className="flex items-center gap-2">
              <Link href={`/runs/${d.run.id}`} className="font-semibold text-indigo-700 hover:underline">
                #{d.run.id} {d.run.name}
              </Link>
              <StatusBadge status={d.run.status} testId="compare-status" />
            </div>
            {d.run.status === "succeeded" ? (
              <Column data={d} />
            ) : (
              <p
                className={cardVariants({
                  tone: "dashed",
                  padding: "lg",
                  className: "text-center text-sm text-slate-600",
                })}
              >
                {d.run.status === "failed" || d.run.status === "canceled"
                  ? `This run ${d.run.status}: ${d.run.error ?? ""}`
                  : `Training… ${pct(d.run.progress, 0)}`}
              </p>
            )}
          </div>
        ))}
      </div>
    </div>
  );
}

/** What run b adds over run a on the same held-out prompts, with paired intervals. */
async function PairedControlNote({ store, left, right }: { store: Store; left: RunDashboard; right: RunDashboard }) {
  const control = await comparedRuns(store, left, right);
  if (!control) return null;
  return (
    <p className="text-sm text-slate-700" data-testid="compare-control" data-delta-beta={control.deltaBeta ?? ""}>
      Paired control, #{right.run.id} ({right.run.config.utility}) minus #{left.run.id} ({left.run.config.utility}):{" "}
      {control.summary} What the data alone gives both runs cancels here.
    </p>
  );
}

function Column({ data }: { data: RunDashboard }) {
  const held = data.splits.test ?? data.splits.train;
  if (!held) return null;
  return (
    <>
      <HeadlineCards data={data} compact />
      <PaperFigureCard data={data} split={held} />
      <StripCard data={data} />
      <ShapeCard data={data} split={held} />
      <HistogramCard split={held} />
    </>
  );
}

/** The headline numbers of one run's held-out split (else its training split), in NUMBER_LABELS' order. */
function headlineNumbers(d: RunDashboard): string[] {
  const held = d.splits.test ?? d.splits.train;
  return [
    d.run.config.utility,
    pct(held?.accuracy),
    held?.verdictKind ?? "–",
    `${num(held?.beta, 2)}${held?.betaCi ? ` [${num(held.betaCi[0], 2)}, ${num(held.betaCi[1], 2)}]` : ""}`,
    num(held?.normalizedGap, 2),
    num(held?.gap),
    held ? `${held.flaggedTotal} / ${held.prompts}` : "–",
    String(d.run.summary?.metrics.steps ?? "–"),
  ];
}

function NumbersTable({ left, right }: { left: RunDashboard; right: RunDashboard }) {
  const labels = [
    "utility",
    "held-out pair accuracy",
    "verdict",
    `openness slope β (aware ≥ ${left.thresholds.awareMin}, collapsed inside ±${left.thresholds.collapseMargin})`,
    "normalised gap",
    "collapse gap (raw)",
    "flagged prompts",
    "steps",
  ];
  const [l, r] = [headlineNumbers(left), headlineNumbers(right)];
  return (
    <DataTable
      className="w-full"
      frameClassName="shadow-sm"
      data-testid="compare-numbers"
      columns={["held-out", `#${left.run.id}`, `#${right.run.id}`]}
    >
      {labels.map((label, i) => (
        <TableRow key={label}>
          <TableCell className="text-slate-600">{label}</TableCell>
          <TableCell className="font-medium tabular-nums">{l[i]}</TableCell>
          <TableCell className="font-medium tabular-nums">{r[i]}</TableCell>
        </TableRow>
      ))}
    </DataTable>
  );
}
