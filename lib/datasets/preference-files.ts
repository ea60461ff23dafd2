import { z } from "zod";
import { chatMessageSchema, conversationSchema, type ChatMessage } from "@/lib/datasets/conversation";
import { parseImportLine, type LineError, type ParsedLine } from "@/lib/datasets/import-format";

/**
 * The preference files researchers already have, read as Octorank import lines:
 *
 * - `trl`: TRL preference rows, `{"prompt"?, "chosen", "rejected"}` in the standard (strings) or the
 *   conversational (message lists) format, with an explicit prompt or an implicit one (the shared
 *   turns of chosen and rejected). Rows of one prompt merge into one prompt; each annotator's pairs
 *   of a prompt become one ranking, which they must determine completely.
 * - `ratings`: rated completions in the UltraFeedback style, `{"instruction" | "prompt",
 *   "completions": [{"response", "overall_score" | "rating" | "score", …}]}`; equal ratings are ties.
 *
 * What cannot map is refused with its line; fields that are not kept are named in the answer.
 */

export const IMPORT_FORMATS = ["octorank", "trl", "ratings"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export type PreferenceOptions = {
  format: Exclude<ImportFormat, "octorank">;
  /** Who the rankings are by when a row does not say (an `annotator` column). */
  annotator?: string;
  /** The completion field a `ratings` file's rating is read from; by default the first of RATING_KEYS present. */
  ratingKey?: string;
};

export const DEFAULT_ANNOTATOR: Record<PreferenceOptions["format"], string> = {
  trl: "preference-file",
  ratings: "ratings-file",
};
const RATING_KEYS = ["rating", "score", "overall_score"] as const;
const COMPLETION_TEXT_KEYS = ["response", "text", "completion"] as const;

/** What a preference file gives: import lines, refusals by line, and the fields it did not keep. */
export type PreferenceLines = { lines: ParsedLine[]; errors: LineError[]; sourceLines: number; ignored: string[] };

const idSchema = z.union([z.string().trim().min(1).max(200), z.number().int()]).transform(String);
const textOrTurns = z.union([z.string().min(1, "may not be empty"), z.array(chatMessageSchema).min(1)]);
const trlRowSchema = z
  .object({
    prompt: z.union([z.string().min(1, "may not be empty"), conversationSchema]).optional(),
    chosen: textOrTurns,
    rejected: textOrTurns,
    id: idSchema.optional(),
    prompt_id: idSchema.optional(),
    annotator: z.string().trim().min(1).max(200).optional(),
    openness: z.number().min(0).max(1).nullable().optional(),
  })
  .passthrough();
type TrlRow = z.infer<typeof trlRowSchema>;
const TRL_COLUMNS = new Set(["prompt", "chosen", "rejected", "id", "prompt_id", "annotator", "openness"]);

const ratingsRowSchema = z
  .object({
    instruction: z.string().min(1).optional(),
    prompt: z.union([z.string().min(1), conversationSchema]).optional(),
    completions: z.array(z.record(z.string(), z.unknown())).min(2, "Rank at least 2 completions."),
    id: idSchema.optional(),
    prompt_id: idSchema.optional(),
    annotator: z.string().trim().min(1).max(200).optional(),
    openness: z.number().min(0).max(1).nullable().optional(),
  })
  .passthrough();
const RATINGS_COLUMNS = new Set(["instruction", "prompt", "completions", "id", "prompt_id", "annotator", "openness"]);

function zodErrors(error: z.ZodError, line: number): LineError[] {
  return error.issues.map((i) => ({ line, field: i.path.join(".") || "(line)", reason: i.message }));
}

/** The file's rows that are JSON of the schema's shape, with their line numbers; the others go to `tally.errors`. */
function* validRows<T>(
  lines: Iterable<string>,
  schema: z.ZodType<T>,
  tally: { errors: LineError[]; sourceLines: number },
): Generator<{ line: number; row: T }> {
  let line = 0;
  for (const raw of lines) {
    line++;
    if (!raw.trim()) continue;
    tally.sourceLines++;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      tally.errors.push({ line, field: "(line)", reason: `Not valid JSON: ${(error as Error).message}` });
      continue;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) yield { line, row: parsed.data };
    else tally.errors.push(...zodErrors(parsed.error, line));
  }
}

