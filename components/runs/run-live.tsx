"use client";

import { useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { LossChart, type LossPoint } from "@/components/charts/loss-chart";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { cardVariants } from "@/components/ui/card";
import { StatusBadge } from "@/components/runs/status-badge";
import { duration, num, pct } from "@/components/runs/format";
import type { RunStatus } from "@/lib/domain";
import { plural } from "@/lib/utils";

export type LiveSnapshot = {
  id: number;
  status: RunStatus;
  progress: number;
  error: string | null;
  startedAt: number | null;
  queuePosition: number;
  latest: LossPoint | null;
  etaSeconds: number | null;
};

const TERMINAL: RunStatus[] = ["succeeded", "failed", "canceled"];

/** A long run evaluated often would otherwise grow the chart without bound while the tab stays open. */
const MAX_POINTS = 2000;

function halveWhileOver<T>(max: number, points: T[]): T[] {
  let out = points;
  // Every other point, keeping the newest.
  while (out.length > max) out = out.filter((_, i) => (out.length - 1 - i) % 2 === 0);
  return out;
}

/**
 * Live progress of a queued or running run over Server-Sent Events. EventSource reconnects by
 * itself after a dropped connection (sending the last step it saw); when the run ends the page
 * is refreshed so the server renders the dashboard.
 */
export function RunLive({
  initial,
  initialPoints,
  totalSteps,
}: {
  initial: LiveSnapshot;
  initialPoints: LossPoint[];
  totalSteps: number;
}) {
  const router = useRouter();
  const [snapshot, setSnapshot] = useState(initial);
  const [points, setPoints] = useState(initialPoints);
  const [connection, setConnection] = useState<"connecting" | "live" | "reconnecting" | "closed">("connecting");
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [canceling, setCanceling] = useState(false);
  const lastStep = useRef(initialPoints.at(-1)?.step ?? -1);

  useEffect(() => {
    if (TERMINAL.includes(initial.status)) return;
    const source = new EventSource(`/api/runs/${initial.id}/events?after=${lastStep.current}`);
    source.onopen = () => setConnection("live");
    // EventSource retries a dropped connection by itself, but gives up for good on an error
    // response (a 403 after the session expired, say): then only a reload helps.
    source.onerror = () => setConnection(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
    source.addEventListener("metrics", (event) => {
      const fresh = (JSON.parse((event as MessageEvent<string>).data) as LossPoint[]).filter(
        (p) => p.step > lastStep.current,
      );
      if (!fresh.length) return;
      lastStep.current = fresh.at(-1)!.step;
      setPoints((old) => halveWhileOver(MAX_POINTS, [...old, ...fresh]));
    });
    source.addEventListener("status", (event) =>
      setSnapshot(JSON.parse((event as MessageEvent<string>).data) as LiveSnapshot),
    );
    source.addEventListener("end", () => {
      source.close();
      router.refresh();
    });
    return () => source.close();
  }, [initial.id, initial.status, router]);

  async function cancel() {
    setCanceling(true);
    setCancelError(null);
    const response = await fetch(`/api/runs/${initial.id}/cancel`, { method: "POST" });
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      setCancelError(body.error ?? `Cancel failed (${response.status}).`);
      setCanceling(false);
    }
  }

  const latest = snapshot.latest ?? points.at(-1) ?? null;
  const active = !TERMINAL.includes(snapshot.status);
  return (
    <section className={cardVariants()} data-testid="run-live">
      <div className="flex flex-wrap items-center gap-3">
        <StatusBadge status={snapshot.status} testId="run-status" />
        {active && (
          <span
            className="text-xs text-slate-600"
            aria-live="polite"
            data-testid="run-connection"
            data-connection={connection}
          >
            {connection === "live"
              ? "live"
              : connection === "reconnecting"
                ? "connection lost, reconnecting…"
                : connection === "closed"
                  ? "live updates stopped: reload the page"
                  : "connecting…"}
          </span>
        )}
        {snapshot.status === "queued" && (
          <span className="text-sm text-slate-600">
            {snapshot.queuePosition === 0
              ? "Next in line: starts when the current run finishes."
              : `${plural(snapshot.queuePosition, "run")} ahead in the queue.`}
          </span>
        )}
        {active && (
          <Button
            variant="secondary"
            size="sm"
            className="ml-auto"
            onClick={cancel}
            disabled={canceling}
            data-testid="cancel-run"
          >
            {canceling ? "Canceling…" : "Cancel run"}
          </Button>
        )}
      </div>
      {cancelError && (
        <p role="alert" className="mt-2 text-sm text-rose-700">
          {cancelError}
        </p>
      )}
      {snapshot.error && snapshot.status !== "succeeded" && (
        <Alert tone="danger" className="mt-2" data-testid="run-error">
          {snapshot.error}
        </Alert>
      )}
      <div className="mt-4">
        <div
          className="h-2 overflow-hidden rounded-full bg-slate-100"
          role="progressbar"
          aria-label="Training progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(snapshot.progress * 100)}
        >
          <div
            className="h-full rounded-full bg-indigo-500 transition-[width] duration-500"
            style={{ width: `${snapshot.progress * 100}%` }}
          />
        </div>
        <dl className="mt-3 grid grid-cols-2 gap-3 text-sm sm:grid-cols-5">
          <Stat label="Step" value={`${latest?.step ?? 0} / ${totalSteps}`} testId="live-step" />
          <Stat label="Loss" value={num(latest?.loss, 4)} testId="live-loss" />
          <Stat label="Held-out accuracy" value={pct(latest?.testAccuracy)} testId="live-accuracy" />
          <Stat label="Train accuracy" value={pct(latest?.trainAccuracy)} />
          <Stat
            label="ETA"
            value={snapshot.status === "running" ? duration(snapshot.etaSeconds) : "–"}
            testId="live-eta"
          />
        </dl>
      </div>
      <div className="mt-4" data-testid="chart-loss">
        <LossChart points={points} totalSteps={totalSteps} />
      </div>
    </section>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-600">{label}</dt>
      <dd className="font-medium tabular-nums text-slate-900" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}
