import { describe, expect, it } from "vitest";
import { saveAnnotation } from "@/lib/annotations/annotations";
import { findQueueDataset, nextPrompt, queueProgress } from "@/lib/annotations/queue";
import {
  activePause,
  annotatorQuality,
  goldRanking,
  importGold,
  judgeQuality,
  qualitySettings,
  resumeAnnotator,
  setGold,
  tooFastFloorMs,
} from "@/lib/annotations/quality";
import { exportLines, exportOptionsSchema } from "@/lib/datasets/export";
import { AppError } from "@/lib/errors";
import { refreshPromptStats } from "@/lib/datasets/prompt-stats";
import { collect, freshDbPerTest, seedDataset, seedUser, seedUsers } from "@/lib/test-fixtures";

const temp = freshDbPerTest();
const SLOW = 10 * 60_000;

/** A dataset of `gold` gold prompts (known ranking: response order) and `regular` others, with quality settings. */
async function setup({ gold, regular, quality }: { gold: number; regular: number; quality: Record<string, unknown> }) {
  const { dataset, prompts } = await seedDataset(temp.side, { promptCount: gold + regular, perPrompt: 4, k: 3 });
  await temp.side.update("datasets", { quality }, { id: dataset.id });
  for (const p of prompts.slice(0, gold)) await setGold(temp.store, p.id, { ranking: p.responseIds.map((id) => [id]) });
  return { datasetId: dataset.id, prompts, goldIds: new Set(prompts.slice(0, gold).map((p) => p.id)) };
}

/** Claims the next prompt and answers it with `rank` (of the responses in stored order) after `durationMs`. */
async function answerNext(annotator: number, rank: (ids: number[]) => number[][], durationMs: number) {
  const next = await nextPrompt(temp.store, (await findQueueDataset(temp.store))!, annotator);
  if (next.status !== "prompt") return next;
  const ids = next.responses.map((r) => r.id).sort((a, b) => a - b);
  await saveAnnotation(temp.store, annotator, {
    promptId: next.prompt.id,
    ranking: rank(ids),
    openness: 0.5,
    notRankable: false,
    durationMs,
  });
  return next;
}

const inOrder = (ids: number[]) => ids.map((id) => [id]);
const reversed = (ids: number[]) => ids.map((id) => [id]).reverse();

