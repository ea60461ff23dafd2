"use client";

import { useEffect, useState, type ReactNode } from "react";
import { AnnotationBoard } from "@/components/ranking/annotation-board";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { DisplayedResponse } from "@/lib/annotations/queue";
import type { ChatMessage } from "@/lib/datasets/conversation";

type Claimed = { prompt: { id: number; text: string; messages: ChatMessage[] | null }; responses: DisplayedResponse[] };
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
    return (
      <>
        {saved && (
          <Alert tone="success" role="status" className="mb-4" data-testid="saved-banner">
            Saved. Here is your next prompt.
          </Alert>
        )}
        <AnnotationBoard
          key={state.prompt.id}
          pairwise={pairwise}
          prompt={state.prompt}
          responses={state.responses}
          guidelines={guidelines}
          afterSaveHref={`${queueHref}${queueHref.includes("?") ? "&" : "?"}saved=${state.prompt.id}`}
        />
      </>
    );
  }
  if (state.status === "done") return done;
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