/** Reads a preference file's lines (all of them: TRL rows of one prompt may be anywhere in the file). */
export function readPreferenceFile(lines: Iterable<string>, options: PreferenceOptions): PreferenceLines {
  return options.format === "trl" ? readTrlRows(lines, options) : readRatings(lines, options);
}

type Split = { prompt: string | ChatMessage[]; chosen: string; rejected: string };

/** A standard row without prompt splits only at an HH-style "\n\nAssistant:" marker; the turns become messages. */
const HH_TURN = /\n\n(Human|Assistant): ?/g;
function hhConversation(text: string): { prompt: ChatMessage[]; answer: string } | null {
  const marks = [...text.matchAll(HH_TURN)];
  const last = marks.at(-1);
  if (!last || last[1] !== "Assistant") return null;
  const turns: ChatMessage[] = [];
  marks.slice(0, -1).forEach((m, i) => {
    const end = marks[i + 1]!.index;
    const content = text.slice(m.index + m[0].length, end).trim();
    turns.push({ role: m[1] === "Human" ? "user" : "assistant", content });
  });
  if (text.slice(0, marks[0]!.index).trim()) return null;
  const parsed = conversationSchema.safeParse(turns);
  if (!parsed.success) return null;
  return { prompt: parsed.data, answer: text.slice(last.index + last[0].length) };
}

function singleAnswer(turns: ChatMessage[] | string, field: string): string | { field: string; reason: string } {
  if (typeof turns === "string") return turns;
  if (turns.length !== 1 || turns[0]!.role !== "assistant")
    return { field, reason: "With an explicit prompt, an answer is one assistant message." };
  return turns[0]!.content;
}

/** A row's prompt and its two answers, whichever of TRL's four shapes it has. */
function splitTrlRow(row: TrlRow): Split | { field: string; reason: string } {
  if (row.prompt !== undefined) {
    const chosen = singleAnswer(row.chosen, "chosen");
    const rejected = singleAnswer(row.rejected, "rejected");
    if (typeof chosen !== "string") return chosen;
    if (typeof rejected !== "string") return rejected;
    if (typeof row.prompt === "string" && (typeof row.chosen !== "string" || typeof row.rejected !== "string"))
      return { field: "chosen", reason: "A text prompt takes text answers (or give the prompt as messages)." };
    return { prompt: row.prompt, chosen, rejected };
  }
  if (typeof row.chosen !== typeof row.rejected)
    return { field: "rejected", reason: "chosen and rejected must both be texts or both message lists." };
  if (Array.isArray(row.chosen) && Array.isArray(row.rejected)) {
    const rejectedTurns: ChatMessage[] = row.rejected;
    const prompt = row.chosen.slice(0, -1);
    const same =
      rejectedTurns.length === row.chosen.length &&
      prompt.every((m, i) => m.role === rejectedTurns[i]!.role && m.content === rejectedTurns[i]!.content);
    if (!same)
      return { field: "rejected", reason: "Without a prompt, chosen and rejected must share every turn but the last." };
    if (row.chosen.at(-1)!.role !== "assistant" || row.rejected.at(-1)!.role !== "assistant")
      return {
        field: "chosen",
        reason: "Without a prompt, the last turn of chosen and rejected is the assistant's answer.",
      };
    const turns = conversationSchema.safeParse(prompt);
    if (!turns.success)
      return { field: "chosen", reason: `The shared turns are no prompt: ${turns.error.issues[0]!.message}` };
    return { prompt: turns.data, chosen: row.chosen.at(-1)!.content, rejected: row.rejected.at(-1)!.content };
  }
  const chosen = hhConversation(row.chosen as string);
  const rejected = hhConversation(row.rejected as string);
  if (!chosen || !rejected)
    return {
      field: "prompt",
      reason:
        'Text rows without a prompt column split only at "\\n\\nHuman: … \\n\\nAssistant: " turns; give a prompt column.',
    };
  if (JSON.stringify(chosen.prompt) !== JSON.stringify(rejected.prompt))
    return { field: "rejected", reason: "chosen and rejected continue different conversations." };
  return { prompt: chosen.prompt, chosen: chosen.answer, rejected: rejected.answer };
}

type Group = {
  firstLine: number;
  id: string | undefined;
  prompt: string | ChatMessage[];
  openness: number | null | undefined;
  answers: string[];
  /** annotator → pairs (indices into answers) with their lines */
  pairs: Map<string, { chosen: number; rejected: number; line: number }[]>;
  extra: Map<string, unknown[]>;
};

