import crypto from "node:crypto";
import { z } from "zod";
import type { RankingGroups } from "@/lib/domain";
import type { AnnotationVersion, NewPrompt } from "@/db/store/writer";
import { conversationSchema, storedPrompt, type ChatMessage } from "@/lib/datasets/conversation";
import { MAX_STORED_TEXT_CHARS } from "@/lib/markdown-budget";

/**
 * The JSONL import format, one prompt per line (README "Data formats"), and the checks a line
 * passes on its own, before anything stored is looked at. Pure: no database, no files.
 */

export type LineError = { line: number; field: string; reason: string };

const idSchema = z.union([z.string().trim().min(1).max(200), z.number().int()]).transform(String);
const timestampSchema = z
  .union([z.string(), z.number()])
  .pipe(z.coerce.date("Use an ISO 8601 date or epoch milliseconds."));

const textTooLong = `Keep a text under ${MAX_STORED_TEXT_CHARS.toLocaleString("en")} characters.`;
const responseTextSchema = z
  .string()
  .min(1, "A response text may not be empty.")
  .max(MAX_STORED_TEXT_CHARS, textTooLong);

const responseSchema = z.union([
  responseTextSchema,
  z.object({
    id: idSchema.optional(),
    text: responseTextSchema,
    embedding: z.array(z.number()).max(8192).nullable().optional(),
  }),
]);

const importedAnnotationSchema = z.object({
  annotator: z.string().trim().min(1, "Name the annotator.").max(200),
  /** Groups best first; items are response ids (strings) or 0-based indices into `responses`. */
  ranking: z.array(
    z.array(z.union([z.string(), z.number().int().nonnegative()])).min(1, "A ranking group may not be empty."),
  ),
  openness: z.number().min(0).max(1).nullable().optional(),
  not_rankable: z.boolean().optional(),
  not_rankable_reason: z.string().max(2000).nullable().optional(),
  comment: z.string().max(10_000).nullable().optional(),
  duration_ms: z.number().int().nonnegative().nullable().optional(),
  created_at: timestampSchema.optional(),
  updated_at: timestampSchema.optional(),
});
export type ImportedAnnotation = z.infer<typeof importedAnnotationSchema>;

export const importLineSchema = z.object({
  id: idSchema.optional(),
  /** A text, or a conversation's turns ending with the user's (lib/datasets/conversation.ts). */
  prompt: z.union(
    [
      z.string().min(1, "The prompt text may not be empty.").max(MAX_STORED_TEXT_CHARS, textTooLong),
      conversationSchema,
    ],
    { message: "The prompt is a text or a list of {role, content} turns." },
  ),
  responses: z.array(responseSchema).min(2, "A prompt needs at least 2 responses."),
  openness: z
    .number()
    .min(0, "Openness is between 0 and 1.")
    .max(1, "Openness is between 0 and 1.")
    .nullable()
    .optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  annotations: z.array(importedAnnotationSchema).optional(),
});
export type ImportLine = z.infer<typeof importLineSchema>;

/**
 * A stable id for a prompt line without one, so re-importing the same prompt finds it: a hash of
 * the text, or of a conversation's turns as JSON.
 */
export function derivedPromptId(text: string, messages: readonly ChatMessage[] | null = null): string {
  const key = messages ? JSON.stringify(messages.map((m) => [m.role, m.content])) : text;
  return `p-${crypto.createHash("sha256").update(key).digest("hex").slice(0, 16)}`;
}

/** A line's prompt with the ids it is matched on: its own, else derived from the text and position. */
export type LinePrompt = {
  externalId: string;
  text: string;
  /** A conversation's turns; null for a plain-text prompt. */
  messages: ChatMessage[] | null;
  openness: number | null;
  metadata: Record<string, unknown> | null;
  responses: { id: string; text: string; embedding: number[] | null }[];
  annotations: ImportedAnnotation[];
};

export type ParsedLine = { lineNumber: number; prompt: LinePrompt };

/** Deepest nesting of arrays and objects a line may have: the format itself needs five. */
export const MAX_LINE_NESTING = 64;

/** How deep a JSON text's arrays and objects nest, counted without parsing it (strings skipped). */
export function jsonNesting(raw: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // a backslash escapes the next character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) deepest = Math.max(deepest, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return deepest;
}

