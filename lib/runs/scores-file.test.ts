import { describe, expect, it } from "vitest";
import { diagnosisPrompts, parseScoresFile, ScoresFileProblems } from "@/lib/runs/scores-file";

const jsonl = (...lines: unknown[]) => lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n");

function problems(text: string, options: Parameters<typeof parseScoresFile>[1] = { source: "cli" }): string[] {
  try {
    parseScoresFile(text, options);
  } catch (e) {
    if (e instanceof ScoresFileProblems) return e.problems;
    throw e;
  }
  throw new Error("the file was accepted");
}

describe("the one scores format", () => {
  it("reads {prompt_id, rewards: {response_id: score}} with openness and a ranking by response id", () => {
    const lines = parseScoresFile(
      jsonl({
        prompt_id: "q1",
        rewards: { a: 2, b: 1, c: 0 },
        openness: 0.5,
        ranking: [["a"], ["b", "c"]],
        split: "test",
      }),
      { source: "cli" },
    );
    const [p] = diagnosisPrompts(lines);
    expect(p).toEqual({ id: "q1", openness: 0.5, rewards: [2, 1, 0], ranking: [[0], [1, 2]], split: "test" });
  });

  it("still reads the older diagnose line and repro --out files (one utility at a time)", () => {
    const old = parseScoresFile(jsonl({ id: 7, openness: 1, rewards: [0.2, 0.9], ranking: [[1], [0]] }), {
      source: "cli",
    });
    expect(diagnosisPrompts(old)[0]).toMatchObject({ id: "7", rewards: [0.2, 0.9], ranking: [[1], [0]] });
    const repro = jsonl(
      { prompt_id: "t0", utility: "log", split: "test", openness: 0, rewards: [0.9, 0.1] },
      { prompt_id: "t0", utility: "conditioned", split: "test", openness: 0, rewards: [0.8, 0.2] },
    );
    expect(problems(repro)[0]).toMatch(/several utilities \(log, conditioned\)/);
    const log = parseScoresFile(repro, { source: "cli", utility: "log" });
    expect(diagnosisPrompts(log)).toEqual([
      { id: "t0", openness: 0, rewards: [0.9, 0.1], ranking: [[0], [1]], split: "test" },
    ]);
  });

  it("refuses a ranking that does not name every response exactly once, with the line number", () => {
    const text = jsonl(
      { prompt_id: "ok", rewards: { a: 1, b: 0 }, openness: 0, ranking: [["a"], ["b"]] },
      { prompt_id: "partial", rewards: { a: 1, b: 0, c: 2 }, openness: 0, ranking: [["a"], ["b"]] },
      { prompt_id: "twice", rewards: { a: 1, b: 0 }, openness: 0, ranking: [["a"], ["a", "b"]] },
      { prompt_id: "unknown", rewards: { a: 1, b: 0 }, openness: 0, ranking: [["a"], ["b"], ["z"]] },
      { id: "old", openness: 0, rewards: [1, 0, 2], ranking: [[0], [1]] },
    );
    const p = problems(text);
    expect(p).toEqual([
      'line 2: ranking leaves out response "c" (it must name every response exactly once; tie them if they are equal)',
      'line 3: ranking names response "a" twice',
      'line 4: ranking names response "z", which has no reward',
      'line 5: ranking leaves out response "2" (it must name every response exactly once; tie them if they are equal)',
    ]);
  });

  it("refuses a prompt id listed twice, naming both lines", () => {
    const text = jsonl(
      { prompt_id: "a", rewards: { x: 1, y: 0 }, openness: 1 },
      { prompt_id: "b", rewards: { x: 1, y: 0 }, openness: 0 },
      { prompt_id: "a", rewards: { x: 0, y: 1 }, openness: 1 },
    );
    expect(problems(text)).toEqual(['line 3: prompt "a" is listed twice (first on line 1)']);
    expect(problems(text, { source: "dataset" })).toEqual([
      'line 1: an external run takes openness and rankings from the dataset; remove "openness" from the line',
      'line 2: an external run takes openness and rankings from the dataset; remove "openness" from the line',
      'line 3: an external run takes openness and rankings from the dataset; remove "openness" from the line',
    ]);
  });

  it("names the shape it saw when a line is neither shape", () => {
    const p = problems(jsonl({ id: "q", openness: 0, rewards: [1, 0] }, [1, 2], "{not json"), { source: "dataset" });
    expect(p[0]).toMatch(
      /^line 1: expected \{"prompt_id", "rewards": \{response_id: score\}, "split"\?\}; this line is an object with keys \{id, openness, rewards\} whose "rewards" is an array$/,
    );
    expect(p[1]).toMatch(/^line 2: expected .* this line is a JSON array$/);
    expect(p[2]).toBe("line 3: not JSON");
    expect(problems(jsonl({ prompt_id: "q", rewards: { a: 1 } }))).toEqual([
      'line 1: "openness" (0..1) is required without a dataset',
    ]);
    expect(problems(jsonl({ prompt_id: "q", rewards: { a: "high" }, openness: 0 }))[0]).toMatch(
      /^line 1: rewards\.a: /,
    );
  });

  it("--link logit judges sigmoid(score); identity reads the numbers as they are", () => {
    const text = jsonl({ prompt_id: "q", rewards: { a: 0, b: 2 }, openness: 0 });
    expect(parseScoresFile(text, { source: "cli" })[0]!.rewards).toEqual([0, 2]);
    const [a, b] = parseScoresFile(text, { source: "cli", link: "logit" })[0]!.rewards;
    expect(a).toBe(0.5);
    expect(b).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
  });
});
