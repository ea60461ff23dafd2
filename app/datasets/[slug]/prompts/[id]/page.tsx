import Link from "next/link";
import type { ReactNode } from "react";
import { cardVariants } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { notFound } from "next/navigation";
import { getStore } from "@/lib/db";
import { getDataset, getPromptDetail } from "@/lib/datasets/queries";
import { requirePageUser } from "@/lib/auth/session";
import { ActionForm, SubmitButton } from "@/components/admin/action-form";
import { CompactSelect, fieldRowVariants } from "@/components/ui/field";
import { setGoldAction } from "@/lib/annotations/gold-actions";
import { goldOf } from "@/lib/annotations/quality";
import { currentReviewState, promptReviewHistory, revisionCounts } from "@/lib/annotations/review";
import { nextPromptToReview } from "@/lib/datasets/prompt-search";
import { ReviewPanel, type ReviewItem } from "@/components/review/review-panel";
import { Markdown } from "@/components/markdown";
import { PromptView } from "@/components/ranking/prompt-panel";
import { labelsByResponseId } from "@/lib/annotations/labels";
import { formatDateTime, plural } from "@/lib/utils";
import { parseRecordId } from "@/lib/http/ids";

export const metadata = { title: "Prompt" };
export const dynamic = "force-dynamic";