/**
 * The path of the first string (or key) in `value` that is not well-formed UTF-16: a lone
 * surrogate, which SQLite would store as U+FFFD, so the stored text would no longer be the file's.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const wellFormed = (text: string) => !LONE_SURROGATE.test(text);

function illFormedStringPath(value: unknown, path: string[] = []): string[] | null {
  if (typeof value === "string") return wellFormed(value) ? null : path;
  if (typeof value !== "object" || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    if (!wellFormed(key)) return [...path, "(key)"];
    const found = illFormedStringPath(item, [...path, key]);
    if (found) return found;
  }
  return null;
}

/** JSON, then the schema, then the response ids: a line that passes is internally consistent. */
export function parseImportLine(raw: string, lineNumber: number): ParsedLine | { errors: LineError[] } {
  const refuse = (field: string, reason: string) => ({ errors: [{ line: lineNumber, field, reason }] });
  if (jsonNesting(raw) > MAX_LINE_NESTING)
    return refuse("(line)", `Nested deeper than ${MAX_LINE_NESTING} levels of arrays and objects.`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return refuse("(line)", `Not valid JSON: ${(error as Error).message}`);
  }
  const illFormed = illFormedStringPath(json);
  if (illFormed)
    return refuse(
      illFormed.join(".") || "(line)",
      "Holds a lone UTF-16 surrogate (an unpaired \\ud800–\\udfff escape), which no UTF-8 text can store.",
    );
  const parsed = importLineSchema.safeParse(json);
  if (!parsed.success) {
    return {
      errors: parsed.error.issues.map((issue) => ({
        line: lineNumber,
        field: issue.path.join(".") || "(line)",
        reason: issue.message,
      })),
    };
  }
  const line = parsed.data;
  const { text, messages } = storedPrompt(line.prompt);
  const externalId = line.id ?? derivedPromptId(text, messages);
  const responses = line.responses.map((r, i) =>
    typeof r === "string"
      ? { id: `${externalId}-${i}`, text: r, embedding: null }
      : { id: r.id ?? `${externalId}-${i}`, text: r.text, embedding: r.embedding ?? null },
  );
  return {
    lineNumber,
    prompt: {
      externalId,
      text,
      messages,
      openness: line.openness ?? null,
      // As the file has it: zod's record drops a "__proto__" key, JSON.parse keeps it as an own key.
      metadata: line.metadata ? (json as { metadata: Record<string, unknown> }).metadata : null,
      responses,
      annotations: line.annotations ?? [],
    },
  };
}

/** What the writer stores for a line's prompt (db/store/writer.ts insertPrompt). */
export function promptToWrite(prompt: LinePrompt): NewPrompt {
  return {
    externalId: prompt.externalId,
    text: prompt.text,
    messages: prompt.messages,
    openness: prompt.openness,
    metadata: prompt.metadata,
    responses: prompt.responses.map((r) => ({ externalId: r.id, text: r.text, embedding: r.embedding })),
  };
}

/** What the writer stores for an imported annotation with its resolved ranking; an undated one is dated now. */
export function annotationToWrite(annotation: ImportedAnnotation, ranking: RankingGroups): AnnotationVersion {
  const createdAt = annotation.created_at ?? new Date();
  return {
    ranking,
    openness: annotation.openness ?? null,
    notRankable: annotation.not_rankable ?? false,
    notRankableReason: annotation.not_rankable_reason ?? null,
    comment: annotation.comment ?? null,
    durationMs: annotation.duration_ms ?? null,
    createdAt,
    updatedAt: annotation.updated_at ?? createdAt,
  };
}

/** The first problem with a line's responses for a dataset of `responsesPerPrompt`, if any. */
export function responsesProblem(prompt: LinePrompt, responsesPerPrompt: number): Omit<LineError, "line"> | null {
  if (prompt.responses.length !== responsesPerPrompt) {
    return {
      field: "responses",
      reason: `Expected ${responsesPerPrompt} responses (the dataset's responses per prompt), got ${prompt.responses.length}.`,
    };
  }
  const seen = new Set<string>();
  for (const [i, r] of prompt.responses.entries()) {
    if (seen.has(r.id))
      return { field: `responses.${i}.id`, reason: `Response id "${r.id}" appears twice in this prompt.` };
    seen.add(r.id);
  }
  return null;
}

/**
 * An imported ranking in stored response ids, checked to place every response once (a
 * not-rankable annotation may also place none).
 */
export function resolveRanking(
  annotation: ImportedAnnotation,
  field: string,
  prompt: LinePrompt,
  responseIds: Map<string, number>,
): { ranking: RankingGroups } | { errors: Omit<LineError, "line">[] } {
  const errors: Omit<LineError, "line">[] = [];
  const ranking: RankingGroups = [];
  const used = new Set<number>();
  for (const [g, group] of annotation.ranking.entries()) {
    const internal: number[] = [];
    for (const [k, item] of group.entries()) {
      const externalId = typeof item === "number" ? prompt.responses[item]?.id : item;
      const id = externalId === undefined ? undefined : responseIds.get(externalId);
      if (id === undefined) {
        errors.push({ field: `${field}.ranking.${g}.${k}`, reason: `"${item}" is not a response of this prompt.` });
      } else if (used.has(id)) {
        errors.push({ field: `${field}.ranking.${g}.${k}`, reason: `Response "${externalId}" is ranked twice.` });
      } else {
        used.add(id);
        internal.push(id);
      }
    }
    ranking.push(internal);
  }
  if (errors.length) return { errors };
  const placesNone = annotation.not_rankable && used.size === 0;
  if (!placesNone && used.size !== responseIds.size) {
    const missing = prompt.responses.filter((r) => !used.has(responseIds.get(r.id)!)).map((r) => r.id);
    return {
      errors: [
        {
          field: `${field}.ranking`,
          reason: `The ranking must place every response once; missing: ${missing.join(", ")}.`,
        },
      ],
    };
  }
  return { ranking };
}