describe("gold and attention checks", () => {
  it("mixes gold prompts in at the dataset's rate and leaves them out of the regular order", async () => {
    const { goldIds } = await setup({ gold: 3, regular: 6, quality: { goldRate: 1, minChecks: 50 } });
    const alice = await seedUser(temp.side, "alice");
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await answerNext(alice, inOrder, SLOW));
    const ids = seen.map((s) => (s.status === "prompt" ? s.prompt.id : null));
    // Rate 1: every hand-out is gold while gold is left, then the regular queue.
    expect(ids.slice(0, 3).every((id) => goldIds.has(id!))).toBe(true);
    expect(ids.slice(3).some((id) => goldIds.has(id!))).toBe(false);

    // Rate 0: no gold at all, whatever is left.
    const bob = await seedUser(temp.side, "bob");
    await temp.side.update("datasets", { quality: { goldRate: 0 } }, {});
    const none = [];
    for (let i = 0; i < 6; i++) none.push(await answerNext(bob, inOrder, SLOW));
    expect(none.filter((s) => s.status === "prompt" && goldIds.has(s.prompt.id))).toHaveLength(0);
  });

  it("pauses an annotator whose gold answers disagree, refuses their work, and an admin resumes them", async () => {
    const { datasetId } = await setup({ gold: 6, regular: 3, quality: { goldRate: 1, minChecks: 3 } });
    const careless = await seedUser(temp.side, "careless");
    const careful = await seedUser(temp.side, "careful");
    const admin = await seedUser(temp.side, "admin", "admin");
    for (let i = 0; i < 3; i++) await answerNext(careful, inOrder, SLOW);
    for (let i = 0; i < 3; i++) await answerNext(careless, reversed, SLOW);

    expect(await activePause(temp.store, datasetId, careful)).toBeNull();
    const pause = (await activePause(temp.store, datasetId, careless))!;
    expect(pause.reason).toMatch(/3 check prompts agree with their known answers at τ-b -1.00/);
    const quality = await annotatorQuality(temp.store, datasetId);
    expect(quality.find((q) => q.annotatorId === careful)).toMatchObject({
      level: "ok",
      gold: { count: 3, meanTau: 1 },
    });
    expect(quality.find((q) => q.annotatorId === careless)).toMatchObject({ level: "pause", gold: { count: 3 } });

    // Paused: the queue says why and a submit is refused, writing nothing.
    const refused = await nextPrompt(temp.store, (await findQueueDataset(temp.store))!, careless);
    expect(refused).toMatchObject({ status: "paused", reason: pause.reason });
    const before = (await temp.side.rows("annotations")).length;
    await expect(
      saveAnnotation(temp.store, careless, { promptId: 1, ranking: [], openness: 0.5, notRankable: false }),
    ).rejects.toThrow(AppError);
    expect(await temp.side.rows("annotations")).toHaveLength(before);

    // Resumed: the checks count again from now, so the same answers do not pause at once.
    await resumeAnnotator(temp.store, pause.id, admin);
    expect(await activePause(temp.store, datasetId, careless)).toBeNull();
    expect((await nextPrompt(temp.store, (await findQueueDataset(temp.store))!, careless)).status).toBe("prompt");
    await expect(resumeAnnotator(temp.store, pause.id, admin)).rejects.toThrow(/not active/);
  });

  it("pauses an annotator who is too fast for the responses' length, and not one who reads", async () => {
    const { datasetId } = await setup({
      gold: 0,
      regular: 8,
      quality: { goldRate: 0, minChecks: 4, floorSeconds: 5, floorSecondsPer1000Chars: 0 },
    });
    const fast = await seedUser(temp.side, "fast");
    const reader = await seedUser(temp.side, "reader");
    for (let i = 0; i < 4; i++) await answerNext(reader, inOrder, 5_000);
    for (let i = 0; i < 4; i++) await answerNext(fast, inOrder, 4_999);
    expect(await activePause(temp.store, datasetId, reader)).toBeNull();
    expect((await activePause(temp.store, datasetId, fast))?.reason).toMatch(
      /4 of your last 4 annotations took less time/,
    );
  });

  it("judges nothing below the minimum count, warns between the thresholds, and scales the floor with length", async () => {
    const settings = qualitySettings({ minChecks: 5 });
    expect(judgeQuality(settings, { count: 4, meanTau: -1 }, { count: 4, tooFast: 4, share: 1 }).level).toBe("ok");
    expect(judgeQuality(settings, { count: 5, meanTau: 0.2 }, { count: 0, tooFast: 0, share: null }).level).toBe(
      "warn",
    );
    expect(judgeQuality(settings, { count: 5, meanTau: 0.9 }, { count: 10, tooFast: 3, share: 0.3 }).level).toBe(
      "warn",
    );
    expect(judgeQuality(settings, { count: 5, meanTau: 0.9 }, { count: 10, tooFast: 1, share: 0.1 })).toEqual({
      level: "ok",
      reasons: [],
    });
    // An unreadable stored setting falls back to the defaults instead of turning the checks off.
    expect(qualitySettings({ goldRate: "lots" })).toEqual(qualitySettings({}));
    expect(tooFastFloorMs(settings, 3000)).toBe(1000 * (settings.floorSeconds + 3 * settings.floorSecondsPer1000Chars));
    // A known best response: ranking it first agrees, ranking it last disagrees.
    expect(goldRanking({ best: 2 }, [1, 2, 3])).toEqual([[2], [1, 3]]);
  });

  it("refuses a gold answer that is not the prompt's, and keeps gold prompts out of exports unless asked", async () => {
    const { datasetId, prompts } = await setup({ gold: 1, regular: 2, quality: {} });
    await expect(setGold(temp.store, prompts[1]!.id, { best: prompts[0]!.responseIds[0]! })).rejects.toThrow(
      /not one of/,
    );
    await expect(setGold(temp.store, prompts[1]!.id, { ranking: [[prompts[1]!.responseIds[0]!]] })).rejects.toThrow(
      /exactly once/,
    );
    const lines = async (includeGold: boolean) =>
      (
        await collect(
          exportLines(
            temp.store,
            datasetId,
            exportOptionsSchema.parse({ format: "annotations", include_gold: includeGold ? "1" : "0" }),
          ),
        )
      ).map((line) => JSON.parse(line).id);
    expect(await lines(false)).toEqual(["demo-p1", "demo-p2"]);
    expect(await lines(true)).toHaveLength(3);
  });

  it("imports known answers by external ids, all or nothing", async () => {
    const { prompts } = await setup({ gold: 0, regular: 3, quality: {} });
    const goldColumn = async () => (await temp.side.rows("prompts")).map((p) => p.gold);
    await expect(
      importGold(temp.store, "demo", [
        { prompt_id: "demo-p0", best: "r1" },
        { prompt_id: "demo-p1", best: "r9" },
        { prompt_id: "nope", gold: null },
      ]),
    ).rejects.toThrow(/gold\[1\]: prompt "demo-p1" has no response "r9"\. gold\[2\]: no prompt "nope"/);
    expect(await goldColumn()).toEqual([null, null, null]);
    expect(
      await importGold(temp.store, "demo", [
        { prompt_id: "demo-p0", best: "r1" },
        { prompt_id: "demo-p2", ranking: [["r3"], ["r2", "r1"], ["r0"]] },
      ]),
    ).toEqual({ marked: 2 });
    const [p0, , p2] = prompts;
    expect(await goldColumn()).toEqual([
      { best: p0!.responseIds[1] },
      null,
      { ranking: [[p2!.responseIds[3]], [p2!.responseIds[2], p2!.responseIds[1]], [p2!.responseIds[0]]] },
    ]);
    await expect(importGold(temp.store, "demo", [{ prompt_id: "demo-p1", ranking: [["r0"], ["r1"]] }])).rejects.toThrow(
      /exactly once/,
    );
  });
});

