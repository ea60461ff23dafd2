"use client";

import { useEffect, useState, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { AnnotationBoard } from "@/components/ranking/annotation-board";
import type { BoardOutcome } from "@/components/ranking/use-annotation-submit";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { DisplayedResponse } from "@/lib/annotations/queue";
import type { Suggestion } from "@/lib/annotations/suggestions";
import type { ChatMessage } from "@/lib/datasets/conversation";

type Claimed = {
  prompt: { id: number; text: string; messages: ChatMessage[] | null };
  responses: DisplayedResponse[];
  suggestion: Suggestion | null;
};
type ClaimState =
  | { status: "claiming" }
  | { status: "done" }
  | { status: "paused"; reason: string }
  | { status: "failed"; message: string }
  | Claimed;
/** The prompt after the one on screen: none left, or claimed. */
type Ahead = { for: number; next: Claimed | "done" | { paused: string } };

function stateOf(claimed: Claimed | "done" | { paused: string }): ClaimState {
  if (claimed === "done") return { status: "done" };
  if ("paused" in claimed) return { status: "paused", reason: claimed.paused };
  return claimed;
}

async function claim(datasetSlug: string, aheadOf?: number): Promise<Claimed | "done" | { paused: string }> {
  const params = new URLSearchParams({ dataset: datasetSlug });
  if (aheadOf !== undefined) params.set("ahead", String(aheadOf));
  const response = await fetch(`/api/queue/next?${params}`, { method: "POST" });
  const body = (await response.json().catch(() => null)) as
    ({ status?: string; error?: string; reason?: string } & Partial<Claimed>) | null;
  if (!response.ok || !body) throw new Error(body?.error ?? `The queue answered HTTP ${response.status}.`);
  if (body.status === "paused") return { paused: body.reason ?? "The quality checks paused your work here." };
  return body.status === "prompt" && body.prompt && body.responses
    ? { prompt: body.prompt, responses: body.responses, suggestion: body.suggestion ?? null }
    : "done";
}

/**
 * The annotator's next prompt, claimed with POST /api/queue/next once the page is in the browser:
 * rendering /annotate changes nothing, and only this POST takes a lease (a held lease comes back
 * first, so a reload shows the same prompt). While the annotator works, the prompt after it is
 * claimed too (`ahead`), so a submit or a skip shows it at once; the server page is refreshed
 * behind it for the progress bar.
 */
export function QueueClaim({
  userId,
  datasetSlug,
  pairwise,
  guidelines,
  queueHref,
  saved: savedOnArrival,
  done,
}: {
  userId: number;
  datasetSlug: string;
  pairwise: boolean;
  guidelines: string;
  /** This dataset's queue page. */
  queueHref: string;
  /** The previous prompt was just saved (a sent-back annotation resubmitted): say so above the next one. */
  saved: boolean;
  /** What to show when nothing is left for this annotator. */
  done: ReactNode;
}) {
  const router = useRouter();
  const [state, setState] = useState<ClaimState>({ status: "claiming" });
  const [attempt, setAttempt] = useState(0);
  const [ahead, setAhead] = useState<Ahead | null>(null);
  const [outcome, setOutcome] = useState<BoardOutcome | null>(savedOnArrival ? "saved" : null);

  const claiming = !("prompt" in state) && state.status === "claiming";
  useEffect(() => {
    if (!claiming) return;
    let current = true;
    claim(datasetSlug).then(
      (claimed) => current && setState(stateOf(claimed)),
      (error: Error) =>
        current &&
        setState({
          status: "failed",
          message: error.message === "Failed to fetch" ? "Could not reach the server." : error.message,
        }),
    );
    return () => {
      current = false;
    };
  }, [datasetSlug, attempt, claiming]);

  const onScreen = "prompt" in state ? state.prompt.id : null;
  useEffect(() => {
    if (onScreen === null) return;
    let current = true;
    // A failed prefetch costs nothing: the hand-over claims the usual way.
    claim(datasetSlug, onScreen).then(
      (next) => current && setAhead({ for: onScreen, next }),
      () => current && setAhead(null),
    );
    return () => {
      current = false;
    };
  }, [datasetSlug, onScreen]);

  const handOver = (result: BoardOutcome) => {
    setOutcome(result);
    // Not prefetched yet (or it failed): claim the usual way, which answers the prefetched lease if it was taken.
    const next = ahead && ahead.for === onScreen ? ahead.next : null;
    if (next === null) setState({ status: "claiming" });
    else setState(stateOf(next));
    window.scrollTo({ top: 0 });
    router.refresh();
  };

  if ("prompt" in state) {
    return (
      <>
        {outcome === "saved" && (
          <Alert tone="success" role="status" className="mb-4" data-testid="saved-banner">
            Saved. Here is your next prompt.
          </Alert>
        )}
        <AnnotationBoard
          key={state.prompt.id}
          userId={userId}
          pairwise={pairwise}
          prompt={state.prompt}
          responses={state.responses}
          suggestion={state.suggestion}
          guidelines={guidelines}
          afterSaveHref={queueHref}
          onDone={handOver}
        />
      </>
    );
  }
  if (state.status === "done") return done;
  if (state.status === "paused") {
    return (
      <Alert tone="warning" role="alert" className="p-4" data-testid="annotator-paused">
        <p data-testid="pause-reason">{state.reason}</p>
      </Alert>
    );
  }
  if (state.status === "failed") {
    return (
      <Alert tone="danger" role="alert" className="p-4">
        <p>Your next prompt could not be loaded: {state.message}</p>
        <Button
          className="mt-3"
          variant="secondary"
          onClick={() => {
            setState({ status: "claiming" });
            setAttempt((n) => n + 1);
          }}
        >
          Try again
        </Button>
      </Alert>
    );
  }
  return (
    <p role="status" className="py-10 text-center text-sm text-slate-600" data-testid="queue-claiming">
      Finding your next prompt…
    </p>
  );
}