function readTrlRows(lines: Iterable<string>, options: PreferenceOptions): PreferenceLines {
  const tally = { errors: [] as LineError[], sourceLines: 0 };
  const { errors } = tally;
  const groups = new Map<string, Group>();
  for (const { line: lineNumber, row } of validRows(lines, trlRowSchema, tally)) {
    const split = splitTrlRow(row);
    if ("reason" in split) {
      errors.push({ line: lineNumber, ...split });
      continue;
    }
    if (split.chosen === split.rejected) {
      errors.push({ line: lineNumber, field: "rejected", reason: "chosen and rejected are the same answer." });
      continue;
    }
    const id = row.prompt_id ?? row.id;
    const key = id !== undefined ? `id:${id}` : `prompt:${JSON.stringify(split.prompt)}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        firstLine: lineNumber,
        id,
        prompt: split.prompt,
        openness: row.openness,
        answers: [],
        pairs: new Map(),
        extra: new Map(),
      };
      groups.set(key, group);
    } else if (JSON.stringify(group.prompt) !== JSON.stringify(split.prompt)) {
      errors.push({
        line: lineNumber,
        field: "prompt",
        reason: `Prompt id "${id}" is used at line ${group.firstLine} with a different prompt.`,
      });
      continue;
    } else if (row.openness !== undefined && group.openness !== undefined && row.openness !== group.openness) {
      errors.push({
        line: lineNumber,
        field: "openness",
        reason: `This prompt's openness is ${group.openness} at line ${group.firstLine}.`,
      });
      continue;
    }
    group.openness ??= row.openness;
    const index = (answer: string) => {
      const at = group.answers.indexOf(answer);
      return at >= 0 ? at : group.answers.push(answer) - 1;
    };
    const annotator = row.annotator ?? options.annotator ?? DEFAULT_ANNOTATOR.trl;
    const list = group.pairs.get(annotator) ?? [];
    list.push({ chosen: index(split.chosen), rejected: index(split.rejected), line: lineNumber });
    group.pairs.set(annotator, list);
    for (const [column, value] of Object.entries(row)) {
      if (TRL_COLUMNS.has(column)) continue;
      const values = group.extra.get(column) ?? [];
      values.push(value);
      group.extra.set(column, values);
    }
  }

  const out: ParsedLine[] = [];
  for (const group of groups.values()) {
    const annotations = [];
    let bad = false;
    for (const [annotator, pairs] of group.pairs) {
      const ranking = rankingFromPairs(group.answers.length, pairs);
      if ("reason" in ranking) {
        errors.push({ line: ranking.line, field: "chosen", reason: `${ranking.reason} (annotator "${annotator}")` });
        bad = true;
        continue;
      }
      annotations.push({ annotator, ranking: ranking.groups });
    }
    if (bad) continue;
    const metadata = Object.fromEntries(
      [...group.extra].map(([column, values]) => {
        const distinct = new Set(values.map((v) => JSON.stringify(v)));
        return [column, distinct.size === 1 ? values[0] : values];
      }),
    );
    const line = {
      ...(group.id === undefined ? {} : { id: group.id }),
      prompt: group.prompt,
      responses: group.answers,
      ...(group.openness === undefined ? {} : { openness: group.openness }),
      ...(Object.keys(metadata).length ? { metadata } : {}),
      annotations,
    };
    const parsed = parseImportLine(JSON.stringify(line), group.firstLine);
    if ("errors" in parsed) errors.push(...parsed.errors);
    else out.push(parsed);
  }
  return { lines: out, errors, sourceLines: tally.sourceLines, ignored: [] };
}

/**
 * The ranking an annotator's pairs of one prompt determine: every two answers must be ordered,
 * directly or through others, and never both ways. Rows of preference files have no ties.
 */