describe("gold prompts and the agreement statistics", () => {
  it("keeps a gold prompt's answers out of W, tau-b and the annotator agreement, and counts them again once unmarked", async () => {
    const { dataset, prompts } = await seedDataset(temp.side, { promptCount: 2, perPrompt: 4, k: 3 });
    const [a, b] = await seedUsers(temp.side, "a", "b");
    for (const p of prompts)
      for (const annotator of [a, b])
        await saveAnnotation(temp.store, annotator, {
          promptId: p.id,
          ranking: p.responseIds.map((id) => [id]),
          openness: 0.5,
          notRankable: false,
        });
    const stats = async () => {
      await refreshPromptStats(temp.store, dataset.id);
      const agreement = await temp.side.rows("annotationAgreement");
      return (await temp.side.rows("promptStats"))
        .filter((ps) => ps.datasetId === dataset.id)
        .sort((x, y) => x.promptId - y.promptId)
        .map((ps) => ({
          id: ps.promptId,
          w: ps.kendallW,
          n: ps.annotations,
          taus: agreement.filter((g) => g.promptId === ps.promptId && g.tau !== null).length,
        }));
    };
    expect(await stats()).toEqual(prompts.map((p) => ({ id: p.id, w: 1, n: 2, taus: 2 })));
    await setGold(temp.store, prompts[0]!.id, { best: prompts[0]!.responseIds[0]! });
    expect(await stats()).toEqual([
      { id: prompts[0]!.id, w: null, n: 2, taus: 0 },
      { id: prompts[1]!.id, w: 1, n: 2, taus: 2 },
    ]);
    await setGold(temp.store, prompts[0]!.id, null);
    expect(await stats()).toEqual(prompts.map((p) => ({ id: p.id, w: 1, n: 2, taus: 2 })));
  });
});

describe("queue progress with gold prompts", () => {
  it("counts a gold prompt like any other for the annotator (done +1, left −1), and only the data prompts for the dataset", async () => {
    await setup({ gold: 2, regular: 3, quality: { goldRate: 0.5, minChecks: 50 } });
    const alice = await seedUser(temp.side, "alice");
    const dataset = (await findQueueDataset(temp.store))!;
    const progress = () => queueProgress(temp.store, dataset, alice);
    expect(await progress()).toMatchObject({ doneByMe: 0, leftForMe: 5, totalPrompts: 3, completePrompts: 0 });
    for (let done = 1; done <= 5; done++) {
      expect((await answerNext(alice, inOrder, SLOW)).status).toBe("prompt");
      expect(await progress()).toMatchObject({ doneByMe: done, leftForMe: 5 - done, totalPrompts: 3 });
    }
    // Every gold prompt was handed out before "done", whatever the draws.
    expect((await answerNext(alice, inOrder, SLOW)).status).toBe("done");
    // Without gold in the hand-outs, gold prompts are not left for anyone.
    await temp.side.update("datasets", { quality: { goldRate: 0 } }, {});
    const bob = await seedUser(temp.side, "bob");
    expect(await queueProgress(temp.store, dataset, bob)).toMatchObject({ doneByMe: 0, leftForMe: 3, totalPrompts: 3 });
  });
});
