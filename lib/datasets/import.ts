import "server-only";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import { externalAnnotatorEmail, type Store } from "@/db/store";
import type { AnnotationVersion } from "@/db/store/writer";
import { BodyTooLargeError, chunksUpTo } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import {
  annotationToWrite,
  parseImportLine,
  promptToWrite,
  resolveRanking,
  responsesProblem,
  type LineError,
  type LinePrompt,
  type ParsedLine,
} from "@/lib/datasets/import-format";
import {
  DEFAULT_STAGING_TUNING,
  discardAbandonedImports,
  ImportConflictError,
  ImportStaging,
  StagingDiscardedError,
  type StagingTuning,
} from "@/lib/datasets/import-staging";
import { plural } from "@/lib/utils";
import { readPreferenceFile, type ImportFormat } from "@/lib/datasets/preference-files";

/**
 * JSONL import of prompts, responses and (optionally) existing rankings. Shared by the API route,
 * the CLI, the import page and the demo seed; knows nothing about HTTP. The file is read line by
 * line from disk (bounded memory); what it writes waits in a staging dataset until the whole file
 * has passed (lib/datasets/import-staging.ts), so other writers are never locked out for long.
 */

export const MAX_IMPORT_BYTES = 200 * 1024 * 1024;
export const MAX_REPORTED_ERRORS = 100;
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

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
  responsesPerPrompt: numeric(
    z
      .number({ message: "Responses per prompt is a whole number." })
      .int()
      .min(2, "At least 2 responses per prompt.")
      .max(MAX_RESPONSES_PER_PROMPT),
  ),
  annotationsPerPrompt: numeric(
    z
      .number({ message: "Annotations per prompt is a whole number." })
      .int()
      .min(1, "At least 1 annotation per prompt.")
      .max(50),
  ),
});
export type DatasetSettings = z.infer<typeof datasetSettingsSchema>;

export type { LineError };

export type ImportSummary = {
  dataset: { slug: string; created: boolean };
  lines: number;
  promptsCreated: number;
  promptsUnchanged: number;
  annotationsCreated: number;
  annotationsUpdated: number;
  annotationsUnchanged: number;
  annotatorsCreated: number;
  /** Fields of a preference file that were not kept (e.g. a completion's critique), so that nothing is dropped unsaid. */
  ignoredFields?: string[];
};

export type ImportResult =
  ({ ok: true } & ImportSummary) | { ok: false; lines: number; errors: LineError[]; moreErrors: number };

export type ImportOptions = {
  slug: string;
  /** The file's format: Octorank's import lines (the default), or a preference file (lib/datasets/preference-files.ts). */
  format?: ImportFormat;
  /** For a preference file: who its rankings are by when a row names no annotator. */
  annotator?: string;
  /** For a ratings file: the completion field holding the rating. */
  ratingKey?: string;
  /** Used only when the slug does not exist yet. responsesPerPrompt defaults to the first line's count. */
  create?: Partial<DatasetSettings>;
};

/** A line that is not UTF-8: the whole file is refused, since other lines are likely in the same wrong encoding. */
export class NotUtf8Error extends AppError {
  constructor(readonly line: number) {
    super("invalid", `Line ${line} is not valid UTF-8: save the file as UTF-8 and import it again.`);
  }
}

/**
 * Reads a file's lines in 1 MiB chunks: memory stays bounded whatever the file's size. Each line
 * is decoded on its own and strictly (a newline byte never occurs inside a UTF-8 sequence), so a
 * file in another encoding is refused with the line where it shows (NotUtf8Error) rather than
 * imported with U+FFFD in place of what it said.
 */
export function* readLinesSync(file: string): Generator<string> {
  const fd = fs.openSync(file, "r");
  const chunk = Buffer.alloc(1 << 20);
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let lineNumber = 0;
  const decode = (bytes: Uint8Array): string => {
    lineNumber++;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new NotUtf8Error(lineNumber);
    }
    if (lineNumber === 1 && text.startsWith("\uFEFF")) text = text.slice(1);
    return text.endsWith("\r") ? text.slice(0, -1) : text;
  };
  let carry: Buffer = Buffer.alloc(0);
  try {
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      let bytes = Buffer.concat([carry, chunk.subarray(0, read)]);
      let newline: number;
      while ((newline = bytes.indexOf(0x0a)) >= 0) {
        yield decode(bytes.subarray(0, newline));
        bytes = bytes.subarray(newline + 1);
      }
      carry = bytes;
    }
    if (carry.length) yield decode(carry);
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

