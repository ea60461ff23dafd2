/**
 * The queue store (db/store/queue.ts, db/pg/store/queue.ts): one test body on both backends, every
 * method, and on PostgreSQL two transactions racing for a prompt's last slot.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Store } from "@/db/store";
import { annotationWriteRefusal } from "@/lib/annotations/write-rule";
import { DEADLOCK_DETECTED, postgresErrorCode, SERIALIZATION_FAILURE } from "../errors";
import { QUEUE_ORDER_NAMES } from "@/lib/domain";
import { seededRandom } from "@/lib/random";
import { databasePerTest, postgresTestsRun, TEST_BACKENDS, type TestDatabase } from "../test-database";
import { MINUTE, NOW, rankingOf, seedAnnotating, type Seeded } from "./annotating-fixtures";
import { postgresAnnotationStore } from "./annotations";
import type { PgExecutor } from "./executor";
import { firstOpenPromptQuery, postgresQueueStore } from "./queue";

describe.each(TEST_BACKENDS)("the queue store on %s", (backend) => {
  const fresh = databasePerTest(backend);
  const setUp = async () => {
    const seeded = await seedAnnotating(fresh);
    const { annotations, quality, queue } = fresh.store;
    return { ...seeded, annotations, quality, queue };
  };

  it("lists the datasets annotators rank, oldest first, and finds one by slug", async () => {
    const { queue, datasets } = await setUp();
    const demo = {
      id: datasets.demo,
      slug: "demo",
      name: "Démo ✓",
      guidelines: "Rank best first.",
      annotationsPerPrompt: 2,
      queueOrder: "fill",
    };
    expect(await queue.datasets()).toStrictEqual([
      demo,
      {
        id: datasets.other,
        slug: "other",
        name: "Other",
        guidelines: "",
        annotationsPerPrompt: 1,
        queueOrder: "uncertain-openness",
      },
    ]);
    expect(await queue.dataset("demo")).toStrictEqual(demo);
    expect(await queue.dataset("synth")).toBeNull();
    expect(await queue.dataset("staged")).toBeNull();
    expect(await queue.dataset("none")).toBeNull();
  });

  it("reads a prompt, its messages and its responses in position order", async () => {
    const { queue, demo } = await setUp();
    const messages = [
      { role: "user" as const, content: "Hi ✓" },
      { role: "assistant" as const, content: "Hello" },
    ];
    await fresh.side.update("prompts", { messages }, { id: demo[1]!.id });
    expect(await queue.prompt(demo[0]!.id)).toStrictEqual({
      id: demo[0]!.id,
      externalId: "d1",
      text: "Prompt d1 — ünïcode 👍",
      messages: null,
    });
    expect((await queue.prompt(demo[1]!.id))?.messages).toStrictEqual(messages);
    expect(await queue.prompt(9999)).toBeNull();
    expect(await queue.promptResponses(demo[0]!.id)).toStrictEqual([
      { id: demo[0]!.responses[0], position: 0, text: "First é" },
      { id: demo[0]!.responses[1], position: 1, text: "Second 👍" },
    ]);
    expect(await queue.promptResponses(9999)).toStrictEqual([]);
    expect(await queue.promptExists(demo[0]!.id)).toBe(true);
    expect(await queue.promptExists(9999)).toBe(false);
  });

  it("hands out the first open prompt in each order: fill, least annotated, a never-prioritised one first", async () => {
    const { queue, annotations, quality, users, demo, other } = await setUp();
    const [demoRow, otherRow] = await queue.datasets();
    const first = (dataset = demoRow!, order = dataset.queueOrder!, except: number | null = null) =>
      queue.firstOpenPrompt(dataset, users.alice, NOW, order, except);
    // Ties on annotation_count go to the lowest id.
    expect(await first()).toBe(demo[0]!.id);
    expect(await first(demoRow, "least-annotated")).toBe(demo[0]!.id);
    await annotations.write(demo[2]!.id, users.carol, rankingOf(demo[2]!), "keep");
    expect(await first()).toBe(demo[2]!.id);
    expect(await first(demoRow, "fill", demo[2]!.id)).toBe(demo[0]!.id);
    expect(await first(demoRow, "least-annotated")).toBe(demo[0]!.id);
    // SQLite sorts NULL first ascending; PostgreSQL must be told.
    expect(await first(otherRow)).toBe(other[1]!.id);
    expect(await first(otherRow, "uncertain-rewards")).toBe(other[1]!.id);
    expect(await first(otherRow, "uncertain-openness", other[1]!.id)).toBe(other[2]!.id);
    expect(await first(otherRow, "fill", other[1]!.id)).toBe(other[0]!.id);
    // Gold prompts are the quality checks' to hand out; my own annotations and full prompts are not open.
    await quality.setGold(demo[2]!.id, JSON.stringify({ best: demo[2]!.responses[0] }));
    await annotations.write(demo[0]!.id, users.alice, rankingOf(demo[0]!), "keep");
    expect(await first()).toBe(demo[1]!.id);
    await annotations.write(other[1]!.id, users.bob, rankingOf(other[1]!), "keep");
    expect(await first(otherRow)).toBe(other[2]!.id);
  });

  it("counts others' live leases against a prompt's slots, not expired ones nor skips nor my own", async () => {
    const { queue, annotations, users, demo } = await setUp();
    const demoRow = (await queue.dataset("demo"))!;
    const first = (at = NOW) => queue.firstOpenPrompt(demoRow, users.alice, at, "fill", null);
    await annotations.write(demo[0]!.id, users.carol, rankingOf(demo[0]!), "keep");
    await queue.lease(demo[0]!.id, users.bob, new Date(NOW + 10 * MINUTE));
    expect(await first()).toBe(demo[1]!.id);
    expect(await first(NOW + 10 * MINUTE)).toBe(demo[0]!.id);
    await queue.skip(demo[0]!.id, users.bob, new Date(NOW + 10 * MINUTE), null);
    expect(await first()).toBe(demo[0]!.id);
    await queue.lease(demo[0]!.id, users.alice, new Date(NOW + 10 * MINUTE));
    expect(await first()).toBe(demo[0]!.id);
    // My own live skip keeps a prompt out of my queue until it ends.
    await queue.skip(demo[0]!.id, users.alice, new Date(NOW + 10 * MINUTE), "unclear");
    expect(await first()).toBe(demo[1]!.id);
    expect(await first(NOW + 10 * MINUTE)).toBe(demo[0]!.id);
  });

  it("finds the prompt I hold, newest lease first, and renews only a live lease", async () => {
    const { queue, annotations, users, datasets, demo, other } = await setUp();
    const held = (except: number | null = null, at = NOW) => queue.heldPrompt(datasets.demo, users.alice, at, except);
    expect(await held()).toBeNull();
    await queue.lease(demo[1]!.id, users.alice, new Date(NOW + 5 * MINUTE));
    await queue.lease(demo[3]!.id, users.alice, new Date(NOW + 5 * MINUTE));
    await queue.lease(demo[2]!.id, users.alice, new Date(NOW + 2 * MINUTE));
    await queue.lease(other[0]!.id, users.alice, new Date(NOW + 9 * MINUTE));
    await queue.lease(demo[4]!.id, users.bob, new Date(NOW + 9 * MINUTE));
    // Two leases ending at the same instant: the higher prompt id.
    expect(await held()).toBe(demo[3]!.id);
    expect(await held(demo[3]!.id)).toBe(demo[1]!.id);
    expect(await held(null, NOW + 5 * MINUTE)).toBeNull();
    await annotations.write(demo[3]!.id, users.alice, rankingOf(demo[3]!), "keep");
    expect(await held()).toBe(demo[1]!.id);
    await queue.skip(demo[1]!.id, users.alice, new Date(NOW + 60 * MINUTE), null);
    expect(await held()).toBe(demo[2]!.id);

    await queue.renewLease(demo[2]!.id, users.alice, NOW, NOW + 30 * MINUTE);
    await queue.renewLease(demo[1]!.id, users.alice, NOW, NOW + 30 * MINUTE);
    await queue.renewLease(demo[4]!.id, users.bob, NOW + 10 * MINUTE, NOW + 30 * MINUTE);
    const leases = new Map(
      (await fresh.side.rows("assignments")).map((a) => [`${a.promptId}/${a.annotatorId}`, a.leasedUntil.getTime()]),
    );
    expect(leases.get(`${demo[2]!.id}/${users.alice}`)).toBe(NOW + 30 * MINUTE);
    expect(leases.get(`${demo[1]!.id}/${users.alice}`)).toBe(NOW + 60 * MINUTE);
    expect(leases.get(`${demo[4]!.id}/${users.bob}`)).toBe(NOW + 9 * MINUTE);
  });

  it("counts what progress is made of, as numbers", async () => {
    const { queue, annotations, quality, users, demo } = await setUp();
    const demoRow = (await queue.dataset("demo"))!;
    const write = (i: number, annotator: number) =>
      annotations.write(demo[i]!.id, annotator, rankingOf(demo[i]!), "keep");
    expect(await queue.counts(demoRow, users.alice, NOW)).toStrictEqual({
      totalPrompts: 6,
      completePrompts: 0,
      goldOpenToMe: 0,
      doneByMe: 0,
      doneByMeIncomplete: 0,
      skippedByMe: 0,
      filledByLeases: 0,
    });
    await write(0, users.carol);
    await write(0, users.bob);
    await write(1, users.alice);
    await queue.lease(demo[2]!.id, users.bob, new Date(NOW + 10 * MINUTE));
    await write(3, users.carol);
    await queue.lease(demo[3]!.id, users.bob, new Date(NOW + 10 * MINUTE));
    await queue.skip(demo[4]!.id, users.alice, new Date(NOW + 10 * MINUTE), null);
    await quality.setGold(demo[5]!.id, JSON.stringify({ best: demo[5]!.responses[0] }));
    await write(5, users.bob);
    expect(await queue.counts(demoRow, users.alice, NOW)).toStrictEqual({
      totalPrompts: 5,
      completePrompts: 1,
      goldOpenToMe: 1,
      doneByMe: 1,
      doneByMeIncomplete: 1,
      skippedByMe: 1,
      filledByLeases: 1,
    });
    expect(await queue.counts(demoRow, users.bob, NOW)).toStrictEqual({
      totalPrompts: 5,
      completePrompts: 1,
      goldOpenToMe: 0,
      doneByMe: 2,
      doneByMeIncomplete: 0,
      skippedByMe: 0,
      filledByLeases: 0,
    });
    // Once the leases and the skip end.
    expect(await queue.counts(demoRow, users.alice, NOW + 10 * MINUTE)).toMatchObject({
      skippedByMe: 0,
      filledByLeases: 0,
      goldOpenToMe: 1,
    });
    expect(await queue.rankedBy(demoRow.id, users.bob)).toBe(2);
    expect(await queue.rankedBy(demoRow.id, users.dave)).toBe(0);
  });

  it("skips, lists skips newest first, and takes a skip back as a lease unless others filled it", async () => {
    const { queue, annotations, users, demo, other } = await setUp();
    await queue.skip(demo[0]!.id, users.alice, new Date(NOW + 5 * MINUTE), "too long");
    await queue.skip(demo[1]!.id, users.alice, new Date(NOW + 5 * MINUTE), null);
    await queue.skip(other[0]!.id, users.alice, new Date(NOW + 9 * MINUTE), null);
    await queue.skip(demo[2]!.id, users.alice, new Date(NOW - MINUTE), null);
    await queue.skip(demo[3]!.id, users.bob, new Date(NOW + 5 * MINUTE), null);
    expect(await queue.skipped(users.alice, NOW)).toStrictEqual([
      {
        promptId: other[0]!.id,
        promptText: "Prompt o1 — ünïcode 👍",
        datasetSlug: "other",
        datasetName: "Other",
        reason: null,
        until: new Date(NOW + 9 * MINUTE),
      },
      ...[demo[1]!, demo[0]!].map((p, i) => ({
        promptId: p.id,
        promptText: `Prompt d${2 - i} — ünïcode 👍`,
        datasetSlug: "demo",
        datasetName: "Démo ✓",
        reason: i === 0 ? null : "too long",
        until: new Date(NOW + 5 * MINUTE),
      })),
    ]);

    // A lease ends, a skip stays.
    await queue.lease(demo[4]!.id, users.alice, new Date(NOW + 5 * MINUTE));
    await queue.releaseLease(demo[4]!.id, users.alice);
    await queue.releaseLease(demo[0]!.id, users.alice);
    expect((await fresh.side.rows("assignments")).filter((a) => a.annotatorId === users.alice)).toHaveLength(4);

    expect(await queue.liveSkip(demo[0]!.id, users.alice, NOW)).toStrictEqual({ slug: "demo", k: 2, taken: 0 });
    await annotations.write(demo[0]!.id, users.carol, rankingOf(demo[0]!), "keep");
    await queue.lease(demo[0]!.id, users.bob, new Date(NOW + 5 * MINUTE));
    await queue.lease(demo[0]!.id, users.dave, new Date(NOW - MINUTE));
    expect(await queue.liveSkip(demo[0]!.id, users.alice, NOW)).toStrictEqual({ slug: "demo", k: 2, taken: 2 });
    expect(await queue.liveSkip(demo[2]!.id, users.alice, NOW)).toBeNull();
    expect(await queue.liveSkip(demo[4]!.id, users.alice, NOW)).toBeNull();

    await queue.reopen(demo[1]!.id, users.alice, new Date(NOW + 15 * MINUTE));
    expect(await queue.liveSkip(demo[1]!.id, users.alice, NOW)).toBeNull();
    expect(await queue.heldPrompt((await queue.dataset("demo"))!.id, users.alice, NOW, null)).toBe(demo[1]!.id);
    const reopened = (await fresh.side.rows("assignments")).find(
      (a) => a.promptId === demo[1]!.id && a.annotatorId === users.alice,
    );
    expect(reopened).toMatchObject({ skipped: false, skipReason: null, leasedUntil: new Date(NOW + 15 * MINUTE) });

    // A prompt I ranked since leaves my skipped list.
    await annotations.write(other[0]!.id, users.alice, rankingOf(other[0]!), "keep");
    expect((await queue.skipped(users.alice, NOW)).map((s) => s.promptId)).toStrictEqual([demo[0]!.id]);
  });
});

describe.skipIf(!postgresTestsRun())("a prompt's last slot on PostgreSQL", () => {
  const fresh = databasePerTest("postgres");
  const LEASED_UNTIL = new Date(NOW + 15 * MINUTE);

  /** "other" (k = 1) with one prompt left open, o2: dave ranked the others. */
  const lastSlot = async () => {
    const seeded = await seedAnnotating(fresh);
    for (const p of [seeded.other[0]!, seeded.other[2]!])
      await fresh.store.annotations.write(p.id, seeded.users.dave, rankingOf(p), "keep");
    return seeded;
  };
  const liveLeases = async (promptId: number) =>
    (await fresh.side.rows("assignments")).filter((a) => a.promptId === promptId && !a.skipped);

  /** lib/annotations/queue.ts nextPrompt's transaction, without the areas around it. */
  const takeNext = (tx: Pick<Store, "queue">, annotatorId: number) =>
    tx.queue.dataset("other").then(async (dataset) => {
      const chosen = await tx.queue.firstOpenPrompt(dataset!, annotatorId, NOW, "fill", null);
      if (chosen !== null) await tx.queue.lease(chosen, annotatorId, LEASED_UNTIL);
      return chosen;
    });

  it("goes to one of two annotators taking their next prompt at once", async () => {
    const { users, other } = await lastSlot();
    const taken = await Promise.all(
      [users.alice, users.bob].map((annotator) =>
        fresh.store.transaction("low-durability", (tx) => takeNext(tx, annotator)),
      ),
    );
    expect(taken.filter((id) => id !== null)).toStrictEqual([other[1]!.id]);
    expect(await liveLeases(other[1]!.id)).toHaveLength(1);
  });

  it("goes to one of two annotators submitting for it at once, the other refused", async () => {
    const { users, other } = await lastSlot();
    const submit = (annotator: number) =>
      fresh.store.transaction("serial", async (tx) => {
        const refusal = await annotationWriteRefusal(tx, other[1]!.id, annotator, NOW);
        if (refusal) return refusal.message;
        return (await tx.annotations.write(other[1]!.id, annotator, rankingOf(other[1]!), "revise")).outcome;
      });
    const outcomes = await Promise.all([submit(users.alice), submit(users.bob)]);
    expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
    expect(outcomes.filter((o) => o.includes("already has the 1 annotation"))).toHaveLength(1);
  });

  /*
   * The serial writers' advisory lock makes the two above take turns. Without it (two plain
   * serializable transactions that both read the slot free before either writes), serializable
   * isolation alone must refuse one of them: the queue's SQL reads what the other writes.
   */
  /**
   * alice and bob each run `read`, wait until both have read, then run `write`, in two plain
   * serializable transactions: exactly one must commit, the other fail as a conflict.
   */
  const raceWithoutTheLock = async (
    read: (tx: PgExecutor, annotator: number, seeded: Seeded) => Promise<void>,
    write: (tx: PgExecutor, annotator: number, seeded: Seeded) => Promise<void>,
  ) => {
    const seeded = await lastSlot();
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((resolve) => (release = resolve));
    const settled = await Promise.allSettled(
      [seeded.users.alice, seeded.users.bob].map((annotator) =>
        fresh.postgres.transaction(
          async (tx) => {
            await read(tx, annotator, seeded);
            if (++arrived === 2) release();
            await bothRead;
            await write(tx, annotator, seeded);
          },
          { isolationLevel: "serializable" },
        ),
      ),
    );
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(1);
    const refused = settled.find((s) => s.status === "rejected") as PromiseRejectedResult;
    expect([SERIALIZATION_FAILURE, DEADLOCK_DETECTED]).toContain(postgresErrorCode(refused.reason));
    return seeded.other[1]!.id;
  };

  it("is refused by serializable isolation alone to the second of two leases that both read it free", async () => {
    const open = async (tx: PgExecutor, annotator: number) => {
      const queue = postgresQueueStore(tx);
      return queue.firstOpenPrompt((await queue.dataset("other"))!, annotator, NOW, "fill", null);
    };
    const promptId = await raceWithoutTheLock(
      async (tx, annotator, { other }) => expect(await open(tx, annotator)).toBe(other[1]!.id),
      (tx, annotator, { other }) => postgresQueueStore(tx).lease(other[1]!.id, annotator, LEASED_UNTIL),
    );
    expect(await liveLeases(promptId)).toHaveLength(1);
  });

  it("is refused by serializable isolation alone to the second of two submissions that both read it free", async () => {
    const promptId = await raceWithoutTheLock(
      async (tx, annotator, { other }) =>
        expect(await postgresAnnotationStore(tx).writeFacts(other[1]!.id, annotator, NOW)).toMatchObject({
          taken: 0,
          k: 1,
        }),
      async (tx, annotator, { other }) => {
        await postgresAnnotationStore(tx).write(other[1]!.id, annotator, rankingOf(other[1]!), "revise");
      },
    );
    expect((await fresh.side.rows("annotations")).filter((a) => a.promptId === promptId)).toHaveLength(1);
  });
});

