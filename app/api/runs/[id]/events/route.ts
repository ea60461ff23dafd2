import { z } from "zod";
import { getStore } from "@/lib/db";
import { stillAllowed } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/http/ids";
import { logUnexpected, route } from "@/lib/http/route";
import { holdWhileOpen, perUserSlots } from "@/lib/http/per-user-slots";
import { isTerminal } from "@/lib/runs/schemas";
import { runMetricSeries, runSnapshot } from "@/lib/runs/progress";

export const dynamic = "force-dynamic";

const POLL_MS = 500;
/** How often an open stream asks again whether its caller may still read it (signed out, revoked, disabled). */
const REAUTHORIZE_MS = 2_000;

/**
 * GET /api/runs/:id/events: Server-Sent Events while a run trains. `status` events carry the
 * run's snapshot (status, progress, latest loss and accuracy, ETA); `metrics` events carry new
 * points of the loss curve, with the last step as the event id so a reconnecting client
 * (Last-Event-ID) gets only what it missed. The stream ends with `end` when the run finishes, and
 * without one once its caller may no longer read it (signed out, token revoked, disabled, demoted).
 * 429 while the caller has eight streams open.
 *
 * A failure while streaming is logged and sent as a `failure` event before the stream ends, so the
 * client can tell it from a finished run.
 */
const streamsOpen = perUserSlots(
  8,
  (limit) => `You have ${limit} run progress streams open already; close a tab that follows a run.`,
);

const query = z.object({ after: z.coerce.number().int().optional().catch(undefined) });

export const GET = route(
  { access: "researcher", params: idParams("run"), query },
  async ({ request, user, params, query }) => {
    const { id } = params;
    const store = getStore();
    if (!(await runSnapshot(store, id))) throw new AppError("not-found", `There is no run ${id}.`);
    const release = streamsOpen.take(user.id);
    const resumeAfter = Number(request.headers.get("last-event-id") ?? query.after ?? -1);
    const encoder = new TextEncoder();
    let timer: ReturnType<typeof setInterval> | undefined;

    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let lastStep = Number.isFinite(resumeAfter) ? resumeAfter : -1;
        let lastStatus = "";
        let closed = false;
        const close = () => {
          if (closed) return;
          closed = true;
          clearInterval(timer);
          try {
            controller.close();
          } catch {
            // The client went away first.
          }
        };
        const send = (event: string, data: unknown, eventId?: number) => {
          if (closed) return;
          controller.enqueue(
            encoder.encode(
              `${eventId === undefined ? "" : `id: ${eventId}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`,
            ),
          );
        };
        let authorizedAt = Date.now();
        const reauthorize = () => {
          if (Date.now() - authorizedAt < REAUTHORIZE_MS) return;
          authorizedAt = Date.now();
          stillAllowed(request, "researcher").then(
            (allowed) => allowed || close(),
            (error) => {
              logUnexpected(`GET /api/runs/${id}/events (authorization)`, error);
              close();
            },
          );
        };
        // A tick that waits on the database is not overlapped by the next one.
        let ticking = false;
        const tick = async () => {
          if (ticking || closed) return;
          ticking = true;
          reauthorize();
          try {
            const snapshot = await runSnapshot(store, id);
            if (!snapshot) return close();
            const points = await runMetricSeries(store, id, 2000, lastStep);
            if (points.length) {
              lastStep = points.at(-1)!.step;
              send("metrics", points, lastStep);
            }
            const key = JSON.stringify(snapshot);
            if (key !== lastStatus) {
              lastStatus = key;
              send("status", snapshot);
            } else {
              controller.enqueue(encoder.encode(": keep-alive\n\n"));
            }
            if (isTerminal(snapshot.status)) {
              send("end", { status: snapshot.status });
              close();
            }
          } catch (error) {
            logUnexpected(`GET /api/runs/${id}/events`, error);
            send("failure", { error: "The progress stream failed on our side; it has been logged. Reload to retry." });
            close();
          } finally {
            ticking = false;
          }
        };
        controller.enqueue(encoder.encode("retry: 1500\n\n"));
        void tick();
        timer = setInterval(() => void tick(), POLL_MS);
        request.signal.addEventListener("abort", close);
      },
      cancel() {
        clearInterval(timer);
      },
    });

    return new Response(holdWhileOpen(stream, release), {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache, no-transform",
        Connection: "keep-alive",
        "X-Accel-Buffering": "no",
      },
    });
  },
);
