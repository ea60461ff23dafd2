import Link from "next/link";
import { PLATEAU_TOLERANCE, type RunDashboard, type SplitDashboard } from "@/lib/runs/dashboard";
import { ChartCard } from "@/components/charts/chart-card";
import { PaperFigure } from "@/components/charts/paper-figure";
import { StripPlot } from "@/components/charts/strip-plot";
import { ShapeScatter } from "@/components/charts/shape-scatter";
import { RewardHistogram } from "@/components/charts/reward-histogram";
import { TrajectoryChart } from "@/components/charts/trajectory-chart";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, cardVariants } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { VerdictBadge } from "@/components/runs/status-badge";
import { reproducePaperAction } from "@/lib/runs/actions";
import { ImpliedOpennessCard } from "@/components/runs/implied-openness-card";
import { num, pct } from "@/components/runs/format";
import { cn } from "@/lib/utils";

function ci(interval: [number, number] | null, digits = 2): string {
  return interval ? ` [${num(interval[0], digits)}, ${num(interval[1], digits)}]` : "";
}

export function HeadlineCards({ data, compact = false }: { data: RunDashboard; compact?: boolean }) {
  const held = data.splits.test ?? data.splits.train;
  const T = data.thresholds;
  if (!held) return null;
  const heldLabel = held.split === "test" ? "held-out" : "training (no held-out prompts)";
  const betaTone =
    held.betaCi === null
      ? undefined
      : held.betaCi[0] >= T.awareMin
        ? "good"
        : held.betaCi[0] > -T.collapseMargin && held.betaCi[1] < T.collapseMargin
          ? "bad"
          : undefined;
  return (
    <div className={cn("grid gap-3", compact ? "grid-cols-3" : "grid-cols-2 lg:grid-cols-4")}>
      <Metric
        label={`Pair accuracy, ${heldLabel}`}
        value={pct(held.accuracy)}
        testId="metric-accuracy"
        note={`${pct(T.level)} interval${held.accuracyCi ? ` ${pct(held.accuracyCi[0])}–${pct(held.accuracyCi[1])}` : " n/a"} over ${held.prompts} prompts; train ${pct(data.splits.train?.accuracy)}; tested against chance (0.5) on open and on closed prompts separately`}
      />
      <Metric
        label="Openness slope β"
        value={num(held.beta, 2)}
        testId="metric-beta"
        note={`${pct(T.level)}${ci(held.betaCi, 2) || " n/a"}; fitted openness θ = ${num(held.theta0, 2)} + β·o against each prompt's exact optimum (1 = ideal, 0 = collapse); collapsed inside ±${T.collapseMargin}, aware ≥ ${T.awareMin}`}
        tone={betaTone}
      />
      <Metric
        label="Normalised collapse gap"
        value={num(held.normalizedGap, 2)}
        testId="metric-gap"
        note={`${pct(T.level)}${ci(held.normalizedGapCi) || " n/a"}, within strata of equal n and ties; 1 = these prompts' ideal, 0 = collapse. Raw gap ${num(held.gap)} of an ideal ${num(held.idealGap)}. Tracking slope ${num(held.tracking, 2)} (R² ${num(held.trackingR2, 2)}). Secondary: β decides`}
      />
      <div
        className={cn(
          cardVariants({ padding: "none" }),
          "p-3",
          compact ? "col-span-3" : "col-span-2 lg:col-span-1",
          held.collapsed && "border-rose-200",
        )}
      >
        <p className="text-xs font-medium text-slate-600">Verdict ({heldLabel})</p>
        <div className="mt-1.5">
          <VerdictBadge kind={held.verdictKind} testId="verdict" />
        </div>
        <p className="mt-1.5 text-xs leading-snug text-slate-700" data-testid="verdict-sentence">
          {held.verdict}
        </p>
        <p className="mt-1 text-xs leading-snug text-slate-500" data-testid="verdict-rule">
          {held.verdictRule}
        </p>
        {!compact && held.reasons.length > 0 && (
          <details className="mt-1 text-xs text-slate-500">
            <summary className="cursor-pointer">Evidence read</summary>
            <ul className="mt-1 list-disc space-y-0.5 pl-4" data-testid="verdict-reasons">
              {held.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          </details>
        )}
      </div>
    </div>
  );
}

function Metric({
  label,
  value,
  note,
  tone,
  testId,
}: {
  label: string;
  value: string;
  note?: string;
  tone?: "good" | "bad";
  testId?: string;
}) {
  return (
    <Card padding="none" className="p-3">
      <p className="text-xs font-medium text-slate-600">{label}</p>
      <p
        data-testid={testId}
        className={cn(
          "mt-1 text-2xl font-semibold tabular-nums tracking-tight",
          tone === "good" && "text-emerald-700",
          tone === "bad" && "text-rose-700",
        )}
      >
        {value}
      </p>
      {note && <p className="mt-0.5 text-xs leading-snug text-slate-600">{note}</p>}
    </Card>
  );
}

function fixedOptimumOf(data: RunDashboard) {
  return data.fixedOptimum ? { label: data.run.config.utility, values: data.fixedOptimum } : null;
}

export function PaperFigureCard({ data, split }: { data: RunDashboard; split: SplitDashboard }) {
  return (
    <ChartCard
      testId="chart-paper"
      title="Reward profile by rank (the paper's figure)"
      description={`Mean of each ${split.split === "test" ? "held-out" : "training"} prompt's rewards, sorted and min-max normalised, per openness group (closed o ≤ ${num(data.thresholds.closedMax, 2)}, open o ≥ ${num(data.thresholds.openMin, 2)}); dashed: the mean of the group's optima for each prompt's openness. Collapse = the solid lines coincide.`}
    >
      <PaperFigure data={split.paperFigure} groups={split.groups} fixedOptimum={fixedOptimumOf(data)} />
    </ChartCard>
  );
}

export function StripCard({ data }: { data: RunDashboard }) {
  return (
    <ChartCard
      testId="chart-strip"
      title="Per-prompt reward distributions"
      description="Each row is one prompt's rewards, ordered by openness. Closed prompts should split into two clusters; open ones should spread out."
    >
      <StripPlot splits={{ test: data.splits.test?.strip, train: data.splits.train?.strip }} />
    </ChartCard>
  );
}

export function ShapeCard({ data, split }: { data: RunDashboard; split: SplitDashboard }) {
  return (
    <ChartCard
      testId="chart-shape"
      title="Shape against openness"
      description={`Method-of-moments Beta α of each prompt's profile (0 = two-point; higher = more spread); dashed: the α of the ${data.responsesPerPrompt}-point optimum for each openness. Red ring: flagged.`}
    >
      <ShapeScatter points={split.shape} target={split.shapeTarget} />
    </ChartCard>
  );
}

export function HistogramCard({ split }: { split: SplitDashboard }) {
  return (
    <ChartCard
      testId="chart-histogram"
      title="Normalised rewards, open vs closed"
      description="Share of rewards per bin. Openness-aware: closed prompts pile up at 0 and 1, open ones spread."
    >
      <RewardHistogram bins={split.histogram} />
    </ChartCard>
  );
}

export function FlaggedTable({ data, split }: { data: RunDashboard; split: SplitDashboard }) {
  const T = data.thresholds;
  return (
    <section className={cardVariants({ padding: "none" })} data-testid="flagged-prompts">
      <div className="border-b border-slate-200 p-4">
        <h2 className="text-sm font-semibold text-slate-900">
          Flagged prompts{" "}
          <span className="font-normal text-slate-600">
            ({split.flaggedTotal} of {split.prompts} {split.split === "test" ? "held-out" : "training"} prompts
            {split.flaggedTotal > split.flagged.length ? `, worst ${split.flagged.length} shown` : ""})
          </span>
        </h2>
        <p className="mt-0.5 text-xs text-slate-600">
          misfit: W1 distance to the optimum for the prompt&apos;s openness (at the run&apos;s eps, with its ties) &gt;{" "}
          {T.misfit}; flat: equal rewards (spread at most a billionth of their own magnitude); all-tied: the humans tied
          every response; below-chance: the rewards order the prompt&apos;s human pairs no better than chance (these
          three are left out of the verdict&apos;s fit); too-peaked (open, o ≥ {num(T.openMin, 2)}) or too-spread
          (closed, o ≤ {num(T.closedMax, 2)}): implied openness more than {T.impliedMargin} from the tag.
        </p>
      </div>
      {split.flagged.length === 0 ? (
        <p className="p-4 text-sm text-slate-600">No prompt is flagged.</p>
      ) : (
        <Table className="w-full" frameClassName="max-h-96 overflow-auto rounded-none border-0">
          <TableHeader className="sticky top-0">
            <TableRow>
              <TableHead>Prompt</TableHead>
              {["Openness", "Misfit", "Shape", "Spread"].map((label) => (
                <TableHead key={label} numeric>
                  {label}
                </TableHead>
              ))}
              <TableHead>Flags</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {split.flagged.map((p) => (
              <TableRow key={p.promptId} className="hover:bg-slate-50">
                <TableCell className="max-w-md">
                  <Link
                    href={`/datasets/${data.run.datasetSlug}/prompts/${p.promptId}?run=${data.run.id}`}
                    className="line-clamp-2 text-indigo-700 hover:underline"
                  >
                    {p.text}
                  </Link>
                </TableCell>
                <TableCell numeric>{num(p.openness, 2)}</TableCell>
                <TableCell numeric>{num(p.misfit)}</TableCell>
                <TableCell numeric>{num(p.shape, 2)}</TableCell>
                <TableCell numeric>{num(p.spread)}</TableCell>
                <TableCell>
                  <div className="flex flex-wrap gap-1">
                    {p.flags.map((f) => (
                      <Badge key={f} tone="danger" outlined className="rounded px-1.5">
                        {f}
                      </Badge>
                    ))}
                  </div>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}

/** The whole collapse dashboard of one finished run. */
/** When these rankings cannot show collapse, the experiment built to show it is one click away. */
function ReproPointer() {
  return (
    <div
      className="flex flex-wrap items-center justify-between gap-3 rounded-lg border border-indigo-200 bg-indigo-50 p-3 text-sm text-indigo-900"
      data-testid="repro-pointer"
    >
      <p className="max-w-3xl">
        This run cannot show collapse either way (the verdict above says why). To see reward collapse and its cure on
        data made for it, reproduce the paper: a fixed utility and the openness-conditioned one trained side by side on
        the synthetic length experiment, in about a minute.
      </p>
      <form action={reproducePaperAction}>
        <Button type="submit" variant="secondary" data-testid="repro-pointer-button">
          Reproduce the paper
        </Button>
      </form>
    </div>
  );
}

function TrajectoryCard({ data }: { data: RunDashboard }) {
  const t = data.trajectory!;
  const p = t.plateau;
  return (
    <ChartCard
      testId="chart-trajectory"
      title="Collapse over training"
      description={`Normalised gap (1 = these prompts' ideal, 0 = collapse) and tracking slope at ${t.rows.length} checkpoints, beside held-out pair accuracy. Early stopping picks a step by accuracy alone; this shows what the reward shapes were doing there.`}
    >
      <TrajectoryChart trajectory={t} />
      {p && (
        <p className="mt-2 text-xs text-slate-600" data-testid="trajectory-plateau">
          Held-out accuracy stopped improving at step {p.step} ({pct(p.accuracy)}, within {pct(PLATEAU_TOLERANCE)} of
          its best); the normalised gap there was {num(p.normalizedGap, 2)}.
        </p>
      )}
    </ChartCard>
  );
}

export function CollapseDashboard({ data }: { data: RunDashboard }) {
  const held = data.splits.test ?? data.splits.train;
  if (!held) return <p className="text-sm text-slate-600">This run stored no rewards.</p>;
  return (
    <div className="space-y-4" data-testid="collapse-dashboard">
      <HeadlineCards data={data} />
      {(held.verdictKind === "insufficient" ||
        held.verdictKind === "not-learned" ||
        held.verdictKind === "undetermined") && <ReproPointer />}
      {data.trajectory && <TrajectoryCard data={data} />}
      <div className="grid gap-4 lg:grid-cols-2">
        <PaperFigureCard data={data} split={held} />
        <StripCard data={data} />
        <ShapeCard data={data} split={held} />
        <HistogramCard split={held} />
        <ImpliedOpennessCard split={held} />
      </div>
      <FlaggedTable data={data} split={held} />
    </div>
  );
}
