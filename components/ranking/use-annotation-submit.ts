"use client";

import { useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import type { Groups } from "@/components/ranking/ranking-state";

export type AnnotationBody = {
  ranking: Groups;
  openness: number | null;
  notRankable: boolean;
  notRankableReason: string | null;
  comment: string | null;
};

async function errorOf(response: Response, fallback: string): Promise<string> {
  const data = (await response.json().catch(() => null)) as { error?: string } | null;
  return data?.error ?? `${fallback} (HTTP ${response.status}). Try again.`;
}

/** Saving an annotation (new or edited) and skipping a prompt, with the board's pending and error state. */
export function useAnnotationSubmit({
  mode,
  promptId,
  annotationId,
  afterSaveHref,
}: {
  mode: "queue" | "edit";
  promptId: number;
  annotationId?: number;
  afterSaveHref: string;
}) {
  const router = useRouter();
  const [pending, setPending] = useState<"submit" | "skip" | null>(null);
  const [error, setError] = useState<string | null>(null);
  // When the board opened in the browser: the annotation's duration is measured from there.
  const startedAt = useRef<number | null>(null);
  useEffect(() => {
    startedAt.current = Date.now();
  }, []);

  async function send(url: string, method: "POST" | "PUT", body: object, failure: string): Promise<boolean> {
    setError(null);
    try {
      const response = await fetch(url, {
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (response.ok) return true;
      setError(await errorOf(response, failure));
    } catch {
      setError("Could not reach the server. Your work is still here; try again.");
    }
    setPending(null);
    return false;
  }

  return {
    pending,
    error,
    async submit(body: AnnotationBody): Promise<boolean> {
      if (pending) return false;
      setPending("submit");
      const durationMs = startedAt.current === null ? null : Math.max(0, Date.now() - startedAt.current);
      const ok =
        mode === "edit"
          ? await send(`/api/annotations/${annotationId}`, "PUT", { ...body, durationMs }, "Saving failed")
          : await send("/api/annotations", "POST", { promptId, ...body, durationMs }, "Saving failed");
      if (ok) {
        router.replace(afterSaveHref);
        router.refresh();
      }
      return ok;
    },
    async skip(reason: string): Promise<boolean> {
      if (pending) return false;
      setPending("skip");
      const ok = await send("/api/queue/skip", "POST", { promptId, reason: reason.trim() || null }, "Skipping failed");
      if (ok) router.refresh();
      return ok;
    },
  };
}
