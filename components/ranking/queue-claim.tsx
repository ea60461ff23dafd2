"use client";

import { useEffect, useState, type ReactNode } from "react";
import { PairwiseBoard } from "@/components/pairwise/pairwise-board";
import { RankingBoard } from "@/components/ranking/ranking-board";
import { Button } from "@/components/ui/button";
import type { DisplayedResponse } from "@/lib/annotations/queue";

type Claimed = { prompt: { id: number; text: string }; responses: DisplayedResponse[] };
type ClaimState = { status: "claiming" } | { status: "done" } | { status: "failed"; message: string } | Claimed;

/**
 * The annotator's next prompt, claimed with POST /api/queue/next once the page is in the browser:
 * rendering /annotate changes nothing, and only this POST takes a lease (a held lease comes back
 * first, so a reload shows the same prompt). The server re-renders the page after a save or a skip,
 * which mounts this anew (its key) and claims again.
 */
export function QueueClaim({
  datasetSlug,
  pairwise,
  guidelines,
  queueHref,
  saved,
  done,
}: {
  datasetSlug: string;
  pairwise: boolean;
  guidelines: string;
  /** This dataset's queue page; a save comes back to it, saying which prompt was saved. */
  queueHref: string;
  /** The previous prompt was just saved: say so above the next one. */
  saved: boolean;
  /** What to show when nothing is left for this annotator. */
  done: ReactNode;
}) {
  const [state, setState] = useState<ClaimState>({ status: "claiming" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    (async () => {
      try {
        const response = await fetch(`/api/queue/next?dataset=${encodeURIComponent(datasetSlug)}`, { method: "POST" });
        const body = (await response.json().catch(() => null)) as
          ({ status?: string; error?: string } & Partial<Claimed>) | null;
        if (!current) return;
        if (!response.ok || !body) {
          setState({ status: "failed", message: body?.error ?? `The queue answered HTTP ${response.status}.` });
        } else if (body.status === "prompt" && body.prompt && body.responses) {
          setState({ prompt: body.prompt, responses: body.responses });
        } else {
          setState({ status: "done" });
        }
      } catch {
        if (current) setState({ status: "failed", message: "Could not reach the server." });
      }
    })();
    return () => {
      current = false;
    };
  }, [datasetSlug, attempt]);

  if ("prompt" in state) {
    const props = {
      mode: "queue" as const,
      prompt: state.prompt,
      responses: state.responses,
      guidelines,
      afterSaveHref: `${queueHref}${queueHref.includes("?") ? "&" : "?"}saved=${state.prompt.id}`,
    };
    return (
      <>
        {saved && (
          <p
            role="status"
            className="mb-4 rounded-lg border border-emerald-200 bg-emerald-50 px-4 py-2 text-sm text-emerald-800"
            data-testid="saved-banner"
          >
            Saved. Here is your next prompt.
          </p>
        )}
        {pairwise ? (
          <PairwiseBoard key={state.prompt.id} {...props} />
        ) : (
          <RankingBoard key={state.prompt.id} {...props} />
        )}
      </>
    );
  }
  if (state.status === "done") return done;
  if (state.status === "failed") {
    return (
      <div role="alert" className="rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-800">
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
      </div>
    );
  }
  return (
    <p role="status" className="py-10 text-center text-sm text-slate-600" data-testid="queue-claiming">
      Finding your next prompt…
    </p>
  );
}
