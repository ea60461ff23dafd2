"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import type { Groups } from "@/components/ranking/ranking-state";
import type { StaleWriteDetails } from "@/lib/annotations/annotations";

export type AnnotationBody = {
  ranking: Groups;
  openness: number | null;
  notRankable: boolean;
  notRankableReason: string | null;
  comment: string | null;
};

type ErrorBody = { error?: string; details?: Partial<StaleWriteDetails> } | null;

/** What the board does once its prompt is done with: the queue shows its next prompt at once. */
export type BoardOutcome = "saved" | "skipped" | "kept-theirs";

/**
 * Saving an annotation (new or edited) and skipping a prompt, with the board's pending and error
 * state. Every save names the version the board was opened on (`baseVersion`: null for a new
 * annotation), so a stale tab's submit comes back as `stale` (the version stored now) instead of
 * replacing it; the board then offers to keep that one or to see it.
 */
export function useAnnotationSubmit({
  mode,
  promptId,
  annotationId,
  baseVersion,
  afterSaveHref,
  startedAt,
  clearDraft,
  onDone,
  suggestionRunId,
}: {
  mode: "queue" | "edit";
  promptId: number;
  annotationId?: number;
  baseVersion: number | null;
  afterSaveHref: string;
  /** When the annotator first opened this board (a restored draft keeps its first start). */
  startedAt: () => number;
  /** Drops the board's draft: its work was saved, skipped or given up for the newer version. */
  clearDraft: () => void;
  /** Called instead of navigating to afterSaveHref (the queue swaps in its prefetched prompt). */
  onDone?: (outcome: BoardOutcome) => void;
  /** The run whose suggested order a new annotation's board started from (recorded with it). */
  suggestionRunId?: number;
}) {
  const router = useRouter();
  const [pending, setPending] = useState<"submit" | "skip" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState<StaleWriteDetails | null>(null);

  const finish = (outcome: BoardOutcome) => {
    clearDraft();
    if (onDone) {
      onDone(outcome);
      return;
    }
    router.replace(afterSaveHref);
    router.refresh();
  };

  async function send(url: string, method: "POST" | "PUT", body: object, failure: string): Promise<boolean> {
    setError(null);
    try {
      const response = await fetch(url, {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.ok) return true;
      const data = (await response.json().catch(() => null)) as ErrorBody;
      if (response.status === 409 && data?.details?.stale && data.details.annotationId) {
        setStale(data.details as StaleWriteDetails);
      } else {
        setError(data?.error ?? `${failure} (HTTP ${response.status}). Try again.`);
      }
    } catch {
      setError("Could not reach the server. Your work is still here; try again.");
    }
    setPending(null);
    return false;
  }

  return {
    pending,
    error,
    stale,
    async submit(body: AnnotationBody): Promise<boolean> {
      if (pending) return false;
      setPending("submit");
      const durationMs = Math.max(0, Date.now() - startedAt());
      const sent = { ...body, durationMs, baseVersion };
      const ok =
        mode === "edit"
          ? await send(`/api/annotations/${annotationId}`, "PUT", sent, "Saving failed")
          : await send("/api/annotations", "POST", { promptId, ...sent, suggestionRunId }, "Saving failed");
      if (ok) finish("saved");
      return ok;
    },
    async skip(reason: string): Promise<boolean> {
      if (pending) return false;
      setPending("skip");
      const ok = await send("/api/queue/skip", "POST", { promptId, reason: reason.trim() || null }, "Skipping failed");
      if (ok) {
        clearDraft();
        if (onDone) onDone("skipped");
        else router.refresh();
      }
      return ok;
    },
    /** Stale: keep the version another tab saved, dropping this board's work, and move on. */
    keepTheirs() {
      setStale(null);
      finish("kept-theirs");
    },
    /** Stale: open the version another tab saved (the edit page of the annotation). */
    seeTheirs() {
      const target = stale;
      setStale(null);
      if (!target) return;
      clearDraft();
      const href = `/annotate/mine/${target.annotationId}`;
      if (mode === "edit" && annotationId === target.annotationId) router.refresh();
      else router.push(href);
    },
  };
}
