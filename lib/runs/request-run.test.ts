import { beforeEach, describe, expect, it } from "vitest";
import { seedDemo } from "@/lib/demo/seed";
import { getDataset } from "@/lib/datasets/queries";
import { AppError } from "@/lib/errors";
import {
  MAX_OPEN_RUNS_PER_USER,
  missingOpennessFromText,
  requestRun,
  trainSettingFromText,
} from "@/lib/runs/request-run";
import { MAX_MODEL_PARAMETERS, trainingMemory } from "@/lib/runs/training";
import { runConfigOf } from "@/lib/runs/schemas";
import type { Store } from "@/db/store";
import { freshDbPerTest, seedDataset, seedUser, TEST_BACKEND } from "@/lib/test-fixtures";

let store: Store;
const fresh = freshDbPerTest();
beforeEach(async () => {
  ({ store } = fresh);
  await seedDemo(store);
});

/** A dataset of `promptCount` prompts, each ranked once with openness 0.5 (a run can train on it). */
async function rankedDataset(slug: string, promptCount = 4) {
  const added = await seedDataset(fresh.side, { slug, promptCount, perPrompt: 3 });
  const rater = await seedUser(fresh.side, `rater-${slug}`);
  await fresh.side.insert(
    "annotations",
    added.prompts.map((p) => ({
      promptId: p.id,
      annotatorId: rater,
      ranking: p.responseIds.map((id) => [id]),
      openness: 0.5,
    })),
  );
  return added;
}

async function refusal(input: Record<string, unknown>) {
  try {
    await requestRun(store, input, { userId: null, origin: "api" });
  } catch (error) {
    if (error instanceof AppError) return { kind: error.kind, message: error.message, details: error.details };
    throw error;
  }
  throw new Error("expected the request to be refused");
}

describe("requestRun", () => {
  it("queues a run named by dataset slug or id, with the schema's defaults and where it came from", async () => {
    const bySlug = await requestRun(store, { dataset: "demo", train: { steps: 5 } }, { userId: null, origin: "cli" });
    expect(bySlug.status).toBe("queued");
    expect(bySlug.datasetId).toBe((await getDataset(store, "demo"))!.id);
    expect(runConfigOf(bySlug)).toMatchObject({
      utility: "conditioned",
      heldOutShare: 0.2,
      missingOpenness: { policy: "exclude" },
      train: { steps: 5 },
      origin: "cli",
    });
    const byId = await requestRun(store, { datasetId: String(bySlug.datasetId) }, { userId: null, origin: "web" });
    expect(byId.name).toBe("conditioned on demo");
  });

  it("refuses an unknown dataset, bad fields (each named) and settings the trainer does not take", async () => {
    expect(await refusal({ dataset: "nope" })).toMatchObject({ kind: "not-found" });
    const bad = await refusal({
      dataset: "demo",
      heldOutShare: "0.9",
      missingOpenness: { policy: "assume", value: 3 },
    });
    expect(bad.kind).toBe("invalid");
    expect(Object.keys((bad.details as { fieldErrors: object }).fieldErrors).sort()).toEqual([
      "heldOutShare",
      "missingOpenness.value",
    ]);
    expect((await refusal({ dataset: "demo", train: { stepz: 1 } })).message).toMatch(/Unknown training setting/);
    expect((await refusal({ dataset: "demo", train: { learningRate: -1 } })).kind).toBe("invalid");
  });

  it("refuses values that only look numeric to a coercion (false, null, true as seed 0 or 1)", async () => {
    for (const seed of [false, true, null, "one"]) {
      expect((await refusal({ dataset: "demo", seed })).kind, JSON.stringify(seed)).toBe("invalid");
    }
    const blank = await requestRun(store, { dataset: "demo", seed: "" }, { userId: null, origin: "web" });
    expect(runConfigOf(blank).seed).toBe(1);
  });
});

describe("requestRun's bounds on what a run may hold", () => {
  it("refuses settings whose model or batch would not fit in memory, and takes the largest that do", async () => {
    expect(await refusal({ dataset: "demo", train: { featureDim: 2 ** 20, hiddenSizes: [1400] } })).toMatchObject({
      kind: "invalid",
      message: expect.stringContaining("1,468,"),
    });
    expect((await refusal({ dataset: "demo", train: { featureDim: 2 ** 16, hiddenSizes: [256] } })).message).toContain(
      `most a run may train is ${MAX_MODEL_PARAMETERS.toLocaleString("en")}`,
    );
    expect(
      (await refusal({ dataset: "demo", train: { featureDim: 16, batchPrompts: 4096, hiddenSizes: [4096] } })).message,
    ).toContain("activations a step");
    const largest = { featureDim: 2 ** 16, hiddenSizes: [240], batchPrompts: 256 };
    expect(trainingMemory({ ...largest, opennessInput: true }).parameters).toBeLessThanOrEqual(MAX_MODEL_PARAMETERS);
    expect((await requestRun(store, { dataset: "demo", train: largest }, { userId: null, origin: "api" })).status).toBe(
      "queued",
    );
  });

  it("refuses one user's run past MAX_OPEN_RUNS_PER_USER queued or training; others' and finished runs do not count", async () => {
    const alice = await seedUser(fresh.side, "alice", "researcher");
    const bob = await seedUser(fresh.side, "bob", "researcher");
    const ask = (userId: number) => requestRun(store, { dataset: "demo" }, { userId, origin: "api" });
    const runs = [];
    for (let i = 0; i < MAX_OPEN_RUNS_PER_USER; i++) runs.push(await ask(alice));
    await expect(ask(alice)).rejects.toThrow(expect.objectContaining({ kind: "too-many-requests" }));
    expect((await ask(bob)).status).toBe("queued");
    await fresh.side.update("trainingRuns", { status: "canceled" }, { id: runs[0]!.id });
    expect((await ask(alice)).status).toBe("queued");
  });
});

