import { describe, expect, it } from "vitest";
import {
  findQueueDataset,
  listQueueDatasets,
  LEASE_MS,
  nextPrompt,
  listSkipped,
  queueProgress,
  reopenSkipped,
  skipPrompt,
  type QueueDataset,
} from "@/lib/annotations/queue";
import { saveAnnotation } from "@/lib/annotations/annotations";
import { freshDbPerTest, seedDataset, seedUser, seedUsers } from "@/lib/test-fixtures";

const temp = freshDbPerTest();

async function annotate(dataset: QueueDataset, userId: number, promptId: number, responseIds: number[]) {
  const saved = await saveAnnotation(temp.store, userId, {
    promptId,
    ranking: responseIds.map((id) => [id]),
    openness: 0.5,
    notRankable: false,
  });
  expect(saved.annotation.promptId).toBe(promptId);
  return dataset;
}

function promptIdOf(result: Awaited<Awaited<Awaited<ReturnType<typeof nextPrompt>>>>): number | null {
  return result.status === "prompt" ? result.prompt.id : null;
}

describe("queue", () => {
  it("prefetches the prompt after the one on screen, and a reload still shows the one on screen", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 3, k: 1 });
    const dataset = (await findQueueDataset(temp.store))!;
    const alice = await seedUser(temp.side, "alice");
    const now = new Date("2030-01-01T10:00:00Z");
    const later = (ms: number) => new Date(now.getTime() + ms);
    const onScreen = promptIdOf(await nextPrompt(temp.store, dataset, alice, now))!;
    const ahead = promptIdOf(await nextPrompt(temp.store, dataset, alice, later(1000), "fill", onScreen))!;
    expect(ahead).not.toBeNull();
    expect(ahead).not.toBe(onScreen);
    // Asking again ahead of the same prompt answers the same prefetched one, not a third.
    expect(promptIdOf(await nextPrompt(temp.store, dataset, alice, later(2000), "fill", onScreen))).toBe(ahead);
    // A reload (no aheadOf) shows the prompt on screen, even once the prefetch was claimed after it.
    expect(promptIdOf(await nextPrompt(temp.store, dataset, alice, later(3000)))).toBe(onScreen);
    // The prefetch renewed the lease of the prompt on screen: it outlives its first lease.
    const lease = (await temp.side.rows("assignments")).find((a) => a.promptId === onScreen)!;
    expect(lease.leasedUntil.getTime()).toBe(later(3000).getTime() + LEASE_MS);
    // Both are held: with k = 1 another annotator gets the third prompt only.
    const bob = await seedUser(temp.side, "bob");
    const third = prompts.map((p) => p.id).find((id) => id !== onScreen && id !== ahead);
    expect(promptIdOf(await nextPrompt(temp.store, dataset, bob, later(4000)))).toBe(third);
    // Once the prompt on screen is submitted, the prefetched one is the next.
    await annotate(dataset, alice, onScreen, prompts.find((p) => p.id === onScreen)!.responseIds);
    expect(promptIdOf(await nextPrompt(temp.store, dataset, alice, later(5000)))).toBe(ahead);
  });

  it("hands the last slot of a prompt to one annotator only, until the lease expires", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 1, k: 2 });
    const dataset = (await findQueueDataset(temp.store))!;
    const [first, second, third] = await seedUsers(temp.side, "first", "second", "third");
    await annotate(dataset, first, prompts[0]!.id, prompts[0]!.responseIds);

    const now = new Date("2030-01-01T10:00:00Z");
    expect(promptIdOf(await nextPrompt(temp.store, dataset, second, now))).toBe(prompts[0]!.id);
    // One annotation plus second's live lease fill k = 2: third gets nothing.
    const forThird = await nextPrompt(temp.store, dataset, third, now);
    expect(forThird.status).toBe("done");
    expect(forThird.progress.leftForMe).toBe(0);
    // Second reloading gets the same prompt back.
    expect(promptIdOf(await nextPrompt(temp.store, dataset, second, new Date(now.getTime() + 60_000)))).toBe(
      prompts[0]!.id,
    );
    // After the lease runs out the slot is free again.
    const later = new Date(now.getTime() + 2 * LEASE_MS);
    expect(promptIdOf(await nextPrompt(temp.store, dataset, third, later))).toBe(prompts[0]!.id);
  });

  it("never serves a prompt the annotator already ranked, and stops at k annotations", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 2, k: 1 });
    const dataset = (await findQueueDataset(temp.store))!;
    const [alice, bob] = await seedUsers(temp.side, "alice", "bob");
    const firstId = promptIdOf(await nextPrompt(temp.store, dataset, alice))!;
    const first = prompts.find((p) => p.id === firstId)!;
    await annotate(dataset, alice, first.id, first.responseIds);
    expect(await temp.side.rows("assignments")).toHaveLength(0); // submitting released the lease

    const next = promptIdOf(await nextPrompt(temp.store, dataset, alice));
    expect(next).not.toBe(firstId);
    // Bob: the first prompt is full (k = 1), the second is leased to Alice.
    expect((await nextPrompt(temp.store, dataset, bob)).status).toBe("done");
    expect(await queueProgress(temp.store, dataset, alice)).toMatchObject({
      doneByMe: 1,
      totalPrompts: 2,
      completePrompts: 1,
      target: 1,
    });
  });

  it("skip gives the prompt back to others and keeps it out of the skipper's queue", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 2, k: 1 });
    const dataset = (await findQueueDataset(temp.store))!;
    const [alice, bob] = await seedUsers(temp.side, "alice", "bob");
    const skipped = promptIdOf(await nextPrompt(temp.store, dataset, alice))!;
    expect(await skipPrompt(temp.store, skipped, alice)).toBe(true);

    const aliceNext = promptIdOf(await nextPrompt(temp.store, dataset, alice));
    expect(aliceNext).not.toBe(skipped);
    expect(aliceNext).toBe(prompts.find((p) => p.id !== skipped)!.id);
    // The skipped prompt is free for Bob (Alice's skip is not a lease).
    expect(promptIdOf(await nextPrompt(temp.store, dataset, bob))).toBe(skipped);
    expect(await skipPrompt(temp.store, 999_999, alice)).toBe(false);
  });

  it("keeps the skip's reason in the skipper's list, and reopening puts the prompt next in their queue", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 3, k: 1 });
    const dataset = (await findQueueDataset(temp.store))!;
    const [alice, bob] = await seedUsers(temp.side, "alice", "bob");
    const now = new Date("2030-01-01T10:00:00Z");
    const first = promptIdOf(await nextPrompt(temp.store, dataset, alice, now))!;
    await skipPrompt(temp.store, first, alice, now, "  outside my expertise ");
    const second = promptIdOf(await nextPrompt(temp.store, dataset, alice, now))!;
    await skipPrompt(temp.store, second, alice, now, "   ");
    expect((await listSkipped(temp.store, alice, now)).map((s) => [s.promptId, s.reason])).toEqual(
      expect.arrayContaining([
        [first, "outside my expertise"],
        [second, null],
      ]),
    );
    expect(await listSkipped(temp.store, bob, now)).toEqual([]);
    // Bob cannot reopen Alice's skip; Alice can, and the queue serves it to her next.
    expect((await reopenSkipped(temp.store, first, bob, now)).status).toBe("not-skipped");
    const third = promptIdOf(await nextPrompt(temp.store, dataset, alice, now));
    expect(third).toBe(prompts.find((p) => p.id !== first && p.id !== second)!.id);
    expect(await reopenSkipped(temp.store, first, alice, new Date(now.getTime() + 1000))).toEqual({
      status: "reopened",
      datasetSlug: dataset.slug,
    });
    expect(promptIdOf(await nextPrompt(temp.store, dataset, alice, new Date(now.getTime() + 2000)))).toBe(first);
    expect((await listSkipped(temp.store, alice, now)).map((s) => s.promptId)).toEqual([second]);
    // A skip others filled meanwhile (k = 1) cannot be taken back.
    const bobs = promptIdOf(await nextPrompt(temp.store, dataset, bob, now));
    expect(bobs).toBe(second);
    await annotate(dataset, bob, second, prompts.find((p) => p.id === second)!.responseIds);
    expect((await reopenSkipped(temp.store, second, alice, now)).status).toBe("full");
    // Expired skips leave the list.
    expect(await listSkipped(temp.store, alice, new Date(now.getTime() + 2 * 24 * 3600_000))).toEqual([]);
  });

  it("shows responses in a stable order per annotator, different between annotators", async () => {
    const { prompts } = await seedDataset(temp.side, { promptCount: 1, k: 5 });
    const dataset = (await findQueueDataset(temp.store))!;
    const annotators = await seedUsers(temp.side, "a", "b", "c", "d");
    const orders: number[][] = [];
    for (const u of annotators) {
      const r = await nextPrompt(temp.store, dataset, u);
      orders.push(r.status === "prompt" ? r.responses.map((x) => x.id) : []);
    }
    for (const order of orders) expect([...order].sort((x, y) => x - y)).toEqual(prompts[0]!.responseIds);
    expect(new Set(orders.map((o) => o.join(","))).size).toBeGreaterThan(1);
    const again = await nextPrompt(temp.store, dataset, annotators[0]!);
    expect(again.status === "prompt" && again.responses.map((x) => x.id)).toEqual(orders[0]);
  });

  it("queues per dataset", async () => {
    await seedDataset(temp.side, { slug: "demo", promptCount: 1 });
    const other = await seedDataset(temp.side, { slug: "other", promptCount: 1 });
    const alice = await seedUser(temp.side, "alice");
    const dataset = (await findQueueDataset(temp.store, "other"))!;
    expect(promptIdOf(await nextPrompt(temp.store, dataset, alice))).toBe(other.prompts[0]!.id);
    expect(await findQueueDataset(temp.store, "missing")).toBeNull();
  });

  it("keeps synthetic datasets out of the annotators' queue", async () => {
    await seedDataset(temp.side, { slug: "people", promptCount: 1 });
    const generated = await seedDataset(temp.side, { slug: "paper-length", promptCount: 1 });
    await temp.side.update("datasets", { synthetic: true }, { id: generated.dataset.id });
    expect((await listQueueDatasets(temp.store)).map((d) => d.slug)).toEqual(["people"]);
    expect(await findQueueDataset(temp.store, "paper-length")).toBeNull();
  });
});