/** The reported errors of an import, and how many more there were. */
class ErrorLog {
  readonly shown: LineError[] = [];
  count = 0;
  add(error: LineError): void {
    this.count++;
    if (this.shown.length < MAX_REPORTED_ERRORS) this.shown.push(error);
  }
}

/** One import in progress: where it writes, what it has found, what it will report. */
type ImportRun = {
  staging: ImportStaging;
  /** The existing dataset the file adds to; null when the import creates the dataset. */
  targetDatasetId: number | null;
  responsesPerPrompt: number;
  errors: ErrorLog;
  summary: ImportSummary;
  annotatorIds: Map<string, number>;
  /** "promptId:annotatorId" of every annotation the file has given so far. */
  ranked: Set<string>;
};

/**
 * Imports a JSONL file whole or not at all (the format: lib/datasets/import-format.ts). Each
 * line is parsed and checked with no lock held, then written through the writer into the
 * import's staging in short transactions; the file lands (lib/datasets/import-staging.ts) only
 * when every line passed. Every bad line is reported with its number, field and reason. Prompts are
 * matched on their id (or a hash of the text when a line has none), annotations on
 * (prompt, annotator), so importing the same file twice changes nothing.
 */
export async function importJsonlFile(
  store: Store,
  file: string,
  options: ImportOptions,
  tuning: StagingTuning = DEFAULT_STAGING_TUNING,
): Promise<ImportResult> {
  const slug = slugSchema.parse(options.slug);
  await discardAbandonedImports(store, tuning);
  const target = await store.imports.target(slug);
  const errors = new ErrorLog();
  const summary = emptySummary(slug, !target);
  let run: ImportRun | null = null;
  let settingsRejected = false;
  const startRun = async (firstLineResponses: number | undefined) => {
    const settings = target
      ? { ok: true as const, settings: await targetSettings(store, target.id) }
      : creationSettings(options, slug, firstLineResponses);
    if (!settings.ok) {
      for (const error of settings.errors) errors.add(error);
      settingsRejected = true;
      return null;
    }
    const staging = await ImportStaging.open(store, slug, target?.id ?? null, settings.settings, tuning);
    return {
      staging,
      targetDatasetId: target?.id ?? null,
      responsesPerPrompt: settings.settings.responsesPerPrompt,
      errors,
      summary,
      annotatorIds: new Map(),
      ranked: new Set(),
    } satisfies ImportRun;
  };

  try {
    let batch: ParsedLine[] = [];
    for (const parsed of importLines(file, options, summary)) {
      if ("errors" in parsed) {
        for (const error of parsed.errors) errors.add(error);
        continue;
      }
      if (!run && !settingsRejected) run = await startRun(parsed.prompt.responses.length);
      if (!run) continue;
      batch.push(parsed);
      if (batch.length >= run.staging.batchSize) {
        await writeBatch(run, batch);
        batch = [];
      }
    }
    if (!run && !settingsRejected && errors.count === 0) run = await startRun(undefined);
    if (run && batch.length) await writeBatch(run, batch);
    if (errors.count > 0 || !run) {
      await run?.staging.discard();
      return { ok: false, lines: summary.lines, errors: errors.shown, moreErrors: errors.count - errors.shown.length };
    }
    const landing = await run.staging.land();
    summary.annotationsCreated += landing.annotations.created;
    summary.annotationsUpdated += landing.annotations.updated;
    summary.annotationsUnchanged += landing.annotations.unchanged;
    return { ok: true, ...summary };
  } catch (error) {
    await run?.staging.discard();
    if (error instanceof NotUtf8Error) {
      return {
        ok: false,
        lines: summary.lines,
        errors: [{ line: error.line, field: "(line)", reason: error.message }],
        moreErrors: 0,
      };
    }
    if (error instanceof ImportConflictError || error instanceof StagingDiscardedError) {
      return {
        ok: false,
        lines: summary.lines,
        errors: [{ line: 0, field: "dataset", reason: error.message }],
        moreErrors: 0,
      };
    }
    throw error;
  }
}

/**
 * The file's lines, parsed and checked on their own: Octorank's format read as it streams, a
 * preference file read whole (rows of one prompt may be anywhere) and turned into the same lines.
 */
