import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { schema, type Db } from "../index";
import type { Synchronous } from "./transaction";
import { visibleDatasetCondition, visibleDatasetText } from "./visible";
import {
  storedAnnotation,
  writeAnnotation,
  type Annotation,
  type AnnotationVersion,
  type AnnotationWrite,
} from "./writer";

/** Whose annotation of which prompt. */
export type AnnotationKey = { promptId: number; annotatorId: number };

/** Where a page of "My annotations" starts: after the row with this version time (ms) and id, newest first. */
export type AnnotationCursor = { updatedAt: number; id: number };

export type MyAnnotationPageRow = {
  id: number;
  promptId: number;
  datasetSlug: string;
  datasetName: string;
  promptText: string;
  openness: number | null;
  notRankable: boolean;
  ranking: Annotation["ranking"];
  createdAt: Date;
  updatedAt: Date;
  edits: number;
};

export type MyAnnotationRows = {
  annotation: Annotation;
  prompt: typeof schema.prompts.$inferSelect;
  dataset: typeof schema.datasets.$inferSelect;
  edits: number;
};

/** What the rule for writing an annotation (lib/annotations/write-rule.ts) reads about a prompt, at time `at`. */
export type WriteFacts = {
  synthetic: boolean;
  /** The dataset's target k. */
  k: number;
  /** Its annotations plus other annotators' live leases. */
  taken: number;
  /** The annotator has an annotation of it. */
  mine: boolean;
  /** The annotator holds a live lease on it. */
  leased: boolean;
};

/** Annotations as annotators write and read them. */
export interface AnnotationStore {
  /** A prompt of a visible dataset, with its dataset. */
  visiblePrompt(promptId: number): Promise<{ id: number; datasetId: number } | null>;
  /** Which of these response ids exist. */
  existingResponses(responseIds: readonly number[]): Promise<number[]>;
  writeFacts(promptId: number, annotatorId: number, at: number): Promise<WriteFacts | null>;
  stored(promptId: number, annotatorId: number): Promise<Annotation | null>;
  /** The writer's writeAnnotation (db/store/writer.ts). */
  write(
    promptId: number,
    annotatorId: number,
    version: AnnotationVersion,
    sameContent: "keep" | "revise",
  ): Promise<AnnotationWrite>;
  /** The stored annotations of those of these (prompt, annotator) pairs that have one. */
  storedOf(keys: readonly AnnotationKey[]): Promise<Annotation[]>;
  /** write() for each of these (no two of the same pair), in order: each one's outcome. */
  writeAll(
    writes: readonly (AnnotationKey & { version: AnnotationVersion })[],
    sameContent: "keep" | "revise",
  ): Promise<AnnotationWrite["outcome"][]>;
  /** The prompt of the annotator's own annotation; null for anyone else's. */
  ownPrompt(annotationId: number, annotatorId: number): Promise<number | null>;
  /** One more row than `limit` of the annotator's annotations (visible datasets) after `after`, newest version first. */
  myPage(annotatorId: number, after: AnnotationCursor | undefined, limit: number): Promise<MyAnnotationPageRow[]>;
  /** How many annotations the annotator has in visible datasets. */
  myTotal(annotatorId: number): Promise<number>;
  responsePositions(promptIds: readonly number[]): Promise<{ id: number; promptId: number; position: number }[]>;
  /** One of the annotator's own annotations (visible datasets), with its prompt, dataset and revision count. */
  mine(annotatorId: number, annotationId: number): Promise<MyAnnotationRows | null>;
}

/** The rows of one page of "My annotations", read from the annotator's index (exported for its query-plan test). */
export function myAnnotationsPageQuery(
  db: Db,
  annotatorId: number,
  { after, limit }: { after?: AnnotationCursor; limit: number },
) {
  const { annotations, prompts, datasets } = schema;
  const mine = and(eq(annotations.annotatorId, annotatorId), visibleDatasetCondition);
  return db
    .select({
      id: annotations.id,
      promptId: annotations.promptId,
      datasetSlug: datasets.slug,
      datasetName: datasets.name,
      promptText: prompts.text,
      openness: annotations.openness,
      notRankable: annotations.notRankable,
      ranking: annotations.ranking,
      createdAt: annotations.createdAt,
      updatedAt: annotations.updatedAt,
      edits: sql<number>`(select count(*) from annotation_revisions r where r.annotation_id = ${annotations.id})`,
    })
    .from(annotations)
    .innerJoin(prompts, eq(prompts.id, annotations.promptId))
    .innerJoin(datasets, eq(datasets.id, prompts.datasetId))
    .where(
      after ? and(mine, sql`(${annotations.updatedAt}, ${annotations.id}) < (${after.updatedAt}, ${after.id})`) : mine,
    )
    .orderBy(desc(annotations.updatedAt), desc(annotations.id))
    .limit(limit + 1);
}

