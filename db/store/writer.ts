/**
 * The one writer of datasets, prompts, responses and annotations: the annotation API, import,
 * the paper repro and the demo seed all write through here, so that an annotation's revisions,
 * its not-rankable rule and the external annotators' accounts are the same whichever way data came.
 * Callers own the transaction; every function runs inside theirs.
 */
import "server-only";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { schema } from "@/db";
import type { RankingGroups } from "@/lib/domain";
import type { ChatMessage } from "@/lib/datasets/conversation";

/** External annotators (named in imported or generated data) get accounts that cannot sign in, under this domain. */
export const EXTERNAL_EMAIL_DOMAIN = "external.invalid";

export function externalAnnotatorEmail(annotator: string): string {
  return `${annotator}@${EXTERNAL_EMAIL_DOMAIN}`;
}

/** The account of an external annotator: found by the name it was given, or created. */
export function ensureExternalAnnotator(db: Db, name: string): { id: number; created: boolean } {
  const email = externalAnnotatorEmail(name);
  const existing = db.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.email, email)).get();
  if (existing) return { id: existing.id, created: false };
  const created = db
    .insert(schema.users)
    .values({ email, name, role: "annotator", external: true, passwordHash: null })
    .returning({ id: schema.users.id })
    .get();
  return { id: created.id, created: true };
}

export type NewDataset = {
  slug: string;
  name: string;
  guidelines: string;
  responsesPerPrompt: number;
  annotationsPerPrompt: number;
  synthetic?: boolean;
  /** Filled by an import and invisible until it lands (lib/datasets/import-staging.ts). */
  importStaging?: boolean;
};

export function insertDataset(db: Db, dataset: NewDataset) {
  return db.insert(schema.datasets).values(dataset).returning().get();
}

/** Makes an import's staging dataset the dataset it was filled for. */
export function publishStagingDataset(db: Db, stagingDatasetId: number, slug: string): void {
  db.update(schema.datasets).set({ slug, importStaging: false }).where(eq(schema.datasets.id, stagingDatasetId)).run();
}

/**
 * Moves prompts of an import's staging dataset into the target (up to `limit`, lowest ids first;
 * all by default), with their responses and annotations. The queue's counts follow by trigger;
 * prompt_stats rows are re-keyed and marked stale so that the target's aggregates are recomputed
 * with them. Returns how many moved.
 */
export function moveStagedPrompts(db: Db, stagingDatasetId: number, targetDatasetId: number, limit = -1): number {
  const sqlite = db.$client;
  const ids = JSON.stringify(
    sqlite
      .prepare("select id from prompts where dataset_id = ? order by id limit ?")
      .pluck()
      .all(stagingDatasetId, limit),
  );
  const moved = sqlite
    .prepare("update prompts set dataset_id = ? where id in (select value from json_each(?))")
    .run(targetDatasetId, ids).changes;
  sqlite
    .prepare("update prompt_stats set dataset_id = ?, stale = 1 where prompt_id in (select value from json_each(?))")
    .run(targetDatasetId, ids);
  sqlite
    .prepare("delete from annotation_agreement where dataset_id = ? and prompt_id in (select value from json_each(?))")
    .run(stagingDatasetId, ids);
  return moved;
}

/** Deletes up to `limit` prompts of a dataset (responses and annotations go with them); returns how many. */
export function deleteSomePrompts(db: Db, datasetId: number, limit: number): number {
  return db.$client
    .prepare("delete from prompts where id in (select id from prompts where dataset_id = ? limit ?)")
    .run(datasetId, limit).changes;
}

/** Deletes a dataset row and what cascades from it; delete its prompts first (deleteSomePrompts) when there are many. */
export function deleteDataset(db: Db, datasetId: number): void {
  db.delete(schema.datasets).where(eq(schema.datasets.id, datasetId)).run();
}

export type NewPrompt = {
  externalId: string;
  /** For a conversation, its transcript (lib/datasets/conversation.ts storedPrompt). */
  text: string;
  messages?: ChatMessage[] | null;
  openness?: number | null;
  metadata?: Record<string, unknown> | null;
  /** In display position order. */
  responses: { externalId: string; text: string; embedding?: number[] | null }[];
};

/** Stores a prompt and its responses; returns the prompt's id and each response's id by external id. */
export function insertPrompt(
  db: Db,
  datasetId: number,
  prompt: NewPrompt,
): { promptId: number; responseIds: Map<string, number> } {
  // Prepared once per connection: an import stores hundreds of thousands of these.
  const statements = promptStatements(db);
  const promptId = Number(
    statements.prompt.run(
      datasetId,
      prompt.externalId,
      prompt.text,
      prompt.messages ? JSON.stringify(prompt.messages) : null,
      prompt.openness ?? null,
      prompt.metadata == null ? null : JSON.stringify(prompt.metadata),
    ).lastInsertRowid,
  );
  const responseIds = new Map<string, number>();
  prompt.responses.forEach((r, position) => {
    const embedding = r.embedding == null ? null : JSON.stringify(r.embedding);
    const { lastInsertRowid } = statements.response.run(promptId, position, r.externalId, r.text, embedding);
    responseIds.set(r.externalId, Number(lastInsertRowid));
  });
  return { promptId, responseIds };
}

