import { describe, expect, it } from "vitest";
import type { RunStatus } from "@/lib/domain";
import { editAnnotation, saveAnnotation } from "@/lib/annotations/annotations";
import { findQueueDataset, nextPrompt } from "@/lib/annotations/queue";
import { setGold } from "@/lib/annotations/quality";
import {
  datasetAnchoring,
  orderFromScores,
  setSuggestionRun,
  suggestionFor,
  suggestionOf,
  summarizeAnchoring,
} from "@/lib/annotations/suggestions";
import { exportLines, exportOptionsSchema } from "@/lib/datasets/export";
import { AppError } from "@/lib/errors";
import { collect, freshDbPerTest, seedDataset, seedUser, seedUsers, type Side } from "@/lib/test-fixtures";

const temp = freshDbPerTest();

/** A run of the dataset in `status` with `score(responseId, index)` for each listed response. */
async function addRun(
  side: Side,
  datasetId: number,
  responses: readonly number[],
  score: (index: number) => number,
  status: RunStatus = "succeeded",
): Promise<number> {
  const [runId] = await side.insert("trainingRuns", [{ datasetId, name: "model A", config: {}, status }]);
  if (responses.length)
    await side.insert(
      "runRewards",
      responses.map((responseId, i) => ({ runId: runId!, responseId, split: "test" as const, reward: score(i) })),
    );
  return runId!;
}

const stats = (count: number, meanDistance: number | null, unchangedShare: number | null) => ({
  count,
  meanDistance,
  unchangedShare,
});

describe("the anchoring summary", () => {
  it("reads boards kept exactly as suggested as distance 0, all kept", async () => {
    const a = summarizeAnchoring([
      { suggested: true, distance: 0 },
      { suggested: true, distance: 0 },
      { suggested: false, distance: 0.4 },
    ]);
    expect(a.suggested).toEqual(stats(2, 0, 1));
    expect(a.unsuggested).toEqual(stats(1, 0.4, 0));
    expect(a.pull).toBeCloseTo(0.4, 12);
  });

  it("reads reversed suggestions as distance 1 and a negative pull (pushed away, not anchored)", async () => {
    const a = summarizeAnchoring([
      { suggested: true, distance: 1 },
      { suggested: false, distance: 0.5 },
      { suggested: false, distance: 0.3 },
    ]);
    expect(a.suggested).toEqual(stats(1, 1, 0));
    expect(a.unsuggested.meanDistance).toBeCloseTo(0.4, 12);
    expect(a.pull).toBeCloseTo(-0.6, 12);
  });

  it("leaves out boards with no distance (one response, not rankable) and has no pull without both sides", async () => {
    const a = summarizeAnchoring([
      { suggested: true, distance: null },
      { suggested: true, distance: 0.5 },
    ]);
    expect(a.suggested).toEqual(stats(1, 0.5, 0));
    expect(a.unsuggested).toEqual(stats(0, null, null));
    expect(a.pull).toBeNull();
    expect(summarizeAnchoring([]).pull).toBeNull();
  });
});