describe.skipIf(!postgresTestsRun())("the next prompt on a big dataset on PostgreSQL", () => {
  const fresh = databasePerTest("postgres");

  it("is a walk of each order's index that stops at the first open prompt: no scan of the prompts, no sort", async () => {
    const [datasetId] = await fresh.side.insert("datasets", [{ slug: "big", name: "Big", annotationsPerPrompt: 3 }]);
    await fresh.postgres.execute(sql`
      insert into prompts (dataset_id, external_id, text, queue_priority)
      select ${datasetId}, 'p' || g, 'Prompt ' || g, case when g % 10 = 0 then null else (g * 7919 % 1000) / 1000.0 end
      from generate_series(1, 5000) g`);
    await fresh.postgres.execute(sql`analyze`);
    const dataset = (await fresh.store.queue.dataset("big"))!;
    const indexOf = {
      fill: "prompts_queue",
      "least-annotated": "prompts_queue_least",
      "uncertain-openness": "prompts_queue_priority",
      "uncertain-rewards": "prompts_queue_priority",
    } as const;
    for (const [order, index] of Object.entries(indexOf) as [keyof typeof indexOf, string][]) {
      const { rows } = await fresh.postgres.execute<{ "QUERY PLAN": string }>(
        sql`explain ${firstOpenPromptQuery(dataset, 1, NOW, order, null)}`,
      );
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(plan, order).toMatch(new RegExp(`Index Scan using ${index} on prompts p\\b`));
      expect(plan, order).not.toMatch(/Sort|Seq Scan on prompts/);
    }
  });
});