function* importLines(
  file: string,
  options: ImportOptions,
  summary: ImportSummary,
): Generator<ParsedLine | { errors: LineError[] }> {
  if (options.format && options.format !== "octorank") {
    const read = readPreferenceFile(readLinesSync(file), {
      format: options.format,
      annotator: options.annotator,
      ratingKey: options.ratingKey,
    });
    summary.lines = read.sourceLines;
    if (read.ignored.length) summary.ignoredFields = read.ignored;
    if (read.errors.length) yield { errors: read.errors };
    yield* read.lines;
    return;
  }
  let lineNumber = 0;
  for (const raw of readLinesSync(file)) {
    lineNumber++;
    if (!raw.trim()) continue;
    summary.lines++;
    yield parseImportLine(raw, lineNumber);
  }
}

function emptySummary(slug: string, created: boolean): ImportSummary {
  return { dataset: { slug, created }, lines: 0, ...noCounts() };
}

function noCounts(): BatchOutcome["counts"] {
  return {
    promptsCreated: 0,
    promptsUnchanged: 0,
    annotationsCreated: 0,
    annotationsUpdated: 0,
    annotationsUnchanged: 0,
    annotatorsCreated: 0,
  };
}

/** Settings for the dataset an import creates; responses per prompt default to the first line's count. */
function creationSettings(
  options: ImportOptions,
  slug: string,
  firstLineResponses: number | undefined,
): { ok: true; settings: DatasetSettings } | { ok: false; errors: LineError[] } {
  const settings = datasetSettingsSchema.safeParse({
    name: options.create?.name ?? slug,
    guidelines: options.create?.guidelines ?? "",
    responsesPerPrompt: options.create?.responsesPerPrompt ?? firstLineResponses ?? 8,
    annotationsPerPrompt: options.create?.annotationsPerPrompt ?? 3,
  });
  if (settings.success) return { ok: true, settings: settings.data };
  return {
    ok: false,
    errors: settings.error.issues.map((issue) => ({
      line: 0,
      field: `dataset.${issue.path.join(".")}`,
      reason: issue.message,
    })),
  };
}

async function targetSettings(store: Store, datasetId: number): Promise<DatasetSettings> {
  const row = (await store.imports.settings(datasetId))!;
  return {
    name: row.name,
    guidelines: row.guidelines,
    responsesPerPrompt: row.responses_per_prompt,
    annotationsPerPrompt: row.annotations_per_prompt,
  };
}

/** What one batch of lines changed in its import's state, applied once its transaction has committed. */
type BatchOutcome = {
  errors: LineError[];
  counts: Omit<ImportSummary, "dataset" | "lines" | "ignoredFields">;
  /** Annotator names the batch resolved, with their accounts. */
  annotatorIds: Map<string, number>;
  /** "promptId:annotatorId" of the annotations the batch gave. */
  ranked: string[];
};

async function writeBatch(run: ImportRun, batch: ParsedLine[]): Promise<void> {
  const outcome = await run.staging.write((tx) => stageLines(run, tx, batch));
  for (const error of outcome.errors) run.errors.add(error);
  for (const [key, n] of Object.entries(outcome.counts)) run.summary[key as keyof BatchOutcome["counts"]] += n;
  for (const [name, id] of outcome.annotatorIds) run.annotatorIds.set(name, id);
  for (const key of outcome.ranked) run.ranked.add(key);
}

/** A prompt as stored (or about to be): what a line naming it again must match. */
type StoredPrompt = {
  text: string;
  messages: string | null;
  responses: { external_id: string; text: string }[];
};

/** How a line's prompt resolved: to a stored prompt (in the target, or the staging), or to one this batch stores. */
type LinePromptRef = { stored: number; inTarget: boolean } | { pending: number };

/**
 * Checks a batch of parsed lines against what is stored and writes them into the staging, in the
 * write `tx`, as a few statements for the whole batch: the prompts the lines name are read at once,
 * the new ones stored at once, then each line's annotations are checked in the file's order and
 * written at once. The errors, counts and rows are those of taking the lines one by one.
 */
