import { beforeEach, describe, expect, it } from "vitest";
import { seedDemo } from "@/lib/demo/seed";
import { runDashboard } from "@/lib/runs/dashboard";
import { addExternalCheckpoint, createExternalRun, ScoresFileError } from "@/lib/runs/external";
import { getRun } from "@/lib/runs/lifecycle";
import { requestRun } from "@/lib/runs/request-run";
import { runConfigOf, runSummaryOf } from "@/lib/runs/schemas";
import { storedRewards } from "@/lib/runs/rewards";
import { loadTrainingPrompts } from "@/lib/runs/training-data";
import type { Store } from "@/db/store";
import { freshDbPerTest } from "@/lib/test-fixtures";

describe("external runs (uploaded scores)", () => {
  let store: Store;
  const fresh = freshDbPerTest();
  beforeEach(async () => {
    ({ store } = fresh);
    await seedDemo(store);
  });

  /** A scores file of the demo's prompts that have openness; `reward` gives each response's score from its position. */
  async function scoresFile(
    reward: (position: number, openness: number) => number = (position) => 1 - position / 10,
    split?: (index: number) => "train" | "test",
  ): Promise<{ datasetId: number; text: string; lines: number }> {
    const dataset = (await store.runs.datasetBySlug("demo"))!;
    const openness = new Map(
      (await loadTrainingPrompts(store, dataset.id, { policy: "exclude" })).prompts.map((p) => [
        Number(p.id),
        p.openness!,
      ]),
    );
    const prompts = (await fresh.side.rows("prompts")).filter((p) => p.datasetId === dataset.id && openness.has(p.id));
    const responses = await fresh.side.rows("responses");
    const lines = prompts.map((p, i) => {
      const ofPrompt = responses.filter((r) => r.promptId === p.id).sort((a, b) => a.position - b.position);
      return JSON.stringify({
        prompt_id: p.externalId,
        rewards: Object.fromEntries(ofPrompt.map((r) => [r.externalId, reward(r.position, openness.get(p.id)!)])),
        split: split ? split(i) : "test",
      });
    });
    return { datasetId: dataset.id, text: lines.join("\n") + "\n", lines: lines.length };
  }

  it("records a succeeded run whose dashboard is the same as a trained run's", async () => {
    const { datasetId, text, lines } = await scoresFile();
    expect(lines).toBeGreaterThan(5);
    const run = await createExternalRun(store, { datasetId, name: "TRL model", eps: 0.1 }, text, null);
    // The answer is the finished run with its verdict, not the row as first inserted.
    expect(run.status).toBe("succeeded");
    expect(run.summary?.collapse.test?.verdict).toMatch(/\w/);
    const d = (await runDashboard(store, run.id))!;
    expect(d.run.status).toBe("succeeded");
    expect(d.run.config.origin).toBe("external");
    expect(d.run.config.utility).toBe("logsigmoid");
    expect(d.splits.test?.prompts).toBe(lines);
    expect(d.splits.test?.verdict).toMatch(/\d/);
    expect(d.run.summary?.collapse.test?.version).toBe(3);
    expect(d.run.summary?.collapse.test?.beta).toBe(d.splits.test?.beta);
  });

  it("refuses a file with unknown prompts, missing responses or no split, naming the lines, and stores nothing", async () => {
    const { datasetId, text } = await scoresFile();
    const before = (await fresh.side.rows("trainingRuns")).length;
    const first = JSON.parse(text.split("\n")[0]!) as { prompt_id: string; rewards: Record<string, number> };
    const missing = { ...first, rewards: Object.fromEntries(Object.entries(first.rewards).slice(1)) };
    const second = JSON.parse(text.split("\n")[1]!) as { prompt_id: string };
    const bad = [
      JSON.stringify(missing),
      '{"prompt_id":"no-such-prompt","rewards":{"a":1}}',
      JSON.stringify({ ...second, split: undefined }),
    ].join("\n");
    let error: unknown;
    try {
      await createExternalRun(store, { datasetId }, bad, null);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScoresFileError);
    const message = (error as Error).message;
    expect(message).toMatch(/line 1: no reward for response/);
    expect(message).toMatch(/line 2: dataset demo has no prompt "no-such-prompt"/);
    expect(message).toMatch(/line 3: no "split"/);
    expect((await fresh.side.rows("trainingRuns")).length).toBe(before);
  });

  it("refuses a prompt listed twice as a problem of the file itself, pointing at the consensus export", async () => {
    const { datasetId, text } = await scoresFile();
    const second = text.split("\n")[1]!;
    const message = await refusalOf(datasetId, [text.split("\n")[0]!, second, second].join("\n"));
    expect(message).toMatch(/line 3: prompt ".*" is listed twice \(first on line 2\); score from the consensus export/);
  });

  it("names the shape of a line in another format, and with link logit stores sigmoid(score)", async () => {
    const { datasetId, text } = await scoresFile();
    const first = JSON.parse(text.split("\n")[0]!) as { prompt_id: string; rewards: Record<string, number> };
    const diagnoseShaped = JSON.stringify({ id: first.prompt_id, openness: 0, rewards: Object.values(first.rewards) });
    await expect(createExternalRun(store, { datasetId }, diagnoseShaped, null)).rejects.toThrow(
      /line 1: expected \{"prompt_id", "rewards": \{response_id: score\}, "split"\?\}; this line is an object with keys \{id, openness, rewards\}/,
    );
    const logits = JSON.stringify({
      ...first,
      rewards: Object.fromEntries(Object.keys(first.rewards).map((k, i) => [k, i - 3])),
    });
    const run = await createExternalRun(store, { datasetId, link: "logit" }, logits, null);
    const stored = (await fresh.side.rows("runRewards"))
      .filter((r) => r.runId === run.id)
      .map((r) => r.reward)
      .sort((a, b) => a - b);
    expect(stored[0]).toBeCloseTo(1 / (1 + Math.exp(3)), 6);
    expect(stored.every((r) => r > 0 && r < 1)).toBe(true);
    expect(runConfigOf(run).train).toMatchObject({ link: "logit" });
  });

  async function refusalOf(datasetId: number, text: string): Promise<string> {
    try {
      await createExternalRun(store, { datasetId }, text, null);
    } catch (error) {
      expect(error).toBeInstanceOf(ScoresFileError);
      return (error as Error).message;
    }
    throw new Error("expected the file to be refused");
  }

  it("refuses lines that are not JSON or not a scores line before it reads the dataset", async () => {
    const { datasetId } = await scoresFile();
    const message = await refusalOf(
      datasetId,
      [
        '{"prompt_id":"no-such-prompt","rewards":{}}',
        "not json",
        '{"prompt_id":"x","rewards":{"a":"high"}}',
        "[1]",
      ].join("\n"),
    );
    expect(message).toMatch(/line 2: not JSON/);
    expect(message).toMatch(/line 3: rewards\.a: a reward is a finite number/);
    expect(message).toMatch(/line 4: /);
    // The dataset was never consulted: its unknown prompt on line 1 is not reported.
    expect(message).not.toMatch(/no-such-prompt/);
  });

  it("takes response ids that name an object's own machinery (toString, constructor, __proto__, valueOf)", async () => {
    const { datasetId, text } = await scoresFile();
    const first = JSON.parse(text.split("\n")[0]!) as { prompt_id: string; rewards: Record<string, number> };
    const promptId = (await fresh.side.rows("prompts")).find(
      (p) => p.datasetId === datasetId && p.externalId === first.prompt_id,
    )!.id;
    const tricky = ["toString", "constructor", "__proto__", "valueOf"];
    const responses = (await fresh.side.rows("responses"))
      .filter((r) => r.promptId === promptId)
      .sort((a, b) => a.position - b.position);
    for (const [i, r] of responses.entries())
      await fresh.side.update("responses", { externalId: tricky[i] ?? `plain-${i}` }, { id: r.id });
    const rewards = responses.map((_, i) => `"${tricky[i] ?? `plain-${i}`}": ${i / 10}`).join(", ");
    const line = `{"prompt_id": ${JSON.stringify(first.prompt_id)}, "rewards": {${rewards}}, "split": "test"}`;
    const run = await createExternalRun(store, { datasetId }, line, null);
    expect((await runDashboard(store, run.id))!.run.status).toBe("succeeded");
    const stored = (await fresh.side.rows("runRewards")).find(
      (r) => r.runId === run.id && r.responseId === responses[2]!.id,
    );
    expect(stored?.reward).toBeCloseTo(0.2);
    expect(await refusalOf(datasetId, line.replace('"__proto__": 0.2, ', ""))).toMatch(
      /no reward for response "__proto__"/,
    );
  });

  describe("checkpoints (a trajectory for a model trained elsewhere)", () => {
    // Scores that follow the ranking but whose shape depends on the step: at step 0 every prompt
    // has the same evenly spaced profile, later ones grow a jump in the middle for closed prompts.
    const atStep = (step: number) => (position: number, openness: number) =>
      -position - (openness < 0.5 && position >= 4 ? step : 0);
    const split = (i: number) => (i % 3 === 0 ? "train" : "test");

    it("a run uploaded with a step gains one trajectory point per split and checkpoint, and shows the latest scores", async () => {
      const first = await scoresFile(atStep(0), split);
      const run = await createExternalRun(store, { datasetId: first.datasetId, step: 0 }, first.text, null);
      expect(runSummaryOf((await getRun(store, run.id))!)?.trajectory?.map((p) => [p.step, p.split])).toEqual([
        [0, "train"],
        [0, "test"],
      ]);
      for (const step of [10, 20])
        await addExternalCheckpoint(store, run.id, { step }, (await scoresFile(atStep(step), split)).text);

      const d = (await runDashboard(store, run.id))!;
      expect(d.trajectory?.rows.map((r) => r.step)).toEqual([0, 10, 20]);
      const gaps = d.trajectory!.rows.map((r) => r.testGap!);
      // Closed prompts grew a two-point shape: the normalised gap rises from collapse.
      expect(gaps[0]).toBeCloseTo(0, 6);
      expect(gaps[2]).toBeGreaterThan(gaps[0]! + 0.3);
      // The run's rewards and verdict are the last checkpoint's.
      expect(Math.min(...(await storedRewards(store, run.id)).map((r) => r.reward))).toBe(-7 - 20);
      expect(d.splits.test?.normalizedGap).toBeCloseTo(gaps[2]!, 6);
      expect(d.run.summary?.collapse.test?.normalizedGap).toBeCloseTo(gaps[2]!, 6);
    });

    it("refuses a step that is not after the last, other prompts or splits, a bad file, and runs trained here; nothing changes", async () => {
      const first = await scoresFile(atStep(0), split);
      const run = await createExternalRun(store, { datasetId: first.datasetId, step: 5 }, first.text, null);
      const before = JSON.stringify([(await getRun(store, run.id))!.summary, await storedRewards(store, run.id)]);
      const refusal = async (step: unknown, text: string) => {
        try {
          await addExternalCheckpoint(store, run.id, { step }, text);
        } catch (e) {
          return (e as Error).message;
        }
        return "accepted";
      };
      const next = (await scoresFile(atStep(3), split)).text;
      expect(await refusal(5, next)).toMatch(/already has a checkpoint at step 5/);
      expect(await refusal(4, next)).toMatch(/already has a checkpoint at step 5/);
      expect(await refusal(-1, next)).toMatch(/step is the training step/);
      expect(await refusal(6.5, next)).toMatch(/step is the training step/);
      expect(await refusal("soon", next)).toMatch(/step is the training step/);
      expect(await refusal(undefined, next)).toMatch(/step is the training step/);
      expect(await refusal(6, (await scoresFile(atStep(3), () => "test")).text)).toMatch(
        /is in split test here and train in the run/,
      );
      expect(await refusal(6, next.split("\n").slice(1).join("\n"))).toMatch(/of the run is missing/);
      expect(await refusal(6, next + "not json\n")).toMatch(/not JSON/);
      expect(JSON.stringify([(await getRun(store, run.id))!.summary, await storedRewards(store, run.id)])).toBe(before);

      const withoutStep = await createExternalRun(store, { datasetId: first.datasetId }, first.text, null);
      expect(runSummaryOf((await getRun(store, withoutStep.id))!)?.trajectory).toBeUndefined();
      await expect(addExternalCheckpoint(store, 999_999, { step: 1 }, next)).rejects.toThrow(/no run 999999/);
      const trainedHere = await requestRun(
        store,
        { datasetId: first.datasetId, utility: "log" },
        { userId: null, origin: "api" },
      );
      await expect(addExternalCheckpoint(store, trainedHere.id, { step: 1 }, next)).rejects.toThrow(/was trained here/);
    });
  });
});
