import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import type { Db } from "@/db";
import { BodyTooLargeError, chunksUpTo } from "@/lib/http/body";
import { AppError } from "@/lib/errors";

/**
 * JSONL import of prompts, responses and (optionally) existing rankings. Shared by the API route,
 * the CLI and the import page; knows nothing about HTTP.
 *
 * The file is read line by line from disk (bounded memory) twice. The first pass checks every line
 * against the database and the lines before it and writes nothing: any bad line refuses the whole
 * file, and every bad line is reported with its number, field and reason. The second pass writes in
 * short transactions (CHUNK_MS each, with a pause between), so other writers (annotators
 * submitting, a training run's progress) never wait long for the lock. Should the second pass
 * still meet a problem (another writer changed the same prompts meanwhile), what it wrote is
 * undone: the import stays whole or nothing.
 * Prompts are matched on their id (or a hash of the text when a line has none), annotations on
 * (prompt, annotator), so importing the same file twice changes nothing.
 */

export const MAX_IMPORT_BYTES = 200 * 1024 * 1024;
export const MAX_REPORTED_ERRORS = 100;
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** External annotators (from other tools) are users with this email domain; they cannot sign in. */
export const EXTERNAL_EMAIL_DOMAIN = "external.invalid";

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

export function externalAnnotatorEmail(annotator: string): string {
  return `${annotator}@${EXTERNAL_EMAIL_DOMAIN}`;
}

/** How long one write transaction of an import may run before it commits and lets others write. */
export const CHUNK_MS = 50;
/** The pause between an import's write transactions, long enough for a waiting writer to get in. */
export const CHUNK_PAUSE_MS = 15;

