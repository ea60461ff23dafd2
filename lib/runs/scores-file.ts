/**
 * The one scores format that `diagnose`, `infer-utility` and external runs read: one JSONL line per
 * prompt, `{"prompt_id", "rewards": {response_id: score}, "split"?}`. Without a dataset (the CLI)
 * a line adds `"openness"` and optionally `"ranking": [[response ids], …]` (best group first; a
 * group of several is a tie) and `"cluster"` (its template, for the bootstrap). Older shapes are
 * still read: the diagnose line `{"id", "openness", "rewards": [..], "ranking"?: [[indices]]}` and
 * `repro --out` lines (one per utility, rewards best first). Every problem is reported with its
 * line number, and a file with any problem is refused whole.
 */
import { z } from "zod";
import { type DiagnosisPrompt, linkRewards, type RewardLink } from "@/ml";

export interface ScoresLine {
  line: number;
  promptId: string;
  /** Response ids, in the line's order, and their scores (after the link). */
  responseIds: string[];
  rewards: number[];
  split?: "train" | "test";
  openness?: number;
  /** Groups of indices into `rewards`, best first. */
  ranking?: number[][];
  cluster?: string;
}

export class ScoresFileProblems extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.slice(0, 20).join("\n")}${problems.length > 20 ? `\n… ${problems.length - 20} more` : ""}`);
  }
}

export const SCORES_LINE_SHAPE = `{"prompt_id", "rewards": {response_id: score}, "split"?}`;

const id = z.union([z.string().min(1), z.number()]).transform(String);
const split = z.enum(["train", "test"]).optional();
const score = z.number().finite();

const canonical = z.object({
  prompt_id: id,
  /**
   * Read as [id, score] pairs of the object's own keys: a plain object would answer `toString` or
   * `constructor` with its methods, and zod's record drops a `__proto__` key without a word.
   */
  rewards: z
    .unknown()
    .transform((value, ctx) => {
      const rewards: [string, number][] = [];
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        ctx.addIssue({ code: "custom", message: "rewards maps each response id to its reward" });
        return rewards;
      }
      for (const [responseId, reward] of Object.entries(value)) {
        if (typeof reward === "number" && Number.isFinite(reward)) rewards.push([responseId, reward]);
        else ctx.addIssue({ code: "custom", path: [responseId], message: "a reward is a finite number" });
      }
      return rewards;
    })
    .refine((r) => r.length >= 1, "needs at least one response"),
  split,
  openness: z.number().min(0).max(1).optional(),
  ranking: z.array(z.array(id).min(1)).optional(),
  cluster: id.optional(),
});

const legacy = z.object({
  id,
  openness: z.number().min(0).max(1),
  rewards: z.array(score).min(1).max(512),
  ranking: z.array(z.array(z.number().int().min(0)).min(1)).optional(),
  split,
  cluster: id.optional(),
});

const reproLine = z.object({
  prompt_id: id,
  utility: z.string(),
  openness: z.number().min(0).max(1),
  rewards: z.array(score).min(1).max(512),
  split,
});

export interface ScoresFileOptions {
  /** `cli`: lines carry openness (and optionally rankings); `dataset`: the dataset has them, lines must not. */
  source: "cli" | "dataset";
  /** `infer-utility` reads shapes only: openness may be left out (default: required from the CLI). */
  opennessOptional?: boolean;
  link?: RewardLink;
  /** For `repro --out` files holding several utilities: the one to read. */
  utility?: string;
}

function describeShape(raw: unknown): string {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    return `a JSON ${raw === null ? "null" : Array.isArray(raw) ? "array" : typeof raw}`;
  const o = raw as Record<string, unknown>;
  const kind = (v: unknown) =>
    v === undefined ? "missing" : Array.isArray(v) ? "an array" : v === null ? "null" : `a ${typeof v}`;
  return `an object with keys {${Object.keys(o).join(", ")}} whose "rewards" is ${kind(o.rewards)}`;
}

function issues(error: z.ZodError): string {
  return error.issues.map((x) => `${x.path.length ? `${x.path.join(".")}: ` : ""}${x.message}`).join("; ");
}

/** Checks that a ranking names every response exactly once; returns it as indices, or the problems. */
function rankingIndices(
  ranking: readonly (readonly string[])[],
  responseIds: readonly string[],
): number[][] | string[] {
  const index = new Map(responseIds.map((r, i) => [r, i] as const));
  const problems: string[] = [];
  const seen = new Set<string>();
  const groups = ranking.map((g) =>
    g.flatMap((r) => {
      if (seen.has(r)) problems.push(`ranking names response "${r}" twice`);
      seen.add(r);
      const i = index.get(r);
      if (i === undefined) {
        problems.push(`ranking names response "${r}", which has no reward`);
        return [];
      }
      return [i];
    }),
  );
  const missing = responseIds.filter((r) => !seen.has(r));
  if (missing.length)
    problems.push(
      `ranking leaves out response${missing.length === 1 ? "" : "s"} ${missing.map((r) => `"${r}"`).join(", ")} (it must name every response exactly once; tie them if they are equal)`,
    );
  return problems.length ? problems : groups;
}

/** Parses a scores file; throws ScoresFileProblems naming every bad line. */
export function parseScoresFile(text: string, options: ScoresFileOptions): ScoresLine[] {
  const { lines, problems } = readScoresFile(text, options);
  if (problems.length) throw new ScoresFileProblems(problems);
  return lines;
}

/** The valid lines and the problems of the others (a caller with more checks reports them all together). */
export function readScoresFile(text: string, options: ScoresFileOptions): { lines: ScoresLine[]; problems: string[] } {
  const problems: string[] = [];
  const out: ScoresLine[] = [];
  const firstLine = new Map<string, number>();
  const utilities = new Set<string>();
  const link = options.link ?? "identity";
  text.split(/\r?\n/).forEach((textLine, i) => {
    if (!textLine.trim()) return;
    const where = `line ${i + 1}`;
    let raw: unknown;
    try {
      raw = JSON.parse(textLine);
    } catch {
      problems.push(`${where}: not JSON`);
      return;
    }
    const o = (raw && typeof raw === "object" && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
    let entry: Omit<ScoresLine, "line"> | null = null;
    let rankingIds: string[][] | undefined;
    let legacyRanking: number[][] | undefined;
    if ("prompt_id" in o && "utility" in o && Array.isArray(o.rewards)) {
      const parsed = reproLine.safeParse(raw);
      if (!parsed.success) return void problems.push(`${where}: ${issues(parsed.error)}`);
      utilities.add(parsed.data.utility);
      if (options.utility !== undefined && parsed.data.utility !== options.utility) return;
      const r = parsed.data;
      // repro --out writes the rewards best first: the true ranking is their order.
      entry = {
        promptId: r.prompt_id,
        responseIds: r.rewards.map((_, k) => String(k)),
        rewards: r.rewards,
        split: r.split,
        openness: r.openness,
      };
      legacyRanking = r.rewards.map((_, k) => [k]);
      entry = { ...entry, promptId: `${r.prompt_id}\u0000${r.utility}` };
    } else if ("prompt_id" in o && o.rewards !== null && typeof o.rewards === "object" && !Array.isArray(o.rewards)) {
      const parsed = canonical.safeParse(raw);
      if (!parsed.success) return void problems.push(`${where}: ${issues(parsed.error)}`);
      const r = parsed.data;
      if (options.source === "dataset" && (r.openness !== undefined || r.ranking !== undefined))
        return void problems.push(
          `${where}: an external run takes openness and rankings from the dataset; remove "${r.openness !== undefined ? "openness" : "ranking"}" from the line`,
        );
      entry = {
        promptId: r.prompt_id,
        responseIds: r.rewards.map(([responseId]) => responseId),
        rewards: r.rewards.map(([, reward]) => reward),
        split: r.split,
        openness: r.openness,
        cluster: r.cluster,
      };
      rankingIds = r.ranking;
    } else if ("id" in o && Array.isArray(o.rewards) && options.source === "cli") {
      const parsed = legacy.safeParse(raw);
      if (!parsed.success) return void problems.push(`${where}: ${issues(parsed.error)}`);
      const r = parsed.data;
      entry = {
        promptId: r.id,
        responseIds: r.rewards.map((_, k) => String(k)),
        rewards: r.rewards,
        split: r.split,
        openness: r.openness,
        cluster: r.cluster,
      };
      rankingIds = r.ranking?.map((g) => g.map(String));
    } else {
      return void problems.push(
        `${where}: expected ${SCORES_LINE_SHAPE}${options.source === "cli" ? ` with "openness" (or the older {"id", "openness", "rewards": [a score per response]})` : ""}; this line is ${describeShape(raw)}`,
      );
    }
    if (options.source === "cli" && !options.opennessOptional && entry.openness === undefined)
      return void problems.push(`${where}: "openness" (0..1) is required without a dataset`);
    let ranking = legacyRanking;
    if (rankingIds) {
      const r = rankingIndices(rankingIds, entry.responseIds);
      if (r.some((x) => typeof x === "string"))
        return void problems.push(...(r as string[]).map((m) => `${where}: ${m}`));
      ranking = r as number[][];
    }
    const first = firstLine.get(entry.promptId);
    const shownId = entry.promptId.split("\u0000")[0];
    if (first !== undefined)
      return void problems.push(
        `${where}: prompt "${shownId}" is listed twice (first on line ${first})${options.source === "dataset" ? "; score from the consensus export, one line per prompt" : ""}`,
      );
    firstLine.set(entry.promptId, i + 1);
    out.push({
      ...entry,
      promptId: shownId as string,
      rewards: linkRewards(entry.rewards, link),
      ranking,
      line: i + 1,
    });
  });
  if (options.utility === undefined && utilities.size > 1)
    problems.unshift(`this repro file holds several utilities (${[...utilities].join(", ")}): pick one with --utility`);
  if (options.utility !== undefined && utilities.size > 0 && !utilities.has(options.utility))
    problems.unshift(`no lines for utility ${options.utility} (the file has ${[...utilities].join(", ")})`);
  if (out.length === 0 && problems.length === 0) problems.push("the file has no prompt lines");
  return { lines: out, problems };
}

/** Scores lines as the verdict's prompts (CLI files carry openness and rankings themselves). */
export function diagnosisPrompts(lines: readonly ScoresLine[]): DiagnosisPrompt[] {
  return lines.map((l) => ({
    id: l.promptId,
    openness: l.openness ?? Number.NaN,
    rewards: l.rewards,
    ...(l.ranking ? { ranking: l.ranking } : {}),
    ...(l.split ? { split: l.split } : {}),
    ...(l.cluster ? { cluster: l.cluster } : {}),
  }));
}
