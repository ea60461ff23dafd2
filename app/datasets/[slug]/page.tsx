import Link from "next/link";
import { notFound } from "next/navigation";
import { getStore } from "@/lib/db";
import { ExportForm } from "@/components/datasets/export-form";
import { HistogramChart } from "@/components/datasets/histogram-chart";
import { ProgressBar } from "@/components/datasets/progress-bar";
import { SortableTable } from "@/components/datasets/sortable-table";
import { formatDateTime, plural } from "@/lib/utils";
import { PromptBrowser } from "@/components/datasets/prompt-browser";
import { OpennessEstimateSummary } from "@/components/datasets/openness-estimate-summary";
import { AutoRefresh } from "@/components/runs/auto-refresh";
import {
  OPENNESS_RECOMPUTE_MS,
  recomputeOpennessInBackground,
  storedOpennessEstimates,
} from "@/lib/openness/estimates";
import { AGREEMENT_THRESHOLDS, getDataset, histogramBins, listDatasetRuns } from "@/lib/datasets/queries";
import { datasetAnnotators, parsePromptSearch, promptSearchQuery, searchPrompts } from "@/lib/datasets/prompt-search";
import { datasetAggregates, refreshInBackground, refreshPromptStats } from "@/lib/datasets/prompt-stats";
import { EXPORT_FORMATS } from "@/lib/datasets/export";
import { REVIEW_STATE_LABELS, REVIEW_STATES } from "@/lib/annotations/review";
import { requirePageUser } from "@/lib/auth/session";
import { Alert } from "@/components/ui/alert";
import { Button, buttonVariants } from "@/components/ui/button";
import { Card, cardVariants } from "@/components/ui/card";
import { Choice, CompactInput, CompactSelect, fieldRowVariants } from "@/components/ui/field";
import { PageSection } from "@/components/ui/page-header";
import { annotatorQuality, datasetQualitySettings, goldPromptCount, QUALITY_WINDOW } from "@/lib/annotations/quality";
import { cn } from "@/lib/utils";
import { ActionForm, SubmitButton } from "@/components/admin/action-form";
import { datasetAnchoring, suggestionRun } from "@/lib/annotations/suggestions";
import { setSuggestionRunAction } from "@/lib/annotations/suggestion-actions";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }) {
  return { title: (await params).slug };
}

const FORMAT_HELP: Record<(typeof EXPORT_FORMATS)[number], string> = {
  annotations: "one line per annotation; re-imports without loss",
  consensus:
    "one line per prompt: Borda ranking, mean ranks, openness, Kendall's W, split; score from this for an external run",
  pairs:
    "one line per ordered pair, prompt and answers as chat messages (TRL's conversational preference format; OpenRLHF with --apply_chat_template), openness, split",
  "pairs-text":
    'the same pairs as plain text for trainers that join prompt and answer as strings: the prompt ends with "Assistant: "',
};

function fmt(value: number | null, digits = 2): string {
  return value === null ? "—" : value.toFixed(digits);
}

function Stat({
  label,
  value,
  hint,
  warn,
  testId,
}: {
  label: string;
  value: string;
  hint: string;
  warn?: boolean;
  testId?: string;
}) {
  return (
    <Card padding="sm" className={cn(warn && "border-amber-300")}>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className={cn("mt-1 text-2xl font-semibold tabular-nums", warn && "text-amber-700")} data-testid={testId}>
        {value}
      </dd>
      <dd className="mt-1 text-xs text-slate-600">{hint}</dd>
    </Card>
  );
}

/** Prompts whose agreement a page view recomputes before answering; the rest follow in the background. */
const REFRESH_BUDGET = 300;

