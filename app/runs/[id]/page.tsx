import Link from "next/link";
import { formatDateTime } from "@/lib/utils";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { cardVariants } from "@/components/ui/card";
import { notFound } from "next/navigation";
import { getStore } from "@/lib/db";
import { requirePageUser } from "@/lib/auth/session";
import { runDashboard } from "@/lib/runs/dashboard";
import { parseRecordId } from "@/lib/http/ids";
import { runMetricSeries, runSnapshot } from "@/lib/runs/progress";
import { toTrainConfig } from "@/lib/runs/training";
import { RunLive } from "@/components/runs/run-live";
import { CollapseDashboard } from "@/components/runs/collapse-dashboard";
import { LossChart } from "@/components/charts/loss-chart";
import { ChartCard } from "@/components/charts/chart-card";
import { StatusBadge } from "@/components/runs/status-badge";
import { duration, pct } from "@/components/runs/format";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  return { title: `Run #${(await params).id}` };
}

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id: raw } = await params;
  await requirePageUser("researcher", `/runs/${raw}`);
  const id = parseRecordId(raw);
  if (id === null) notFound();
  const store = getStore();
  const data = await runDashboard(store, id);
  const snapshot = await runSnapshot(store, id);
  if (!data || !snapshot) notFound();
  const { run } = data;
  const config = toTrainConfig(run.config);
  const summary = run.summary;
  const external = run.config.origin === "external";
  const trainedHere: [string, string][] = [
    ["utility", run.config.utility],
    ["held-out share", String(run.config.heldOutShare)],
    ["seed", String(run.config.seed)],
    ["steps", String(config.steps)],
    ["learning rate", String(config.learningRate)],
    ["batch", `${config.batchPrompts} prompts`],
    ["hidden", config.hiddenSizes.join("×")],
    ["features", String(config.featureDim)],
    [
      "no openness",
      run.config.missingOpenness.policy === "exclude"
        ? "left out"
        : run.config.missingOpenness.policy === "estimate"
          ? "estimated from text and rankings"
          : `assumed ${run.config.missingOpenness.value}`,
    ],
    ["annotations", run.config.acceptedOnly ? "accepted by a reviewer only" : "all"],
  ];
  const settings: [string, string][] = external
    ? [
        ["source", "uploaded scores (external run)"],
        ["trained with", run.config.utility],
        ["utility ε for the targets", String(config.eps)],
      ]
    : trainedHere;
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <Breadcrumb parent={{ href: "/runs", label: "Runs" }} current={`#${run.id}`} />
          <h1 className="mt-1 flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight">
            {run.name}
            <StatusBadge status={run.status} testId="run-status-header" />
          </h1>
          <p className="mt-1 text-sm text-slate-600">
            on{" "}
            <Link href={`/datasets/${run.datasetSlug}`} className="font-medium text-indigo-700 hover:underline">
              {run.datasetName}
            </Link>{" "}
            · started by {run.createdByName ?? "the CLI"} · {formatDateTime(run.createdAt)}
            {summary && (
              <>
                {" "}
                ·{" "}
                {external
                  ? summary.trajectory?.length
                    ? `scores uploaded at ${new Set(summary.trajectory.map((p) => p.step)).size} checkpoints, the last at step ${Math.max(...summary.trajectory.map((p) => p.step))}`
                    : "scores uploaded"
                  : `trained in ${duration(summary.durationMs / 1000)} on ${summary.backend}`}{" "}
                · {summary.prompts.train} train / {summary.prompts.test} held-out prompts
                {summary.prompts.excludedWithoutOpenness > 0 &&
                  `, ${summary.prompts.excludedWithoutOpenness} left out without openness`}
              </>
            )}
          </p>
        </div>
      </div>
      <dl
        className={cardVariants({ padding: "none", className: "flex flex-wrap gap-x-5 gap-y-1 px-4 py-2.5 text-xs" })}
      >
        {settings.map(([k, v]) => (
          <div key={k} className="flex gap-1.5">
            <dt className="text-slate-600">{k}</dt>
            <dd className="font-medium text-slate-800">{v}</dd>
          </div>
        ))}
      </dl>

      {run.status === "succeeded" ? (
        <>
          <CollapseDashboard data={data} />
          {!external && (
            <ChartCard
              testId="chart-loss"
              title="Training curve"
              description={`Pair accuracy is the per-prompt mean (each prompt's share of annotated pairs in the right order). Final: held-out ${pct(summary?.testAccuracy)}; train ${pct(summary?.trainAccuracy)}.`}
            >
              <LossChart points={data.loss} totalSteps={config.steps} height={200} />
            </ChartCard>
          )}
        </>
      ) : (
        <RunLive initial={snapshot} initialPoints={await runMetricSeries(store, id, 1000)} totalSteps={config.steps} />
      )}
    </div>
  );
}