/** /datasets/<slug>/prompts/<prompt id>[?run=<run id>]: responses, every annotator's ranking, optional rewards. */
export default async function Page({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; id: string }>;
  searchParams: Promise<{ run?: string; accepted?: string }>;
}) {
  const [{ slug, id }, { run, accepted }] = await Promise.all([params, searchParams]);
  const viewer = await requirePageUser("researcher", `/datasets/${slug}/prompts/${id}`);
  const acceptedOnly = accepted === "1";
  const promptId = parseRecordId(id);
  const runId = run === undefined ? undefined : parseRecordId(run);
  if (promptId === null || runId === null) notFound();
  const store = getStore();
  const dataset = await getDataset(store, slug);
  if (!dataset) notFound();
  const prompt = await getPromptDetail(store, dataset.id, promptId, runId, { acceptedOnly });
  if (!prompt) notFound();
  const history = await promptReviewHistory(store, prompt.id);
  const gold = await goldOf(store, prompt.id);
  const edits = await revisionCounts(store, prompt.id);
  const nextToReview = await nextPromptToReview(store, dataset.id, prompt.id);

  const label = labelsByResponseId(prompt.responses);
  const rankOf = (groups: number[][], responseId: number) => {
    let start = 1;
    for (const g of groups) {
      if (g.includes(responseId)) return g.length > 1 ? `${start}=` : String(start);
      start += g.length;
    }
    return "—";
  };

  const rankingText = (groups: number[][]) =>
    groups.map((g) => g.map((r) => label.get(r) ?? "?").join(" = ")).join(" > ");
  const reviewItems: ReviewItem[] = prompt.annotations.map((a) => {
    const decisions = history.get(a.id) ?? [];
    return {
      id: a.id,
      annotator: a.annotator,
      summary: a.notRankable ? `cannot rank: ${a.notRankableReason ?? ""}` : rankingText(a.ranking),
      openness: a.openness,
      comment: a.comment,
      version: a.updatedAt.getTime(),
      edits: edits.get(a.id) ?? 0,
      state: currentReviewState(decisions, a.updatedAt),
      own: a.annotatorId === viewer.id,
      history: decisions.map((d) => ({
        id: d.id,
        reviewer: d.reviewer,
        decision: d.decision,
        comment: d.comment,
        at: formatDateTime(d.createdAt),
        current: d.versionAt.getTime() === a.updatedAt.getTime(),
      })),
    };
  });
  const selfPath = `/datasets/${dataset.slug}/prompts/${prompt.id}`;
  const withQuery = (acceptedFlag: boolean) => {
    const query = new URLSearchParams();
    if (runId !== undefined) query.set("run", String(runId));
    if (acceptedFlag) query.set("accepted", "1");
    const text = query.toString();
    return text ? `${selfPath}?${text}` : selfPath;
  };

  return (
    <div className="space-y-6">
      <div>
        <Link href={`/datasets/${dataset.slug}`} className="text-sm text-indigo-700 hover:underline">
          ← {dataset.name}
        </Link>
        <h1 className="mt-1 text-xl font-semibold">
          Prompt <span className="font-mono text-lg">{prompt.externalId}</span>
        </h1>
        <PromptView text={prompt.text} messages={prompt.messages} className="mt-2 text-base text-slate-900" />
        <p className="mt-2 text-sm text-slate-600">
          {plural(prompt.annotations.length, "annotation")} · Kendall&apos;s W{" "}
          {prompt.kendallW === null ? "—" : prompt.kendallW.toFixed(2)}
          {prompt.openness !== null && <> · openness from the data {prompt.openness}</>}
          {runId !== undefined && <> · rewards of run #{runId}</>}
        </p>
      </div>

      <ActionForm
        action={setGoldAction}
        className={fieldRowVariants({ card: true })}
        label="Gold answer"
        testId="gold-form"
      >
        <input type="hidden" name="promptId" value={prompt.id} />
        <CompactSelect
          label="Gold check: the known answer"
          name="best"
          defaultValue={gold ? ("best" in gold ? String(gold.best) : "keep") : "none"}
          data-testid="gold-best"
        >
          <option value="none">not a gold prompt</option>
          {gold && "ranking" in gold && <option value="keep">the known ranking (imported)</option>}
          {prompt.responses.map((r) => (
            <option key={r.id} value={r.id}>
              Response {label.get(r.id)}
            </option>
          ))}
        </CompactSelect>
        <SubmitButton size="sm" variant="secondary" data-testid="gold-save">
          Save
        </SubmitButton>
      </ActionForm>

      <Table data-testid="prompt-rankings">
        <caption className="sr-only">Each annotator&apos;s rank of each response (= marks a tie)</caption>
        <TableHeader>
          <TableRow>
            <TableHead>Annotator</TableHead>
            {prompt.responses.map((r) => (
              <TableHead key={r.id} className="text-center" title={r.externalId}>
                {label.get(r.id)}
              </TableHead>
            ))}
            <TableHead numeric>Openness</TableHead>
            <TableHead>Note</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {prompt.annotations.map((a, i) => (
            <TableRow key={i}>
              <TableHead scope="row" className="text-left font-medium">
                {a.annotator}
              </TableHead>
              {prompt.responses.map((r) => (
                <TableCell key={r.id} className="text-center tabular-nums">
                  {a.notRankable ? "" : rankOf(a.ranking, r.id)}
                </TableCell>
              ))}
              <TableCell numeric>{a.openness ?? "—"}</TableCell>
              <TableCell className="min-w-48 max-w-md text-slate-700" data-testid="annotation-note">
                {a.notRankable ? (
                  <Markdown source={`**Cannot rank:** ${a.notRankableReason ?? ""}`} />
                ) : (
                  a.comment && <Markdown source={a.comment} />
                )}
              </TableCell>
            </TableRow>
          ))}
          {prompt.consensus.length > 0 && (
            <PerResponseRow
              header={`Consensus (Borda${acceptedOnly ? `, ${prompt.consensusOf} accepted` : ""})`}
              cells={prompt.responses.map((r) => rankOf(prompt.consensus, r.id))}
              className="bg-indigo-50/50 font-semibold"
            />
          )}
          {runId !== undefined && (
            <PerResponseRow
              header="Reward"
              cells={prompt.responses.map((r) => (r.reward === null ? "—" : r.reward.toFixed(3)))}
            />
          )}
        </TableBody>
      </Table>

      <p className="text-sm text-slate-600">
        {acceptedOnly ? (
          <Link href={withQuery(false)} className="text-indigo-700 hover:underline" data-testid="consensus-all">
            Consensus of every ranking
          </Link>
        ) : (
          <Link href={withQuery(true)} className="text-indigo-700 hover:underline" data-testid="consensus-accepted">
            Consensus of accepted rankings only
          </Link>
        )}
      </p>

      <section aria-labelledby="review-heading" className="space-y-3">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="review-heading" className="text-lg font-semibold">
            Review
          </h2>
          {nextToReview !== null && (
            <Link
              href={`/datasets/${dataset.slug}/prompts/${nextToReview}`}
              className="text-sm text-indigo-700 hover:underline"
              data-testid="next-to-review"
            >
              Next prompt waiting for review →
            </Link>
          )}
        </div>
        <ReviewPanel items={reviewItems} />
      </section>

      <ol className="grid gap-3 md:grid-cols-2">
        {prompt.responses.map((r) => (
          <li
            key={r.id}
            className={cardVariants({ padding: "sm", className: "min-w-0" })}
            data-testid="prompt-response"
          >
            <p className="mb-1 flex items-center justify-between text-xs text-slate-500">
              <span>
                <span className="mr-1 rounded bg-slate-800 px-1.5 py-0.5 font-semibold text-white">
                  {label.get(r.id)}
                </span>
                <span className="font-mono">{r.externalId}</span>
              </span>
              {r.reward !== null && <span className="tabular-nums">reward {r.reward.toFixed(3)}</span>}
            </p>
            <div
              tabIndex={0}
              role="region"
              className="max-h-96 overflow-y-auto"
              aria-label={`Response ${label.get(r.id)}`}
            >
              <Markdown source={r.text} testId="response-text" className="text-slate-800" />
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** A summary row under the annotators: its name, then one value per response column. */
function PerResponseRow({ header, cells, className }: { header: string; cells: ReactNode[]; className?: string }) {
  return (
    <TableRow className={className}>
      <TableHead scope="row" className="text-left">
        {header}
      </TableHead>
      {cells.map((cell, k) => (
        <TableCell key={k} className="text-center tabular-nums">
          {cell}
        </TableCell>
      ))}
      <TableCell colSpan={2} />
    </TableRow>
  );
}