describe("a run's order as a suggestion", () => {
  it("orders by score, best first, tying equal scores", async () => {
    expect(
      orderFromScores([
        [1, 0.2],
        [2, 0.9],
        [3, 0.2],
        [4, -1],
      ]),
    ).toEqual([[2], [1, 3], [4]]);
    expect(orderFromScores([[7, 1]])).toEqual([[7]]);
  });

  it("is offered only for a finished run of the prompt's dataset that scored all its responses, never for gold", async () => {
    const { dataset, prompts } = await seedDataset(temp.side, { promptCount: 3, perPrompt: 4 });
    const other = await seedDataset(temp.side, { slug: "other", promptCount: 1, perPrompt: 4 });
    const [p0, p1, p2] = prompts;
    const runId = await addRun(temp.side, dataset.id, [...p0!.responseIds, ...p1!.responseIds.slice(0, 3)], (i) => -i);
    expect(await suggestionOf(temp.store, runId, p0!.id)).toEqual({
      runId,
      runName: "model A",
      ranking: p0!.responseIds.map((id) => [id]),
    });
    // p1 has an unscored response, p2 none: their boards fall back to the shuffled order.
    expect(await suggestionOf(temp.store, runId, p1!.id)).toBeNull();
    expect(await suggestionOf(temp.store, runId, p2!.id)).toBeNull();
    expect(await suggestionOf(temp.store, runId, other.prompts[0]!.id)).toBeNull();
    const failed = await addRun(temp.side, dataset.id, p0!.responseIds, (i) => i, "failed");
    expect(await suggestionOf(temp.store, failed, p0!.id)).toBeNull();
    await setGold(temp.store, p0!.id, { best: p0!.responseIds[1]! });
    expect(await suggestionOf(temp.store, runId, p0!.id)).toBeNull();
  });

  it("is off by default, on from a finished run, and refused from a run it cannot use", async () => {
    const { dataset, prompts } = await seedDataset(temp.side, { promptCount: 1, perPrompt: 4 });
    const other = await seedDataset(temp.side, { slug: "other", promptCount: 1, perPrompt: 4 });
    const p = prompts[0]!;
    const runId = await addRun(temp.side, dataset.id, p.responseIds, (i) => i);
    expect(await suggestionFor(temp.store, dataset.id, p.id)).toBeNull();

    const refusal = async (run: number) => {
      try {
        await setSuggestionRun(temp.store, "demo", run);
      } catch (error) {
        return error instanceof AppError ? error.message : String(error);
      }
      return null;
    };
    expect(await refusal(await addRun(temp.side, other.dataset.id, other.prompts[0]!.responseIds, (i) => i))).toMatch(
      /not a run of this dataset/,
    );
    expect(await refusal(await addRun(temp.side, dataset.id, p.responseIds, (i) => i, "running"))).toMatch(/running/);
    expect(await refusal(await addRun(temp.side, dataset.id, [], (i) => i))).toMatch(/scored no prompts/);
    expect(await suggestionFor(temp.store, dataset.id, p.id)).toBeNull();

    await setSuggestionRun(temp.store, "demo", runId);
    expect((await suggestionFor(temp.store, dataset.id, p.id))?.ranking).toEqual(
      p.responseIds.map((id) => [id]).reverse(),
    );
    // Pairwise boards ask comparisons with no order shown: no suggestion there.
    await temp.side.update("datasets", { rankingMode: "pairwise" }, {});
    expect(await suggestionFor(temp.store, dataset.id, p.id)).toBeNull();
    await temp.side.update("datasets", { rankingMode: "ranking" }, {});
    await setSuggestionRun(temp.store, "demo", null);
    expect(await suggestionFor(temp.store, dataset.id, p.id)).toBeNull();
  });
});