export type ImportTuning = {
  chunkMs?: number;
  pauseMs?: number;
  /** Called between two write transactions, with no lock held (tests write from another connection here). */
  betweenChunks?: () => void;
};

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps without leaving the synchronous import (the import runs off the server's event loop). */
function pause(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

const digest = (text: string) => crypto.createHash("sha1").update(text).digest("base64").slice(0, 20);

/** What the first pass remembers of a prompt created earlier in the same file. */
type SeenPrompt = { line: number; standInId: number; textHash: string; responsesHash: string };

/** What the second pass wrote, so that it can be undone. */
type UndoLog = {
  datasetId: number | null;
  prompts: number[];
  users: number[];
  annotations: number[];
  /** Annotations updated in place, with the revision row that holds their previous version. */
  revised: { annotationId: number; revisionId: number }[];
};

type DatasetRow = { id: number; slug: string; responses_per_prompt: number };

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function importJsonlFile(db: Db, file: string, options: ImportOptions, tuning: ImportTuning = {}): ImportResult {
  const checked = importPass(db, file, options, "check", tuning);
  if (!checked.ok) return checked;
  return importPass(db, file, options, "write", tuning);
}

function importPass(
  db: Db,
  file: string,
  options: ImportOptions,
  mode: "check" | "write",
  { chunkMs = CHUNK_MS, pauseMs = CHUNK_PAUSE_MS, betweenChunks }: ImportTuning,
): ImportResult {
  const writing = mode === "write";
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
    insertPrompt: sqlite.prepare(
      "insert into prompts (dataset_id, external_id, text, openness, metadata) values (?, ?, ?, ?, ?)",
    ),
    insertResponse: sqlite.prepare(
      "insert into responses (prompt_id, position, external_id, text, embedding) values (?, ?, ?, ?, ?)",
    ),
    userByEmail: sqlite.prepare<[string], { id: number }>("select id from users where email = ?"),
    insertExternalUser: sqlite.prepare(
      "insert into users (email, name, password_hash, role, external) values (?, ?, null, 'annotator', 1)",
    ),
    annotation: sqlite.prepare<
      [number, number],
      {
        id: number;
        ranking: string;
        openness: number | null;
        not_rankable: number;
        not_rankable_reason: string | null;
        comment: string | null;
        duration_ms: number | null;
        updated_at: number;
      }
    >("select * from annotations where prompt_id = ? and annotator_id = ?"),
    insertAnnotation: sqlite.prepare(
      `insert into annotations (prompt_id, annotator_id, ranking, openness, not_rankable, not_rankable_reason, comment, duration_ms, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertRevision: sqlite.prepare(
      `insert into annotation_revisions (annotation_id, ranking, openness, not_rankable, not_rankable_reason, comment, duration_ms, version_at)
       select id, ranking, openness, not_rankable, not_rankable_reason, comment, duration_ms, updated_at from annotations where id = ?`,
    ),
    updateAnnotation: sqlite.prepare(
      `update annotations set ranking = ?, openness = ?, not_rankable = ?, not_rankable_reason = ?, comment = ?, duration_ms = ?, updated_at = ?
       where id = ?`,
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
  /** (prompt, annotator) pairs this file has ranked so far: a second ranking in one file is an error. */
  const touchedAnnotations = new Set<string>();
  const seenPrompts = new Map<string, SeenPrompt>();
  // In the check pass, things the file would create get stand-in ids below zero.
  let standIn = 0;
  const nextStandIn = () => --standIn;
  const committed: UndoLog = { datasetId: null, prompts: [], users: [], annotations: [], revised: [] };
  let chunk: UndoLog = { datasetId: null, prompts: [], users: [], annotations: [], revised: [] };

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
    summary.dataset.created = true;
    if (!writing) return { id: nextStandIn(), slug, responses_per_prompt: s.responsesPerPrompt };
    q.insertDataset.run(slug, s.name, s.guidelines, s.responsesPerPrompt, s.annotationsPerPrompt);
    const created = q.dataset.get(slug)!;
    chunk.datasetId = created.id;
    return created;
  };

  const annotatorId = (annotator: string): number => {
    const cached = annotatorIds.get(annotator);
    if (cached !== undefined) return cached;
    const known = q.userByEmail.get(annotator.toLowerCase()) ?? q.userByEmail.get(externalAnnotatorEmail(annotator));
    let id = known?.id;
    if (id === undefined) {
      if (writing) {
        id = Number(q.insertExternalUser.run(externalAnnotatorEmail(annotator), annotator).lastInsertRowid);
        chunk.users.push(id);
      } else id = nextStandIn();
      summary.annotatorsCreated++;
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
    const stored = dataset.id > 0 ? q.prompt.get(dataset.id, promptExternalId) : undefined;
    const earlier = stored ? undefined : seenPrompts.get(promptExternalId);
    let promptId: number;
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
      promptId = stored.id;
      summary.promptsUnchanged++;
    } else if (earlier) {
      // Only the check pass gets here: in the write pass the earlier line's prompt is stored.
      if (earlier.textHash !== digest(line.prompt))
        return fail(
          lineNumber,
          "prompt",
          `Prompt "${promptExternalId}" is on line ${earlier.line} with a different text.`,
        );
      if (earlier.responsesHash !== responsesDigest(lineResponses))
        return fail(
          lineNumber,
          "responses",
          `Prompt "${promptExternalId}" is on line ${earlier.line} with different responses.`,
        );
      responseIds = new Map(lineResponses.map((r, i) => [r.id, -(i + 1)]));
      promptId = earlier.standInId;
      summary.promptsUnchanged++;
    } else if (!writing) {
      promptId = nextStandIn();
      seenPrompts.set(promptExternalId, {
        line: lineNumber,
        standInId: promptId,
        textHash: digest(line.prompt),
        responsesHash: responsesDigest(lineResponses),
      });
      responseIds = new Map(lineResponses.map((r, i) => [r.id, -(i + 1)]));
      summary.promptsCreated++;
    } else {
      promptId = Number(
        q.insertPrompt.run(
          dataset.id,
          promptExternalId,
          line.prompt,
          line.openness ?? null,
          line.metadata == null ? null : JSON.stringify(line.metadata),
        ).lastInsertRowid,
      );
      chunk.prompts.push(promptId);
      responseIds = new Map();
      lineResponses.forEach((r, position) => {
        const id = q.insertResponse.run(
          promptId,
          position,
          r.id,
          r.text,
          r.embedding ? JSON.stringify(r.embedding) : null,
        ).lastInsertRowid;
        responseIds.set(r.id, Number(id));
      });
      summary.promptsCreated++;
    }

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
      const values = {
        ranking: JSON.stringify(ranking),
        openness: annotation.openness ?? null,
        notRankable: notRankable ? 1 : 0,
        reason: annotation.not_rankable_reason ?? null,
        comment: annotation.comment ?? null,
        durationMs: annotation.duration_ms ?? null,
      };
      const createdAt = (annotation.created_at ?? new Date()).getTime();
      const updatedAt = (annotation.updated_at ?? annotation.created_at ?? new Date()).getTime();
      const pair = `${promptId}:${userId}`;
      const existing = promptId > 0 && userId > 0 ? q.annotation.get(promptId, userId) : undefined;
      if (touchedAnnotations.has(pair)) {
        fail(
          lineNumber,
          `${field}.annotator`,
          `"${annotation.annotator}" ranks prompt "${promptExternalId}" more than once in this file.`,
        );
        continue;
      }
      touchedAnnotations.add(pair);
      if (!existing) {
        summary.annotationsCreated++;
        if (!writing) continue;
        const id = q.insertAnnotation.run(
          promptId,
          userId,
          values.ranking,
          values.openness,
          values.notRankable,
          values.reason,
          values.comment,
          values.durationMs,
          createdAt,
          updatedAt,
        ).lastInsertRowid;
        chunk.annotations.push(Number(id));
        continue;
      }
      const unchanged =
        sameJson(JSON.parse(existing.ranking), ranking) &&
        existing.openness === values.openness &&
        existing.not_rankable === values.notRankable &&
        existing.not_rankable_reason === values.reason &&
        existing.comment === values.comment &&
        existing.duration_ms === values.durationMs;
      if (unchanged) {
        summary.annotationsUnchanged++;
        continue;
      }
      summary.annotationsUpdated++;
      if (!writing) continue;
      // A different version replaces the stored one, which is kept as a revision.
      const revisionId = Number(q.insertRevision.run(existing.id).lastInsertRowid);
      chunk.revised.push({ annotationId: existing.id, revisionId });
      q.updateAnnotation.run(
        values.ranking,
        values.openness,
        values.notRankable,
        values.reason,
        values.comment,
        values.durationMs,
        Math.max(updatedAt, existing.updated_at + 1),
        existing.id,
      );
    }
  };

  const refused = (): ImportResult => ({
    ok: false,
    lines: summary.lines,
    errors,
    moreErrors: errorCount - errors.length,
  });

  if (!writing) {
    // Read-only: a snapshot of the database for the whole pass, and no lock that others wait for.
    sqlite.exec("begin");
    try {
      let lineNumber = 0;
      for (const raw of readLinesSync(file)) {
        lineNumber++;
        if (!raw.trim()) continue;
        summary.lines++;
        importLine(lineNumber, raw);
      }
      if (!dataset && errorCount === 0) dataset = ensureDataset(undefined);
    } finally {
      sqlite.exec("rollback");
    }
    return errorCount > 0 ? refused() : { ok: true, ...summary };
  }

  const commitChunk = () => {
    sqlite.exec("commit");
    committed.datasetId ??= chunk.datasetId;
    committed.prompts.push(...chunk.prompts);
    committed.users.push(...chunk.users);
    committed.annotations.push(...chunk.annotations);
    committed.revised.push(...chunk.revised);
    chunk = { datasetId: null, prompts: [], users: [], annotations: [], revised: [] };
  };
  let chunkStarted = performance.now();
  sqlite.exec("begin immediate");
  try {
    let lineNumber = 0;
    for (const raw of readLinesSync(file)) {
      lineNumber++;
      if (!raw.trim()) continue;
      summary.lines++;
      importLine(lineNumber, raw);
      if (errorCount > 0) break;
      if (performance.now() - chunkStarted >= chunkMs) {
        commitChunk();
        pause(pauseMs);
        betweenChunks?.();
        sqlite.exec("begin immediate");
        chunkStarted = performance.now();
      }
    }
    if (!dataset && errorCount === 0) dataset = ensureDataset(undefined);
    if (errorCount > 0) {
      sqlite.exec("rollback");
      undoImport(db, committed, { chunkMs, pauseMs });
      return refused();
    }
    commitChunk();
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec("rollback");
    undoImport(db, committed, { chunkMs, pauseMs });
    throw error;
  }
  return { ok: true, ...summary };
}

/** An order-independent digest of a prompt's responses (ids and texts). */
function responsesDigest(responses: { id: string; text: string }[]): string {
  return digest(
    responses
      .map((r) => `${r.id}\u0000${digest(r.text)}`)
      .sort()
      .join("\u0001"),
  );
}

/**
 * Takes back what an import's write pass committed before it met a problem, newest first and in
 * short transactions like the writes: updated annotations get their previous version back, and
 * what the import created is deleted (a prompt takes its responses with it).
 */
function undoImport(db: Db, log: UndoLog, { chunkMs, pauseMs }: { chunkMs: number; pauseMs: number }): void {
  const sqlite = db.$client;
  const restore = sqlite.prepare(
    `update annotations set (ranking, openness, not_rankable, not_rankable_reason, comment, duration_ms, updated_at) =
       (select ranking, openness, not_rankable, not_rankable_reason, comment, duration_ms, version_at
        from annotation_revisions where id = @revisionId)
     where id = @annotationId`,
  );
  const dropRevision = sqlite.prepare("delete from annotation_revisions where id = ?");
  const dropAnnotation = sqlite.prepare("delete from annotations where id = ?");
  const dropPrompt = sqlite.prepare("delete from prompts where id = ?");
  const dropUser = sqlite.prepare(
    "delete from users where id = ? and not exists (select 1 from annotations where annotator_id = users.id)",
  );
  const steps: (() => void)[] = [
    ...log.revised.toReversed().map((r) => () => {
      restore.run(r);
      dropRevision.run(r.revisionId);
    }),
    ...log.annotations.map((id) => () => void dropAnnotation.run(id)),
    ...log.prompts.map((id) => () => void dropPrompt.run(id)),
    ...log.users.map((id) => () => void dropUser.run(id)),
  ];
  if (log.datasetId !== null) {
    const datasetId = log.datasetId;
    steps.push(() => void sqlite.prepare("delete from datasets where id = ?").run(datasetId));
  }
  let i = 0;
  while (i < steps.length) {
    const started = performance.now();
    sqlite
      .transaction(() => {
        // At least one step per transaction, however short the chunk.
        do steps[i++]!();
        while (i < steps.length && performance.now() - started < chunkMs);
      })
      .immediate();
    pause(pauseMs);
  }
}

/** A human summary of an import result, for the CLI and the page. */
export function describeImport(result: ImportResult): string {
  if (!result.ok) {
    const shown = result.errors.map((e) => `line ${e.line}: ${e.field}: ${e.reason}`).join("\n");
    const more = result.moreErrors ? `\n…and ${result.moreErrors} more error(s).` : "";
    return `Nothing was imported: ${result.errors.length + result.moreErrors} error(s) in ${result.lines} line(s).\n${shown}${more}`;
  }
  return [
    `${result.dataset.created ? "Created" : "Updated"} dataset ${result.dataset.slug} from ${result.lines} line(s):`,
    `${result.promptsCreated} new prompt(s), ${result.promptsUnchanged} line(s) for prompts already stored;`,
    `${result.annotationsCreated} new annotation(s), ${result.annotationsUpdated} updated, ${result.annotationsUnchanged} unchanged;`,
    `${result.annotatorsCreated} new external annotator(s).`,
  ].join(" ");
}