describe.skipIf(!postgresTestsRun())("the queue on both backends after the same random writes", () => {
  const sqlite = databasePerTest("sqlite");
  const postgres = databasePerTest("postgres");

  /** Everything the queue and the write rule answer, for every annotator, dataset and prompt, at `at`. */
  const view = async (database: TestDatabase, seeded: Seeded, at: number) => {
    const { queue, annotations } = database.store;
    const answers: unknown[] = [];
    const prompts = [...seeded.demo, ...seeded.other];
    for (const annotator of Object.values(seeded.users)) {
      for (const dataset of await queue.datasets()) {
        answers.push(await queue.counts(dataset, annotator, at), await queue.rankedBy(dataset.id, annotator));
        answers.push(await queue.heldPrompt(dataset.id, annotator, at, null));
        for (const order of QUEUE_ORDER_NAMES)
          answers.push(await queue.firstOpenPrompt(dataset, annotator, at, order, seeded.demo[0]!.id));
      }
      answers.push(await queue.skipped(annotator, at));
      for (const p of prompts)
        answers.push(await annotations.writeFacts(p.id, annotator, at), await queue.liveSkip(p.id, annotator, at));
    }
    return answers;
  };

  it("answers alike: every read of the queue and the write rule, for every annotator and prompt", async () => {
    const seeded = await seedAnnotating(sqlite);
    expect(await seedAnnotating(postgres)).toStrictEqual(seeded);
    const random = seededRandom(24);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const prompts = [...seeded.demo, ...seeded.other];
    let at = NOW;
    for (let step = 0; step < 48; step++) {
      // Compared every few steps (each view is a few hundred reads a backend), from before the first write.
      if (step % 4 === 0)
        expect(await view(postgres, seeded, at), `before step ${step}`).toStrictEqual(await view(sqlite, seeded, at));
      const annotator = pick(Object.values(seeded.users));
      const prompt = pick(prompts);
      const until = new Date(at + Math.floor(random() * 20) * MINUTE);
      const action = pick(["lease", "lease", "skip", "annotate", "annotate", "unannotate", "release", "wait"] as const);
      for (const database of [sqlite, postgres]) {
        const { queue, annotations } = database.store;
        if (action === "lease") await queue.lease(prompt.id, annotator, until);
        if (action === "skip") await queue.skip(prompt.id, annotator, until, step % 2 ? null : `step ${step}`);
        if (action === "annotate") await annotations.write(prompt.id, annotator, rankingOf(prompt), "revise");
        if (action === "unannotate")
          await database.side.remove("annotations", { promptId: prompt.id, annotatorId: annotator });
        if (action === "release") await queue.releaseLease(prompt.id, annotator);
      }
      if (action === "wait") at += 5 * MINUTE;
    }
    expect(await view(postgres, seeded, at), "at the end").toStrictEqual(await view(sqlite, seeded, at));
  });
});
