import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { Db } from "@/db";
import { BodyTooLargeError, chunksUpTo } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import { ensureExternalAnnotator, insertPrompt, writeAnnotation } from "@/lib/datasets/writer";
import { plural } from "@/lib/utils";

/**
 * JSONL import of prompts, responses and (optionally) existing rankings. Shared by the API route,
 * the CLI and the import page; knows nothing about HTTP.
 *
 * The file is read line by line from disk (bounded memory) inside one SQLite transaction: any bad
 * line rolls the whole file back, and every bad line is reported with its number, field and reason.
 * Prompts are matched on their id (or a hash of the text when a line has none), annotations on
 * (prompt, annotator), so importing the same file twice changes nothing.
 */

export const MAX_IMPORT_BYTES = 200 * 1024 * 1024;
export const MAX_REPORTED_ERRORS = 100;
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** External annotators (from other tools) are users with this email domain; they cannot sign in. */

export const slugSchema = z
  .string()
  .trim()
  .regex(SLUG_PATTERN, "A dataset slug is 1–63 lowercase letters, digits or dashes, starting with a letter or digit.")
  // /datasets/new is the page that creates a dataset by import.
  .refine((slug) => slug !== "new", 'The slug "new" is reserved; choose another.');

/** A prompt has at most this many responses, so no ranking can be longer. */
export const MAX_RESPONSES_PER_PROMPT = 32;

export const datasetSettingsSchema = z.object({
  name: z.string().trim().min(1, "Enter a name.").max(200),
  guidelines: z.string().max(50_000).default(""),
  responsesPerPrompt: z.coerce.number().int().min(2, "At least 2 responses per prompt.").max(MAX_RESPONSES_PER_PROMPT),
  annotationsPerPrompt: z.coerce.number().int().min(1, "At least 1 annotation per prompt.").max(50),
});
export type DatasetSettings = z.infer<typeof datasetSettingsSchema>;

const idSchema = z.union([z.string().trim().min(1).max(200), z.number().int()]).transform(String);
const timestampSchema = z
  .union([z.string(), z.number()])
  .pipe(z.coerce.date("Use an ISO 8601 date or epoch milliseconds."));

