import { describe, expect, it } from "vitest";
import { holdWhileOpen, perUserSlots } from "@/lib/http/per-user-slots";

const streamOf = (chunks: string[]) =>
  new ReadableStream<string>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });

describe("perUserSlots", () => {
  it("refuses one user past the limit with 429, not others, and frees a slot once", () => {
    const slots = perUserSlots(2, (limit) => `at most ${limit}`);
    const first = slots.take(1);
    slots.take(1);
    expect(() => slots.take(1)).toThrow(expect.objectContaining({ kind: "too-many-requests", message: "at most 2" }));
    expect(() => slots.take(2)).not.toThrow();
    first();
    first();
    expect(slots.openFor(1)).toBe(1);
    expect(() => slots.take(1)).not.toThrow();
    expect(() => slots.take(1)).toThrow();
  });

  it("holds a slot while a stream is read, and frees it when the stream ends or its reader cancels", async () => {
    const slots = perUserSlots(1, () => "busy");
    const read = holdWhileOpen(streamOf(["a", "b"]), slots.take(7));
    expect(slots.openFor(7)).toBe(1);
    const chunks: string[] = [];
    const whole = read.getReader();
    for (let next = await whole.read(); !next.done; next = await whole.read()) chunks.push(next.value);
    expect(chunks).toEqual(["a", "b"]);
    expect(slots.openFor(7)).toBe(0);

    let cancelled = false;
    const endless = new ReadableStream<string>({
      pull: (controller) => controller.enqueue("x"),
      cancel: () => {
        cancelled = true;
      },
    });
    const held = holdWhileOpen(endless, slots.take(7));
    const reader = held.getReader();
    await reader.read();
    expect(slots.openFor(7)).toBe(1);
    await reader.cancel();
    expect(cancelled).toBe(true);
    expect(slots.openFor(7)).toBe(0);
  });
});