const preparedPromptStatements = new WeakMap<Db["$client"], ReturnType<typeof preparePromptStatements>>();

function preparePromptStatements(sqlite: Db["$client"]) {
  return {
    prompt: sqlite.prepare(
      "insert into prompts (dataset_id, external_id, text, messages, openness, metadata) values (?, ?, ?, ?, ?, ?)",
    ),
    response: sqlite.prepare(
      "insert into responses (prompt_id, position, external_id, text, embedding) values (?, ?, ?, ?, ?)",
    ),
  };
}

function promptStatements(db: Db) {
  let statements = preparedPromptStatements.get(db.$client);
  if (!statements) preparedPromptStatements.set(db.$client, (statements = preparePromptStatements(db.$client)));
  return statements;
}

export type AnnotationVersion = {
  /** Groups of response ids, best first. Ignored (stored empty) when the annotation is not rankable. */
  ranking: RankingGroups;
  openness: number | null;
  notRankable: boolean;
  notRankableReason?: string | null;
  comment?: string | null;
  durationMs?: number | null;
  /** When this version was made; now unless the data says (imports, the seed). */
  createdAt?: Date;
  updatedAt?: Date;
};

export type Annotation = typeof schema.annotations.$inferSelect;
export type AnnotationWrite = { annotation: Annotation; outcome: "created" | "updated" | "unchanged" };

/** What a version is stored as: a not-rankable annotation keeps no ranking, an empty comment is none. */
export function storedValues(version: AnnotationVersion) {
  return {
    ranking: version.notRankable ? [] : version.ranking,
    openness: version.openness,
    notRankable: version.notRankable,
    notRankableReason: version.notRankable ? (version.notRankableReason ?? null) : null,
    comment: version.comment ? version.comment : null,
    durationMs: version.durationMs ?? null,
  };
}

export function storedAnnotation(db: Db, promptId: number, annotatorId: number): Annotation | undefined {
  return db
    .select()
    .from(schema.annotations)
    .where(and(eq(schema.annotations.promptId, promptId), eq(schema.annotations.annotatorId, annotatorId)))
    .get();
}

/** Whether writing `version` over `existing` would store the same content (dates aside). */
export function hasSameContent(existing: Annotation, version: AnnotationVersion): boolean {
  const values = storedValues(version);
  return (
    JSON.stringify(existing.ranking) === JSON.stringify(values.ranking) &&
    existing.openness === values.openness &&
    existing.notRankable === values.notRankable &&
    existing.notRankableReason === values.notRankableReason &&
    existing.comment === values.comment &&
    existing.durationMs === values.durationMs
  );
}

/** The annotation_revisions row that keeps a stored version when a new one replaces it. */
export function revisionOf(existing: Annotation) {
  return {
    annotationId: existing.id,
    ranking: existing.ranking,
    openness: existing.openness,
    notRankable: existing.notRankable,
    notRankableReason: existing.notRankableReason,
    comment: existing.comment,
    durationMs: existing.durationMs,
    versionAt: existing.updatedAt,
  };
}

/** When a new version replacing `existing` is dated: newer than it, even when the data dates it earlier. */
export function replacedAt(existing: Annotation, version: AnnotationVersion): Date {
  return new Date(Math.max((version.updatedAt ?? new Date()).getTime(), existing.updatedAt.getTime() + 1));
}

/**
 * Stores an annotator's version of their annotation of a prompt. A first version inserts; a later
 * one copies the stored version to annotation_revisions, then replaces it. The same content again
 * changes nothing when `sameContent` is "keep" (re-importing a file); an annotator's resubmission
 * ("revise") is a new version even so, since review decisions are about versions. A not-rankable
 * annotation has no ranking, whatever it was sent with, so that no consumer mistakes it for a judgement.
 */
export function writeAnnotation(
  db: Db,
  promptId: number,
  annotatorId: number,
  version: AnnotationVersion,
  sameContent: "keep" | "revise" = "keep",
): AnnotationWrite {
  const values = storedValues(version);
  const existing = storedAnnotation(db, promptId, annotatorId);
  if (!existing) {
    const at = version.createdAt ?? new Date();
    const annotation = db
      .insert(schema.annotations)
      .values({ promptId, annotatorId, ...values, createdAt: at, updatedAt: version.updatedAt ?? at })
      .returning()
      .get();
    return { annotation, outcome: "created" };
  }
  if (sameContent === "keep" && hasSameContent(existing, version))
    return { annotation: existing, outcome: "unchanged" };
  db.insert(schema.annotationRevisions).values(revisionOf(existing)).run();
  const annotation = db
    .update(schema.annotations)
    .set({ ...values, updatedAt: replacedAt(existing, version) })
    .where(eq(schema.annotations.id, existing.id))
    .returning()
    .get();
  return { annotation, outcome: "updated" };
}