const responseSchema = z.union([
  z.string().min(1, "A response text may not be empty."),
  z.object({
    id: idSchema.optional(),
    text: z.string().min(1, "A response text may not be empty."),
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

export const importLineSchema = z.object({
  id: idSchema.optional(),
  prompt: z.string().min(1, "The prompt text may not be empty."),
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

export type LineError = { line: number; field: string; reason: string };

export type ImportSummary = {
  dataset: { slug: string; created: boolean };
  lines: number;
  promptsCreated: number;
  promptsUnchanged: number;
  annotationsCreated: number;
  annotationsUpdated: number;
  annotationsUnchanged: number;
  annotatorsCreated: number;
};

export type ImportResult =
  ({ ok: true } & ImportSummary) | { ok: false; lines: number; errors: LineError[]; moreErrors: number };

export type ImportOptions = {
  slug: string;
  /** Used only when the slug does not exist yet. responsesPerPrompt defaults to the first line's count. */
  create?: Partial<DatasetSettings>;
};

/** Reads a file's lines synchronously in 1 MiB chunks, so the whole import fits in one transaction. */
export function* readLinesSync(file: string): Generator<string> {
  const fd = fs.openSync(file, "r");
  const chunk = Buffer.alloc(1 << 20);
  const decoder = new TextDecoder("utf-8");
  let carry = "";
  try {
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      carry += decoder.decode(chunk.subarray(0, read), { stream: true });
      let newline: number;
      while ((newline = carry.indexOf("\n")) >= 0) {
        yield carry.slice(0, newline).replace(/\r$/, "");
        carry = carry.slice(newline + 1);
      }
    }
    carry += decoder.decode();
    if (carry.length) yield carry.replace(/\r$/, "");
  } finally {
    fs.closeSync(fd);
  }
}

export class ImportTooLargeError extends AppError {
  constructor(limit = MAX_IMPORT_BYTES) {
    super(
      "too-large",
      `The file is larger than the import limit of ${Math.round(limit / 1024 / 1024)} MB; split it into smaller files.`,
    );
  }
}

/**
 * Copies an upload to a temporary file, stopping with ImportTooLargeError past the limit.
 * The caller removes the file with removeUpload.
 */
export async function saveUpload(body: ReadableStream<Uint8Array>, limit = MAX_IMPORT_BYTES): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-import-"));
  const file = path.join(dir, "upload.jsonl");
  const out = fs.openSync(file, "w");
  try {
    for await (const chunk of chunksUpTo(body, limit)) fs.writeSync(out, chunk);
    return file;
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error instanceof BodyTooLargeError ? new ImportTooLargeError(limit) : error;
  } finally {
    fs.closeSync(out);
  }
}

export function removeUpload(file: string): void {
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

/** A stable id for a prompt line without one, so re-importing the same text finds the same prompt. */
export function derivedPromptId(text: string): string {
  return `p-${crypto.createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}

class Rollback extends Error {}

type DatasetRow = { id: number; slug: string; responses_per_prompt: number };

export function importJsonlFile(db: Db, file: string, options: ImportOptions): ImportResult {
  const sqlite = db.$client;
  const slug = slugSchema.parse(options.slug);
  const errors: LineError[] = [];
  let errorCount = 0;
  const fail = (line: number, field: string, reason: string) => {
    errorCount++;
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, field, reason });
  };

  const q = {
    dataset: sqlite.prepare<[string], DatasetRow>("select id, slug, responses_per_prompt from datasets where slug = ?"),
    insertDataset: sqlite.prepare(
      "insert into datasets (slug, name, guidelines, responses_per_prompt, annotations_per_prompt) values (?, ?, ?, ?, ?)",
    ),
    prompt: sqlite.prepare<[number, string], { id: number; text: string }>(
      "select id, text from prompts where dataset_id = ? and external_id = ?",
    ),
    responses: sqlite.prepare<[number], { id: number; external_id: string; text: string }>(
      "select id, external_id, text from responses where prompt_id = ? order by position",
    ),
    userByEmail: sqlite.prepare<[string], { id: number }>("select id from users where email = ?"),
    annotation: sqlite.prepare<[number, number], { id: number }>(
      "select id from annotations where prompt_id = ? and annotator_id = ?",
    ),
  };

  const summary: ImportSummary = {
    dataset: { slug, created: false },
    lines: 0,
    promptsCreated: 0,
    promptsUnchanged: 0,
    annotationsCreated: 0,
    annotationsUpdated: 0,
    annotationsUnchanged: 0,
    annotatorsCreated: 0,
  };
  const annotatorIds = new Map<string, number>();
  const touchedAnnotations = new Set<number>();

  const ensureDataset = (firstLineResponses: number | undefined): DatasetRow | null => {
    const existing = q.dataset.get(slug);
    if (existing) return existing;
    const settings = datasetSettingsSchema.safeParse({
      name: options.create?.name ?? slug,
      guidelines: options.create?.guidelines ?? "",
      responsesPerPrompt: options.create?.responsesPerPrompt ?? firstLineResponses ?? 8,
      annotationsPerPrompt: options.create?.annotationsPerPrompt ?? 3,
    });
    if (!settings.success) {
      for (const issue of settings.error.issues) fail(0, `dataset.${issue.path.join(".")}`, issue.message);
      return null;
    }
    const s = settings.data;
    q.insertDataset.run(slug, s.name, s.guidelines, s.responsesPerPrompt, s.annotationsPerPrompt);
    summary.dataset.created = true;
    return q.dataset.get(slug)!;
  };

  const annotatorId = (annotator: string): number => {
    const cached = annotatorIds.get(annotator);
    if (cached !== undefined) return cached;
    // A team member by their email, else an external annotator by the name the file gives.
    let id = q.userByEmail.get(annotator.toLowerCase())?.id;
    if (id === undefined) {
      const external = ensureExternalAnnotator(db, annotator);
      id = external.id;
      if (external.created) summary.annotatorsCreated++;
    }
    annotatorIds.set(annotator, id);
    return id;
  };

  let dataset: DatasetRow | null = null;

  const importLine = (lineNumber: number, raw: string) => {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      fail(lineNumber, "(line)", `Not valid JSON: ${(error as Error).message}`);
      return;
    }
    const parsed = importLineSchema.safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) fail(lineNumber, issue.path.join(".") || "(line)", issue.message);
      return;
    }
    const line = parsed.data;
    dataset ??= ensureDataset(line.responses.length);
    if (!dataset) return;

    const promptExternalId = line.id ?? derivedPromptId(line.prompt);
    const lineResponses = line.responses.map((r, i) =>
      typeof r === "string"
        ? { id: `${promptExternalId}-${i}`, text: r, embedding: null }
        : { id: r.id ?? `${promptExternalId}-${i}`, text: r.text, embedding: r.embedding ?? null },
    );
    if (lineResponses.length !== dataset.responses_per_prompt) {
      fail(
        lineNumber,
        "responses",
        `Expected ${dataset.responses_per_prompt} responses (the dataset's responses per prompt), got ${lineResponses.length}.`,
      );
      return;
    }
    const seen = new Set<string>();
    for (const [i, r] of lineResponses.entries()) {
      if (seen.has(r.id))
        return fail(lineNumber, `responses.${i}.id`, `Response id "${r.id}" appears twice in this prompt.`);
      seen.add(r.id);
    }

    // The prompt: created, or matched and checked against what is stored.
    let responseIds: Map<string, number>;
    const stored = q.prompt.get(dataset.id, promptExternalId);
    if (stored) {
      if (stored.text !== line.prompt) {
        return fail(
          lineNumber,
          "prompt",
          `Prompt "${promptExternalId}" is already stored with a different text; imports never rewrite prompts.`,
        );
      }
      const storedResponses = q.responses.all(stored.id);
      const byId = new Map(storedResponses.map((r) => [r.external_id, r]));
      for (const [i, r] of lineResponses.entries()) {
        const match = byId.get(r.id);
        if (!match)
          return fail(
            lineNumber,
            `responses.${i}.id`,
            `Prompt "${promptExternalId}" is stored without a response "${r.id}".`,
          );
        if (match.text !== r.text)
          return fail(lineNumber, `responses.${i}.text`, `Response "${r.id}" is stored with a different text.`);
      }
      responseIds = new Map(storedResponses.map((r) => [r.external_id, r.id]));
      summary.promptsUnchanged++;
    } else {
      responseIds = insertPrompt(db, dataset.id, {
        externalId: promptExternalId,
        text: line.prompt,
        openness: line.openness ?? null,
        metadata: line.metadata ?? null,
        responses: lineResponses.map((r) => ({ externalId: r.id, text: r.text, embedding: r.embedding })),
      }).responseIds;
      summary.promptsCreated++;
    }
    const promptId = stored?.id ?? q.prompt.get(dataset.id, promptExternalId)!.id;

    for (const [a, annotation] of (line.annotations ?? []).entries()) {
      const field = `annotations.${a}`;
      const notRankable = annotation.not_rankable ?? false;
      const ranking: number[][] = [];
      const used = new Set<number>();
      let bad = false;
      for (const [g, group] of annotation.ranking.entries()) {
        const internal: number[] = [];
        for (const [k, item] of group.entries()) {
          const externalId = typeof item === "number" ? lineResponses[item]?.id : item;
          const id = externalId === undefined ? undefined : responseIds.get(externalId);
          if (id === undefined) {
            fail(lineNumber, `${field}.ranking.${g}.${k}`, `"${item}" is not a response of this prompt.`);
            bad = true;
          } else if (used.has(id)) {
            fail(lineNumber, `${field}.ranking.${g}.${k}`, `Response "${externalId}" is ranked twice.`);
            bad = true;
          } else {
            used.add(id);
            internal.push(id);
          }
        }
        ranking.push(internal);
      }
      if (bad) continue;
      if (notRankable ? used.size !== 0 && used.size !== responseIds.size : used.size !== responseIds.size) {
        const missing = lineResponses.filter((r) => !used.has(responseIds.get(r.id)!)).map((r) => r.id);
        fail(
          lineNumber,
          `${field}.ranking`,
          `The ranking must place every response once; missing: ${missing.join(", ")}.`,
        );
        continue;
      }
      const userId = annotatorId(annotation.annotator);
      const existing = q.annotation.get(promptId, userId);
      if (existing && touchedAnnotations.has(existing.id)) {
        fail(
          lineNumber,
          `${field}.annotator`,
          `"${annotation.annotator}" ranks prompt "${promptExternalId}" more than once in this file.`,
        );
        continue;
      }
      const createdAt = annotation.created_at ?? new Date();
      const written = writeAnnotation(db, promptId, userId, {
        ranking,
        openness: annotation.openness ?? null,
        notRankable,
        notRankableReason: annotation.not_rankable_reason ?? null,
        comment: annotation.comment ?? null,
        durationMs: annotation.duration_ms ?? null,
        createdAt,
        updatedAt: annotation.updated_at ?? createdAt,
      });
      touchedAnnotations.add(written.annotation.id);
      if (written.outcome === "created") summary.annotationsCreated++;
      else if (written.outcome === "updated") summary.annotationsUpdated++;
      else summary.annotationsUnchanged++;
    }
  };

  try {
    sqlite.transaction(() => {
      let lineNumber = 0;
      for (const raw of readLinesSync(file)) {
        lineNumber++;
        if (!raw.trim()) continue;
        summary.lines++;
        importLine(lineNumber, raw);
      }
      if (!dataset && errorCount === 0) dataset = ensureDataset(undefined);
      if (errorCount > 0) throw new Rollback();
    })();
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
    return { ok: false, lines: summary.lines, errors, moreErrors: errorCount - errors.length };
  }
  return { ok: true, ...summary };
}

/** A human summary of an import result, for the CLI and the page. */
export function describeImport(result: ImportResult): string {
  if (!result.ok) {
    const shown = result.errors.map((e) => `line ${e.line}: ${e.field}: ${e.reason}`).join("\n");
    const more = result.moreErrors
      ? `\n…and ${result.moreErrors} more ${result.moreErrors === 1 ? "error" : "errors"}.`
      : "";
    return `Nothing was imported: ${plural(result.errors.length + result.moreErrors, "error")} in ${plural(result.lines, "line")}.\n${shown}${more}`;
  }
  return [
    `${result.dataset.created ? "Created" : "Updated"} dataset ${result.dataset.slug} from ${plural(result.lines, "line")}:`,
    `${plural(result.promptsCreated, "new prompt")}, ${plural(result.promptsUnchanged, "line")} for prompts already stored;`,
    `${plural(result.annotationsCreated, "new annotation")}, ${result.annotationsUpdated} updated, ${result.annotationsUnchanged} unchanged;`,
    `${plural(result.annotatorsCreated, "new external annotator")}.`,
  ].join(" ");
}