export function sqliteAnnotationStore(db: Db) {
  return {
    visiblePrompt: (promptId: number) =>
      db
        .select({ id: schema.prompts.id, datasetId: schema.prompts.datasetId })
        .from(schema.prompts)
        .innerJoin(schema.datasets, eq(schema.datasets.id, schema.prompts.datasetId))
        .where(and(eq(schema.prompts.id, promptId), visibleDatasetCondition))
        .get() ?? null,
    existingResponses: (responseIds: readonly number[]) =>
      responseIds.length
        ? db
            .select({ id: schema.responses.id })
            .from(schema.responses)
            .where(inArray(schema.responses.id, [...responseIds]))
            .orderBy(schema.responses.id)
            .all()
            .map((r) => r.id)
        : [],
    writeFacts(promptId: number, annotatorId: number, at: number): WriteFacts | null {
      const row = db.get<{ synthetic: number; k: number; taken: number; mine: number; leased: number } | undefined>(sql`
    select d.synthetic as synthetic, d.annotations_per_prompt as k,
      p.annotation_count + (
        select count(*) from assignments s
        where s.prompt_id = p.id and s.annotator_id != ${annotatorId} and s.skipped = 0 and s.leased_until > ${at}
      ) as taken,
      exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId}) as mine,
      exists (
        select 1 from assignments s
        where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and s.skipped = 0 and s.leased_until > ${at}
      ) as leased
    from prompts p join datasets d on d.id = p.dataset_id
    where p.id = ${promptId} and ${sql.raw(visibleDatasetText("d"))}`);
      if (!row) return null;
      return { synthetic: !!row.synthetic, k: row.k, taken: row.taken, mine: !!row.mine, leased: !!row.leased };
    },
    stored: (promptId: number, annotatorId: number) => storedAnnotation(db, promptId, annotatorId) ?? null,
    write: (promptId: number, annotatorId: number, version: AnnotationVersion, sameContent: "keep" | "revise") =>
      writeAnnotation(db, promptId, annotatorId, version, sameContent),
    storedOf: (keys: readonly AnnotationKey[]) =>
      keys.flatMap((key) => storedAnnotation(db, key.promptId, key.annotatorId) ?? []),
    writeAll: (writes: readonly (AnnotationKey & { version: AnnotationVersion })[], sameContent: "keep" | "revise") =>
      writes.map((w) => writeAnnotation(db, w.promptId, w.annotatorId, w.version, sameContent).outcome),
    ownPrompt: (annotationId: number, annotatorId: number) =>
      db
        .select({ promptId: schema.annotations.promptId })
        .from(schema.annotations)
        .where(and(eq(schema.annotations.id, annotationId), eq(schema.annotations.annotatorId, annotatorId)))
        .get()?.promptId ?? null,
    myPage: (annotatorId: number, after: AnnotationCursor | undefined, limit: number) =>
      myAnnotationsPageQuery(db, annotatorId, { after, limit })
        .all()
        .map((r) => ({ ...r, edits: Number(r.edits) })),
    // From the trigger-kept per-dataset counts: counting the rows would walk the whole history.
    myTotal: (annotatorId: number) =>
      db.$client
        .prepare<[number], number>(
          `select coalesce(sum(da.annotations), 0) from dataset_annotators da
       join datasets d on d.id = da.dataset_id where da.annotator_id = ? and ${visibleDatasetText("d")}`,
        )
        .pluck()
        .get(annotatorId)!,
    responsePositions: (promptIds: readonly number[]) =>
      promptIds.length
        ? db
            .select({
              id: schema.responses.id,
              promptId: schema.responses.promptId,
              position: schema.responses.position,
            })
            .from(schema.responses)
            .where(inArray(schema.responses.promptId, [...promptIds]))
            .orderBy(schema.responses.id)
            .all()
        : [],
    mine(annotatorId: number, annotationId: number) {
      const row = db
        .select({ annotation: schema.annotations, prompt: schema.prompts, dataset: schema.datasets })
        .from(schema.annotations)
        .innerJoin(schema.prompts, eq(schema.prompts.id, schema.annotations.promptId))
        .innerJoin(schema.datasets, eq(schema.datasets.id, schema.prompts.datasetId))
        .where(
          and(
            eq(schema.annotations.id, annotationId),
            eq(schema.annotations.annotatorId, annotatorId),
            visibleDatasetCondition,
          ),
        )
        .get();
      if (!row) return null;
      const edits = db
        .select({ n: sql<number>`count(*)` })
        .from(schema.annotationRevisions)
        .where(eq(schema.annotationRevisions.annotationId, annotationId))
        .get();
      return { ...row, edits: Number(edits?.n ?? 0) };
    },
  } satisfies Synchronous<AnnotationStore>;
}