// No database here: the sqlite project runs it, the postgres project need not run it again.
describe.skipIf(TEST_BACKEND === "postgres")("settings typed in as text (the form and the CLI)", () => {
  it("reads each setting like its default", async () => {
    expect(trainSettingFromText("steps", "40")).toEqual({ value: 40 });
    expect(trainSettingFromText("steps", "forty")).toHaveProperty("error");
    expect(trainSettingFromText("steps", " ")).toHaveProperty("error");
    expect(trainSettingFromText("hiddenSizes", "256, 64")).toEqual({ value: [256, 64] });
    expect(trainSettingFromText("hiddenSizes", "256, x")).toHaveProperty("error");
    expect(trainSettingFromText("opennessInput", "on")).toEqual({ value: true });
    expect(trainSettingFromText("opennessInput", "false")).toEqual({ value: false });
  });

  it("reads the missing-openness policy", async () => {
    expect(missingOpennessFromText(undefined)).toEqual({ policy: "exclude" });
    expect(missingOpennessFromText("estimate")).toEqual({ policy: "estimate" });
    expect(missingOpennessFromText("assume", "0.3")).toEqual({ policy: "assume", value: "0.3" });
    expect(missingOpennessFromText("0.5")).toEqual({ policy: "assume", value: "0.5" });
  });
});

describe("requestRun with explicit held-out prompts", () => {
  it("refuses held-out prompt ids that are not the dataset's", async () => {
    const other = await rankedDataset("other");
    const demoId = (await getDataset(store, "demo"))!.id;
    const demoPrompt = (await fresh.side.rows("prompts")).find((p) => p.datasetId === demoId)!;
    await expect(
      requestRun(
        store,
        { datasetId: other.dataset.id, heldOutPromptIds: [demoPrompt.id] },
        { userId: null, origin: "api" },
      ),
    ).rejects.toThrow(/not in dataset other/);
    const ok = await requestRun(
      store,
      { datasetId: other.dataset.id, heldOutPromptIds: [other.prompts[0]!.id] },
      { userId: null, origin: "api" },
    );
    expect(runConfigOf(ok).heldOutPromptIds).toEqual([other.prompts[0]!.id]);
  });

  it("stores each held-out prompt once, however often a request repeats it", async () => {
    const other = await rankedDataset("repeated");
    const id = other.prompts[0]!.id;
    const run = await requestRun(
      store,
      { datasetId: other.dataset.id, heldOutPromptIds: Array.from({ length: 40_000 }, () => id) },
      { userId: null, origin: "api" },
    );
    expect(runConfigOf(run).heldOutPromptIds).toEqual([id]);
  });
});

describe("requestRun on a dataset too small to train", () => {
  it("refuses up front, saying how many ranked prompts there are and how many a run needs, and queues nothing", async () => {
    const before = (await fresh.side.rows("trainingRuns")).length;
    const one = await rankedDataset("one-prompt", 1);
    const refused = await refusal({ datasetId: one.dataset.id });
    expect(refused.kind).toBe("invalid");
    expect(refused.message).toBe(
      "This dataset has 1 ranked prompt with an openness; a run needs at least 4 (to hold some out for testing). Rank more prompts first.",
    );
    // Unranked prompts do not count, however many.
    const unranked = await seedDataset(fresh.side, { slug: "unranked", promptCount: 6 });
    expect((await refusal({ datasetId: unranked.dataset.id })).message).toMatch(
      /has 0 ranked prompts with an openness/,
    );
    // Prompts without an openness count when the run assumes or estimates one.
    const untaggedPrompts = (await rankedDataset("untagged")).prompts.map((p) => p.id);
    await fresh.side.update("annotations", { openness: null }, { promptId: untaggedPrompts });
    const untagged = (await getDataset(store, "untagged"))!.id;
    expect((await refusal({ datasetId: untagged })).message).toMatch(/has 0 ranked prompts with an openness/);
    expect(
      (
        await requestRun(
          store,
          { datasetId: untagged, missingOpenness: { policy: "assume", value: 0.5 } },
          { userId: null, origin: "api" },
        )
      ).status,
    ).toBe("queued");
    expect((await fresh.side.rows("trainingRuns")).length).toBe(before + 1);
  });
});