describe("annotations started from a suggestion", () => {
  async function setup() {
    const { dataset, prompts } = await seedDataset(temp.side, { promptCount: 4, perPrompt: 4, k: 3 });
    // Scores rank each prompt's responses in stored order.
    const runId = await addRun(
      temp.side,
      dataset.id,
      prompts.flatMap((p) => p.responseIds),
      (i) => -(i % 4),
    );
    await setSuggestionRun(temp.store, "demo", runId);
    return { dataset, prompts, runId };
  }
  const save = async (annotator: number, promptId: number, ranking: number[][], suggestionRunId?: number) =>
    (
      await saveAnnotation(temp.store, annotator, {
        promptId,
        ranking,
        openness: 0.5,
        notRankable: false,
        suggestionRunId,
      })
    ).annotation;

  it("hands the queue's board the suggestion and records the distance the final order moved", async () => {
    const { prompts, runId } = await setup();
    const alice = await seedUser(temp.side, "alice");
    const next = await nextPrompt(temp.store, (await findQueueDataset(temp.store))!, alice);
    if (next.status !== "prompt") throw new Error("expected a prompt");
    const ids = prompts.find((p) => p.id === next.prompt.id)!.responseIds;
    expect(next.suggestion).toMatchObject({ runId, runName: "model A", ranking: ids.map((id) => [id]) });

    // One move of neighbours: 1 pair of 6 discordant.
    const moved = [[ids[1]!], [ids[0]!], [ids[2]!], [ids[3]!]];
    const saved = await save(alice, next.prompt.id, moved, runId);
    expect(saved.suggestionRunId).toBe(runId);
    expect(saved.suggestedRanking).toEqual(ids.map((id) => [id]));
    expect(saved.suggestionDistance).toBeCloseTo(1 / 6, 12);

    // An edit keeps what the board started from and measures the new order against it.
    const edited = (
      await editAnnotation(temp.store, alice, saved.id, {
        ranking: ids.map((id) => [id]).reverse(),
        openness: 0.5,
        notRankable: false,
      })
    ).annotation;
    expect(edited.suggestionRunId).toBe(runId);
    expect(edited.suggestionDistance).toBe(1);
    const notRankable = (
      await editAnnotation(temp.store, alice, saved.id, {
        ranking: [],
        openness: null,
        notRankable: true,
        notRankableReason: "garbled",
      })
    ).annotation;
    expect(notRankable.suggestionDistance).toBeNull();
  });

  it("refuses a claimed suggestion the run does not have, and stores nothing", async () => {
    const { dataset, prompts } = await setup();
    const bob = await seedUser(temp.side, "bob");
    const p = prompts[0]!;
    const unscored = await addRun(temp.side, dataset.id, p.responseIds.slice(0, 2), (i) => i);
    await expect(save(bob, p.id, [p.responseIds], unscored)).rejects.toThrow(/no suggested order/);
    expect(await temp.side.rows("annotations")).toHaveLength(0);
    // A board that did not start from a suggestion records none, whatever the dataset's setting.
    expect((await save(bob, p.id, [p.responseIds])).suggestionRunId).toBeNull();
  });

  it("shows the anchoring: suggested boards against the same run's distance from unsuggested ones, gold left out", async () => {
    const { dataset, prompts, runId } = await setup();
    const inOrder = (p: { responseIds: number[] }) => p.responseIds.map((id) => [id]);
    const [a, b, c] = await seedUsers(temp.side, "a", "b", "c");
    // Suggested: one kept exactly, one reversed.
    await save(a, prompts[0]!.id, inOrder(prompts[0]!), runId);
    await save(b, prompts[0]!.id, inOrder(prompts[0]!).reverse(), runId);
    // Unsuggested: all tied (1/2 from the run's strict order) and one neighbour swap (1/6).
    await save(c, prompts[0]!.id, [prompts[0]!.responseIds]);
    const swapped = inOrder(prompts[1]!);
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    await save(c, prompts[1]!.id, swapped);
    // A gold prompt's annotation counts in neither.
    await setGold(temp.store, prompts[2]!.id, { best: prompts[2]!.responseIds[0]! });
    await save(c, prompts[2]!.id, inOrder(prompts[2]!));

    const [row] = await datasetAnchoring(temp.store, dataset.id);
    expect(row).toMatchObject({ runId, runName: "model A", current: true });
    expect(row!.suggested).toEqual(stats(2, 0.5, 0.5));
    expect(row!.unsuggested.count).toBe(2);
    expect(row!.unsuggested.meanDistance).toBeCloseTo((0.5 + 1 / 6) / 2, 12);
    expect(row!.pull).toBeCloseTo((0.5 + 1 / 6) / 2 - 0.5, 12);
  });

  it("says in the annotations export whether an annotation started from a suggestion", async () => {
    const { dataset, prompts, runId } = await setup();
    const a = await seedUser(temp.side, "a");
    await save(
      a,
      prompts[0]!.id,
      prompts[0]!.responseIds.map((id) => [id]),
      runId,
    );
    await save(a, prompts[1]!.id, [prompts[1]!.responseIds]);
    const lines = (
      await collect(exportLines(temp.store, dataset.id, exportOptionsSchema.parse({ format: "annotations" })))
    )
      .map((line) => JSON.parse(line) as { id: string; annotations: { suggestion?: unknown }[] })
      .filter((line) => line.annotations.length);
    expect(lines.map((l) => l.annotations[0]!.suggestion)).toEqual([{ run_id: runId, distance: 0 }, null]);
  });
});