export function rankingFromPairs(
  count: number,
  pairs: readonly { chosen: number; rejected: number; line: number }[],
): { groups: number[][] } | { line: number; reason: string } {
  // beats[i][j]: i is above j, directly or through others (transitive closure, Floyd–Warshall).
  const beats = Array.from({ length: count }, () => new Array<boolean>(count).fill(false));
  for (const p of pairs) beats[p.chosen]![p.rejected] = true;
  for (let k = 0; k < count; k++)
    for (let i = 0; i < count; i++)
      if (beats[i]![k]) for (let j = 0; j < count; j++) if (beats[k]![j]) beats[i]![j] = true;
  const cycle = pairs.filter((p) => beats[p.rejected]![p.chosen]);
  if (cycle.length) {
    const lines = [...new Set(cycle.map((p) => p.line))];
    return {
      line: lines[0]!,
      reason: `The rows at lines ${lines.join(", ")} order the same answers both ways (directly or through others)`,
    };
  }
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      if (!beats[i]![j] && !beats[j]![i]) {
        const line = pairs.find((p) => [p.chosen, p.rejected].some((x) => x === i || x === j))?.line ?? pairs[0]!.line;
        return {
          line,
          reason: `Answers ${i + 1} and ${j + 1} of this prompt are never ordered, directly or through others: a ranking needs every pair decided (add rows, or name the annotators in an "annotator" column)`,
        };
      }
    }
  }
  const above = (i: number) => beats[i]!.filter(Boolean).length;
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => above(b) - above(a));
  return { groups: order.map((i) => [i]) };
}

function readRatings(lines: Iterable<string>, options: PreferenceOptions): PreferenceLines {
  const tally = { errors: [] as LineError[], sourceLines: 0 };
  const { errors } = tally;
  const out: ParsedLine[] = [];
  const ignored = new Set<string>();
  for (const { line: lineNumber, row } of validRows(lines, ratingsRowSchema, tally)) {
    const prompt = row.prompt ?? row.instruction;
    if (prompt === undefined || (row.prompt !== undefined && row.instruction !== undefined)) {
      errors.push({
        line: lineNumber,
        field: "prompt",
        reason: 'Give the prompt as "instruction" or "prompt" (one of them).',
      });
      continue;
    }
    const responses: { id?: string; text: string }[] = [];
    const ratings: number[] = [];
    let bad = false;
    // One rating field for the whole row: the one asked for, else the first known one any completion has.
    const ratingKey =
      options.ratingKey ?? RATING_KEYS.find((k) => row.completions.some((c) => c[k] !== undefined && c[k] !== null));
    row.completions.forEach((completion, i) => {
      const textKey = COMPLETION_TEXT_KEYS.find((k) => typeof completion[k] === "string");
      const rating = ratingKey === undefined ? undefined : completion[ratingKey];
      if (!textKey) {
        errors.push({
          line: lineNumber,
          field: `completions.${i}`,
          reason: `No text: give it as ${COMPLETION_TEXT_KEYS.join(", ")}.`,
        });
        bad = true;
      } else if (typeof rating !== "number" || !Number.isFinite(rating)) {
        errors.push({
          line: lineNumber,
          field: `completions.${i}.${ratingKey ?? RATING_KEYS.join("|")}`,
          reason: `No numeric rating${ratingKey ? ` in "${ratingKey}"` : ` (looked for ${RATING_KEYS.join(", ")}; --rating-key names another field)`}.`,
        });
        bad = true;
      } else {
        const id = completion.id;
        responses.push({
          ...(typeof id === "string" || typeof id === "number" ? { id: String(id) } : {}),
          text: completion[textKey] as string,
        });
        ratings.push(rating);
        for (const key of Object.keys(completion))
          if (key !== textKey && key !== ratingKey && key !== "id") ignored.add(`completions.${key}`);
      }
    });
    if (bad) continue;
    // Higher rating first; equal ratings are one tied group.
    const distinct = [...new Set(ratings)].sort((a, b) => b - a);
    const ranking = distinct.map((r) => ratings.flatMap((x, i) => (x === r ? [i] : [])));
    const metadata = Object.fromEntries(Object.entries(row).filter(([k]) => !RATINGS_COLUMNS.has(k)));
    const id = row.prompt_id ?? row.id;
    const line = {
      ...(id === undefined ? {} : { id }),
      prompt,
      responses,
      ...(row.openness === undefined ? {} : { openness: row.openness }),
      ...(Object.keys(metadata).length ? { metadata } : {}),
      annotations: [{ annotator: row.annotator ?? options.annotator ?? DEFAULT_ANNOTATOR.ratings, ranking }],
    };
    const result = parseImportLine(JSON.stringify(line), lineNumber);
    if ("errors" in result) errors.push(...result.errors);
    else out.push(result);
  }
  return { lines: out, errors, sourceLines: tally.sourceLines, ignored: [...ignored].sort() };
}