async function stageLines(
  run: ImportRun,
  tx: Store,
  lines: ParsedLine[],
): Promise<{ value: BatchOutcome; createdAnnotatorIds: number[] }> {
  const outcome: BatchOutcome = {
    errors: [],
    counts: noCounts(),
    annotatorIds: new Map(),
    ranked: [],
  };
  const { counts } = outcome;
  // Each line's errors, reported in the file's order once the batch is done.
  const lineErrors = lines.map(() => [] as LineError[]);
  const fail = (i: number) => (error: Omit<LineError, "line">) =>
    lineErrors[i]!.push({ line: lines[i]!.lineNumber, ...error });

  // The prompts the lines name: in the target, else in the staging (earlier in the file).
  const checked = lines.flatMap((line, i) => {
    const problem = responsesProblem(line.prompt, run.responsesPerPrompt);
    if (problem) fail(i)(problem);
    return problem ? [] : [i];
  });
  const externalIds = [...new Set(checked.map((i) => lines[i]!.prompt.externalId))];
  const inTarget =
    run.targetDatasetId === null || !externalIds.length
      ? []
      : await tx.imports.prompts(run.targetDatasetId, externalIds);
  const targetIds = new Set(inTarget.map((p) => p.external_id));
  const notInTarget = externalIds.filter((id) => !targetIds.has(id));
  const inStaging = notInTarget.length ? await tx.imports.prompts(run.staging.datasetId, notInTarget) : [];
  const storedRows = [...inTarget, ...inStaging];
  const responseRows = storedRows.length ? await tx.imports.responses(storedRows.map((p) => p.id)) : [];
  const storedResponses = new Map<number, { id: number; external_id: string; text: string }[]>();
  for (const r of responseRows) storedResponses.set(r.prompt_id, [...(storedResponses.get(r.prompt_id) ?? []), r]);
  const stored = new Map<string, { ref: LinePromptRef; prompt: StoredPrompt }>();
  for (const p of storedRows) {
    stored.set(p.external_id, {
      ref: { stored: p.id, inTarget: targetIds.has(p.external_id) },
      prompt: { text: p.text, messages: p.messages, responses: storedResponses.get(p.id) ?? [] },
    });
  }

  // Each line's prompt: the stored one it names (checked to be the same), else a new one.
  const newPrompts: LinePrompt[] = [];
  const refs = new Map<number, LinePromptRef>();
  for (const i of checked) {
    const { prompt } = lines[i]!;
    const found = stored.get(prompt.externalId);
    if (!found) {
      const messages = prompt.messages ? JSON.stringify(prompt.messages) : null;
      const responses = prompt.responses.map((r) => ({ external_id: r.id, text: r.text }));
      const ref = { pending: newPrompts.push(prompt) - 1 };
      stored.set(prompt.externalId, { ref, prompt: { text: prompt.text, messages, responses } });
      refs.set(i, ref);
      counts.promptsCreated++;
      continue;
    }
    const mismatch = promptMismatch(found.prompt, prompt);
    if (mismatch) {
      fail(i)(mismatch);
      continue;
    }
    refs.set(i, found.ref);
    counts.promptsUnchanged++;
  }
  const created = newPrompts.length
    ? await tx.datasets.insertPrompts(run.staging.datasetId, newPrompts.map(promptToWrite))
    : [];
  const responseIdsOf = new Map(
    storedRows.map((p) => [p.id, new Map((storedResponses.get(p.id) ?? []).map((r) => [r.external_id, r.id]))]),
  );
  const resolved = (ref: LinePromptRef) =>
    "pending" in ref
      ? { promptId: created[ref.pending]!.promptId, responseIds: created[ref.pending]!.responseIds, inTarget: false }
      : { promptId: ref.stored, responseIds: responseIdsOf.get(ref.stored)!, inTarget: ref.inTarget };

  // The accounts the annotations name that this import has not met yet.
  const unmet = [
    ...new Set(
      [...refs.keys()].flatMap((i) =>
        lines[i]!.prompt.annotations.map((a) => a.annotator).filter((name) => !run.annotatorIds.has(name)),
      ),
    ),
  ];
  const users = new Map(
    unmet.length
      ? (
          await tx.imports.usersByEmail(unmet.flatMap((name) => [name.toLowerCase(), externalAnnotatorEmail(name)]))
        ).map((u) => [u.email, u.id])
      : [],
  );
  /** External accounts to create, by email: their names. */
  const newAccounts = new Map<string, string>();
  const annotatorRefs = new Map<string, string>();
  /** A team member by their email, else an external annotator by the name the file gives: an id, or "new:<email>". */
  const annotatorRef = (name: string): string => {
    const known = run.annotatorIds.get(name) ?? annotatorRefs.get(name);
    if (known !== undefined) return String(known);
    const email = name.toLowerCase();
    const externalEmail = externalAnnotatorEmail(name);
    const member = users.get(email);
    const ref =
      member !== undefined
        ? String(member)
        : newAccounts.has(email)
          ? `new:${email}`
          : users.has(externalEmail)
            ? String(users.get(externalEmail))
            : `new:${externalEmail}`;
    if (ref === `new:${externalEmail}`) newAccounts.set(externalEmail, name);
    annotatorRefs.set(name, ref);
    return ref;
  };

  // Each annotation, in the file's order: its ranking checked, then kept for writing.
  const batchRanked = new Set<string>();
  const writes: { promptId: number; annotator: string; version: AnnotationVersion; inTarget: boolean }[] = [];
  for (const [i, ref] of refs) {
    const { prompt } = lines[i]!;
    const line = resolved(ref);
    for (const [a, annotation] of prompt.annotations.entries()) {
      const field = `annotations.${a}`;
      const ranking = resolveRanking(annotation, field, prompt, line.responseIds);
      if ("errors" in ranking) {
        ranking.errors.forEach(fail(i));
        continue;
      }
      const annotator = annotatorRef(annotation.annotator);
      const key = `${line.promptId}:${annotator}`;
      if (run.ranked.has(key) || batchRanked.has(key)) {
        fail(i)({
          field: `${field}.annotator`,
          reason: `"${annotation.annotator}" ranks prompt "${prompt.externalId}" more than once in this file.`,
        });
        continue;
      }
      batchRanked.add(key);
      writes.push({
        promptId: line.promptId,
        annotator,
        version: annotationToWrite(annotation, ranking.ranking),
        inTarget: line.inTarget,
      });
    }
  }

  const accounts = await tx.datasets.ensureExternalAnnotators([...newAccounts.values()]);
  const accountIds = new Map([...newAccounts.keys()].map((email, n) => [`new:${email}`, accounts[n]!.id]));
  const createdAnnotatorIds = accounts.filter((a) => a.created).map((a) => a.id);
  counts.annotatorsCreated += createdAnnotatorIds.length;
  const annotatorId = (ref: string) => accountIds.get(ref) ?? Number(ref);
  for (const [name, ref] of annotatorRefs) outcome.annotatorIds.set(name, annotatorId(ref));
  for (const w of writes) outcome.ranked.push(`${w.promptId}:${annotatorId(w.annotator)}`);

  const toWrite = (inTarget: boolean) =>
    writes
      .filter((w) => w.inTarget === inTarget)
      .map((w) => ({ promptId: w.promptId, annotatorId: annotatorId(w.annotator), version: w.version }));
  // Landing applies those of prompts the target has: written now, they would show before the rest of the file.
  for (const staged of await run.staging.stageAnnotations(tx, toWrite(true)))
    if (staged === "unchanged") counts.annotationsUnchanged++;
  const inStagingWrites = toWrite(false);
  const written = inStagingWrites.length ? await tx.annotations.writeAll(inStagingWrites, "keep") : [];
  for (const outcome of written) {
    if (outcome === "created") counts.annotationsCreated++;
    else if (outcome === "updated") counts.annotationsUpdated++;
    else counts.annotationsUnchanged++;
  }
  outcome.errors = lineErrors.flat();
  return { value: outcome, createdAnnotatorIds };
}

/** Why a line cannot name a stored prompt (another text or conversation, or responses it lacks); null if it can. */
function promptMismatch(stored: StoredPrompt, prompt: LinePrompt): Omit<LineError, "line"> | null {
  if (stored.text !== prompt.text || stored.messages !== (prompt.messages ? JSON.stringify(prompt.messages) : null)) {
    return {
      field: "prompt",
      reason: `Prompt "${prompt.externalId}" is already stored with a different ${stored.messages || prompt.messages ? "conversation" : "text"}; imports never rewrite prompts.`,
    };
  }
  const byExternalId = new Map(stored.responses.map((r) => [r.external_id, r]));
  for (const [i, r] of prompt.responses.entries()) {
    const match = byExternalId.get(r.id);
    if (!match) {
      return {
        field: `responses.${i}.id`,
        reason: `Prompt "${prompt.externalId}" is stored without a response "${r.id}".`,
      };
    }
    if (match.text !== r.text)
      return { field: `responses.${i}.text`, reason: `Response "${r.id}" is stored with a different text.` };
  }
  return null;
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
    ...(result.ignoredFields?.length ? [`Not kept: ${result.ignoredFields.join(", ")}.`] : []),
  ].join(" ");
}
