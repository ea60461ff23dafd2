import { AppError } from "@/lib/errors";

/**
 * At most `limit` of one kind of long-lived response (an export, an event stream) open per user on
 * this server: one user's dozen parallel exports or thousand streams raised everyone's latency.
 * take() refuses past the limit with 429 and returns the release; a held stream releases its slot
 * when it ends, fails or its reader goes away (holdWhileOpen).
 */
export function perUserSlots(limit: number, refusal: (limit: number) => string) {
  const open = new Map<number, number>();
  return {
    take(userId: number): () => void {
      const taken = open.get(userId) ?? 0;
      if (taken >= limit) throw new AppError("too-many-requests", refusal(limit));
      open.set(userId, taken + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(userId) ?? 1) - 1;
        if (left > 0) open.set(userId, left);
        else open.delete(userId);
      };
    },
    openFor(userId: number): number {
      return open.get(userId) ?? 0;
    },
  };
}

/** `stream` as it is, calling `release` once it has ended, failed or been cancelled by its reader. */
export function holdWhileOpen<T>(stream: ReadableStream<T>, release: () => void): ReadableStream<T> {
  const reader = stream.getReader();
  return new ReadableStream<T>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        release();
        controller.close();
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
}