export default async function Page({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const [{ slug }, query] = await Promise.all([params, searchParams]);
  await requirePageUser("researcher", `/datasets/${slug}`);
  const store = getStore();
  const row = await getDataset(store, slug);
  if (!row) notFound();
  const search = parsePromptSearch(query);
  const stillStale = await refreshPromptStats(store, row.id, REFRESH_BUDGET);
  if (stillStale > 0) refreshInBackground(store, row.id);
  const { summary, histogramW, histogramTau, annotators } = await datasetAggregates(
    store,
    row.id,
    row.annotationsPerPrompt,
  );
  const dataset = { ...row, ...summary };
  const prompts = await searchPrompts(store, row.id, search);
  // Fitting the estimates takes minutes on a large dataset: the page shows the stored ones.
  const openness = await storedOpennessEstimates(
    store,
    row.id,
    prompts.rows.map((p) => p.id),
  );
  if (!openness.current)
    await recomputeOpennessInBackground(store, row.id, openness.computedAt === null ? 0 : OPENNESS_RECOMPUTE_MS);
  const runs = await listDatasetRuns(store, dataset.id);
  const t = AGREEMENT_THRESHOLDS;
  const flaggedPrompts = summary.flaggedPrompts;
  const flaggedAnnotators = annotators.filter((a) => a.flagged).length;
  const quality = {
    settings: await datasetQualitySettings(store, row.id),
    rows: await annotatorQuality(store, row.id),
    goldPrompts: await goldPromptCount(store, row.id),
  };
  const suggestions = { run: await suggestionRun(store, row.id), anchoring: await datasetAnchoring(store, row.id) };
  const exportBase = `/api/datasets/${dataset.slug}/export`;
  const basePath = `/datasets/${dataset.slug}`;

  return (
    <div className="space-y-8">
      <header className="flex flex-wrap items-end justify-between gap-4">
        <div className="min-w-0">
          <Link href="/datasets" className="text-sm text-indigo-700 hover:underline">
            ← Datasets
          </Link>
          <h1 className="mt-1 text-2xl font-semibold tracking-tight">{dataset.name}</h1>
          <p className="text-sm text-slate-600">
            <span className="font-mono">{dataset.slug}</span> · {dataset.prompts} prompts × {dataset.responsesPerPrompt}{" "}
            responses · target {dataset.annotationsPerPrompt} annotations per prompt · {dataset.annotations} annotations
            by {dataset.annotators} annotators
          </p>
        </div>
        <Link
          href={`/datasets/${dataset.slug}/import`}
          className={buttonVariants({ variant: "secondary" })}
          data-testid="import-link"
        >
          Import a file
        </Link>
      </header>

      <section aria-labelledby="progress-heading" className={cardVariants()}>
        <h2 id="progress-heading" className="text-sm font-medium text-slate-700">
          Progress: {dataset.completePrompts} of {dataset.prompts} prompts have {dataset.annotationsPerPrompt}+
          annotations
        </h2>
        <ProgressBar value={dataset.completePrompts} max={dataset.prompts} label="Prompts complete" className="mt-2" />
        <p className="mt-3 text-sm text-slate-600" data-testid="review-summary">
          Review:{" "}
          {REVIEW_STATES.map((state, i) => (
            <span key={state}>
              {i > 0 && " · "}
              <Link
                href={`${basePath}${promptSearchQuery({ review: state })}#prompts-heading`}
                className="text-indigo-700 hover:underline"
              >
                {summary.review[state]} {REVIEW_STATE_LABELS[state]}
              </Link>
            </span>
          ))}
          {dataset.rankingMode === "pairwise" && " · annotated two responses at a time (pairwise mode)"}
        </p>
        {stillStale > 0 && (
          <p role="status" className="mt-2 text-sm text-amber-800" data-testid="stats-refreshing">
            Agreement numbers of {stillStale} recently changed prompts are still being computed; reload in a moment.
          </p>
        )}
      </section>

      <section aria-labelledby="export-heading" className={cardVariants()}>
        <h2 id="export-heading" className="font-semibold">
          Export
        </h2>
        <ul className="mt-2 grid gap-2 text-sm md:grid-cols-2 xl:grid-cols-4">
          {EXPORT_FORMATS.map((format) => (
            <li key={format} className="rounded-md bg-slate-50 p-3">
              <a
                href={`${exportBase}?format=${format}`}
                download
                className="font-medium text-indigo-700 hover:underline"
                data-testid={`export-${format}`}
              >
                {format}.jsonl
              </a>{" "}
              <a
                href={`${exportBase}?format=${format}&gzip=1`}
                download
                className="text-xs text-slate-500 hover:underline"
              >
                (.gz)
              </a>
              <p className="text-xs text-slate-500">{FORMAT_HELP[format]}</p>
            </li>
          ))}
        </ul>
        <ExportForm action={exportBase} className={fieldRowVariants({ phoneGrid: true, className: "mt-4" })}>
          <CompactSelect label="Format" name="format">
            {EXPORT_FORMATS.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </CompactSelect>
          <CompactInput
            label="Min annotators"
            name="min_annotators"
            type="number"
            min={0}
            defaultValue={0}
            className="w-24"
          />
          <CompactInput
            label="Min agreement (W)"
            name="min_agreement"
            type="number"
            min={0}
            max={1}
            step={0.05}
            placeholder="any"
            className="w-24"
          />
          <CompactSelect label="Rewards of run" name="run" defaultValue="">
            <option value="">none</option>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                #{r.id} {r.name ?? ""} ({r.status})
              </option>
            ))}
          </CompactSelect>
          <Choice type="checkbox" name="skip_not_rankable" value="1" className="h-9" label='skip "cannot rank"' />
          <Choice
            type="checkbox"
            name="accepted_only"
            value="1"
            data-testid="export-accepted-only"
            className="h-9"
            label="accepted annotations only"
          />
          <Choice type="checkbox" name="margin" value="1" className="h-9" label="pairs: margin" />
          <Choice
            type="checkbox"
            name="weight"
            value="1"
            className="h-9"
            label="pairs: one line per distinct pair, weighted"
          />
          <Choice type="checkbox" name="gzip" value="1" className="h-9" label="gzip" />
          <Button type="submit" size="sm" className="h-9" data-testid="export-download">
            Download
          </Button>
        </ExportForm>
      </section>

      <PageSection id="agreement" title="Agreement" className="space-y-4">
        <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
          <Stat
            label="Mean Kendall's W"
            value={fmt(summary.meanW)}
            hint="over prompts with 2+ rankings; 1 = full agreement"
            testId="mean-w"
          />
          <Stat
            label="Openness alpha"
            value={fmt(summary.opennessAlpha)}
            hint={`Krippendorff, interval, ${summary.opennessUnits} prompts; below ${t.opennessAlpha} is unreliable`}
            warn={summary.opennessAlpha !== null && summary.opennessAlpha < t.opennessAlpha}
            testId="openness-alpha"
          />
          <Stat
            label="Flagged prompts"
            value={String(flaggedPrompts)}
            hint={`W below ${t.promptW}`}
            warn={flaggedPrompts > 0}
            testId="flagged-prompts"
          />
          <Stat
            label="Flagged annotators"
            value={String(flaggedAnnotators)}
            hint={`tau-b vs the others' consensus below ${t.annotatorTau} over ${t.annotatorMinPrompts}+ prompts`}
            warn={flaggedAnnotators > 0}
            testId="flagged-annotators"
          />
        </dl>
        <div className="grid gap-4 lg:grid-cols-3">
          <HistogramChart title="Kendall's W per prompt" xLabel="Kendall's W" bins={histogramW} threshold={t.promptW} />
          <HistogramChart
            title="Mean pairwise tau-b per prompt"
            xLabel="mean pairwise tau-b"
            bins={histogramTau}
            color="#0ea5e9"
          />
          <HistogramChart
            title="Mean tau-b per annotator vs the others' consensus"
            xLabel="mean tau-b vs consensus"
            bins={histogramBins(
              annotators.flatMap((a) => (a.tauVsConsensus === null ? [] : [a.tauVsConsensus])),
              -1,
              1,
              10,
            )}
            threshold={t.annotatorTau}
            color="#10b981"
            unit="annotators"
          />
        </div>
        <p className="text-xs text-slate-500">
          Thresholds: prompt W &lt; {t.promptW}; annotator tau-b &lt; {t.annotatorTau} (with {t.annotatorMinPrompts}+
          shared prompts); openness alpha &lt; {t.opennessAlpha}. The dashed line marks the threshold.
        </p>
      </PageSection>

      <PageSection id="annotators" title="Annotators" className="space-y-2">
        <SortableTable
          caption="Annotators with their agreement against the leave-one-out consensus"
          testId="annotator-table"
          initialSort={{ key: "tau" }}
          columns={[
            { key: "name", label: "Annotator" },
            { key: "annotations", label: "Annotations", numeric: true },
            { key: "compared", label: "Shared prompts", numeric: true, title: "Prompts where someone else ranked too" },
            { key: "tau", label: "tau-b vs consensus", numeric: true, digits: 2 },
            { key: "seconds", label: "Median s / prompt", numeric: true },
          ]}
          rows={annotators.map((a) => ({
            id: a.id,
            flagged: a.flagged,
            cells: {
              name: a.external ? `${a.name} (external)` : a.name,
              annotations: a.annotations,
              compared: a.comparedPrompts,
              tau: a.tauVsConsensus,
              seconds: a.medianSeconds,
            },
          }))}
        />
      </PageSection>

      <PageSection id="quality" title="Quality checks" className="space-y-2">
        <p className="text-sm text-slate-600">
          Each annotator&apos;s last {QUALITY_WINDOW} annotations since they were last resumed: mean τ-b with the known
          answers of gold prompts ({Math.round(quality.settings.goldRate * 100)}% of hand-outs), and the share faster
          than {quality.settings.floorSeconds} s + {quality.settings.floorSecondsPer1000Chars} s per 1,000 characters of
          responses. Pause below τ-b {quality.settings.pauseGoldTau} or at{" "}
          {Math.round(quality.settings.pauseFastShare * 100)}% too fast, after {quality.settings.minChecks} checks.{" "}
          {plural(quality.goldPrompts, "gold prompt")}.
        </p>
        <SortableTable
          caption="Annotators' gold agreement and too-fast share"
          testId="quality-table"
          initialSort={{ key: "gold" }}
          columns={[
            { key: "name", label: "Annotator" },
            { key: "gold", label: "Gold τ-b", numeric: true, digits: 2 },
            { key: "goldCount", label: "Gold answers", numeric: true },
            { key: "fast", label: "Too fast %", numeric: true },
            { key: "timed", label: "Timed", numeric: true },
            { key: "status", label: "Status" },
          ]}
          rows={quality.rows.map((q) => ({
            id: q.annotatorId,
            flagged: q.level !== "ok" || q.pause !== null,
            cells: {
              name: q.name,
              gold: q.gold.meanTau,
              goldCount: q.gold.count,
              fast: q.fast.share === null ? null : Math.round(q.fast.share * 100),
              timed: q.fast.count,
              status: q.pause ? "paused" : q.level === "warn" ? "warned" : "ok",
            },
          }))}
        />
      </PageSection>

      <PageSection id="suggestions" title="Model suggestions" className="space-y-3">
        <p className="text-sm text-slate-600">
          Off by default. When on, each new board of a prompt the run scored starts from the run&apos;s order, marked as
          a model suggestion (not gold prompts, not pairwise boards); each annotation records how far its final order
          moved from it (normalised Kendall distance: 0 the same order, 1 reversed, a tie against an order counts half).
        </p>
        <ActionForm
          action={setSuggestionRunAction}
          className={fieldRowVariants({ card: true })}
          label="Model suggestions"
          testId="suggestion-form"
        >
          <input type="hidden" name="slug" value={dataset.slug} />
          <CompactSelect
            label="Start boards from"
            name="runId"
            defaultValue={suggestions.run ? String(suggestions.run.id) : "none"}
            data-testid="suggestion-run"
          >
            <option value="none">the shuffled order (no suggestions)</option>
            {runs
              .filter((r) => r.status === "succeeded")
              .map((r) => (
                <option key={r.id} value={r.id}>
                  #{r.id} {r.name ?? ""}
                </option>
              ))}
          </CompactSelect>
          <SubmitButton size="sm" data-testid="suggestion-save">
            Save
          </SubmitButton>
        </ActionForm>
        {suggestions.anchoring.length > 0 && (
          <SortableTable
            caption="Anchoring: distance of final orders from the run's order, boards that started from it vs. boards that did not"
            testId="anchoring-table"
            columns={[
              { key: "run", label: "Run" },
              { key: "suggested", label: "Suggested boards", numeric: true },
              { key: "suggestedDistance", label: "Their distance", numeric: true, digits: 3 },
              { key: "unchanged", label: "Kept as suggested %", numeric: true },
              { key: "unsuggested", label: "Unsuggested boards", numeric: true },
              { key: "unsuggestedDistance", label: "Their distance", numeric: true, digits: 3 },
              {
                key: "pull",
                label: "Pull toward the model",
                numeric: true,
                digits: 3,
                title:
                  "Unsuggested minus suggested mean distance: above 0, a suggestion pulls rankings toward the model",
              },
            ]}
            rows={suggestions.anchoring.map((a) => ({
              id: a.runId,
              flagged: false,
              cells: {
                run: `#${a.runId} ${a.runName}${a.current ? " (current)" : ""}`,
                suggested: a.suggested.count,
                suggestedDistance: a.suggested.meanDistance,
                unchanged: a.suggested.unchangedShare === null ? null : Math.round(a.suggested.unchangedShare * 100),
                unsuggested: a.unsuggested.count,
                unsuggestedDistance: a.unsuggested.meanDistance,
                pull: a.pull,
              },
            }))}
          />
        )}
      </PageSection>

      <PageSection id="prompts" title="Prompts" className="space-y-2">
        {prompts.notice && (
          <Alert tone="warning" role="status" data-testid="search-notice">
            {prompts.notice}
          </Alert>
        )}
        <PromptBrowser
          basePath={basePath}
          search={search}
          result={prompts}
          annotators={await datasetAnnotators(store, row.id)}
          lowAgreement={t.promptW}
          estimates={new Map(prompts.rows.map((p) => [p.id, openness.byPrompt.get(p.id)?.estimate ?? null]))}
        />
        {openness.computedAt === null ? (
          <AutoRefresh seconds={3} message="Computing the openness estimates; this page updates by itself." />
        ) : (
          !openness.current && (
            <p className="text-xs text-slate-500" data-testid="openness-estimates-age">
              Estimates as of {formatDateTime(openness.computedAt)}; newer annotations are being taken into account in
              the background.
            </p>
          )
        )}
        <OpennessEstimateSummary estimates={openness} />
      </PageSection>
    </div>
  );
}
