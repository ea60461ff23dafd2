import Link from "next/link";
import { getDb } from "@/lib/db";
import { requirePageUser } from "@/lib/auth/session";
import { runDashboard, type RunDashboard } from "@/lib/runs/dashboard";
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
import { EmptyState } from "@/components/ui/empty-state";
import { num, pct } from "@/components/runs/format";

export const metadata = { title: "Compare runs" };
export const dynamic = "force-dynamic";

export default async function ComparePage({ searchParams }: { searchParams: Promise<{ a?: string; b?: string }> }) {
  const { a, b } = await searchParams;
  await requirePageUser("researcher", `/runs/compare?a=${a ?? ""}&b=${b ?? ""}`);
  const db = getDb();
  const ids = [parseRecordId(a), parseRecordId(b)];
  const runs = ids.map((id) => (id === null ? null : runDashboard(db, id)));
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
        <p className="text-sm text-slate-600">
          <Link href="/runs" className="hover:underline">
            Runs
          </Link>{" "}
          / compare
        </p>
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
              <p className="rounded-lg border border-dashed border-slate-300 bg-white p-8 text-center text-sm text-slate-600">
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

function NumbersTable({ left, right }: { left: RunDashboard; right: RunDashboard }) {
  const row = (d: RunDashboard) => {
    const held = d.splits.test ?? d.splits.train;
    const summary = d.run.summary;
    return { held, summary };
  };
  const L = row(left);
  const R = row(right);
  const lines: [string, string, string][] = [
    ["utility", left.run.config.utility, right.run.config.utility],
    ["held-out pair accuracy", pct(L.held?.accuracy), pct(R.held?.accuracy)],
    ["verdict", L.held?.verdictKind ?? "–", R.held?.verdictKind ?? "–"],
    [
      "normalised gap (aware ≥ " + left.thresholds.awareMin + ")",
      num(L.held?.normalizedGap, 2),
      num(R.held?.normalizedGap, 2),
    ],
    ["collapse gap (raw)", num(L.held?.gap), num(R.held?.gap)],
    [
      "openness tracking slope (aware ≥ " + left.thresholds.trackingAwareMin + ")",
      num(L.held?.tracking, 2),
      num(R.held?.tracking, 2),
    ],
    [
      "flagged prompts",
      L.held ? `${L.held.flaggedTotal} / ${L.held.prompts}` : "–",
      R.held ? `${R.held.flaggedTotal} / ${R.held.prompts}` : "–",
    ],
    ["steps", String(L.summary?.metrics.steps ?? "–"), String(R.summary?.metrics.steps ?? "–")],
  ];
  return (
    <div className="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
      <table className="w-full text-sm" data-testid="compare-numbers">
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600">
          <tr>
            <th className="px-4 py-2 font-medium">held-out</th>
            <th className="px-4 py-2 font-medium">#{left.run.id}</th>
            <th className="px-4 py-2 font-medium">#{right.run.id}</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {lines.map(([label, l, r]) => (
            <tr key={label}>
              <td className="px-4 py-2 text-slate-600">{label}</td>
              <td className="px-4 py-2 font-medium tabular-nums">{l}</td>
              <td className="px-4 py-2 font-medium tabular-nums">{r}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
