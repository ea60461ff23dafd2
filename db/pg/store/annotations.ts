/**
 * Annotations as annotators write and read them, on PostgreSQL: db/store/annotations.ts's
 * statements, and db/store/writer.ts's annotation writer (revisions, the not-rankable rule) over
 * this backend. The write rule's facts are read and the annotation written in the caller's serial
 * transaction: two annotators submitting for a prompt's last slot both read it free and both
 * insert, and the second's trigger update of prompts.annotation_count fails it as a serialization
 * failure, retried on a snapshot where the slot is taken.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { AnnotationKey, AnnotationStore, WriteFacts } from "@/db/store/annotations";
import {
  hasSameContent,
  replacedAt,
  revisionOf,
  storedValues,
  type Annotation,
  type AnnotationVersion,
  type AnnotationWrite,
} from "@/db/store/writer";
import { schema } from "../index";
import type { PgExecutor } from "./executor";
import { insertRows, updateRows } from "./many-rows";
import { firstRow } from "./rows";
import { visibleDatasetCondition, visibleDatasetText } from "./visible";

async function storedAnnotation(db: PgExecutor, promptId: number, annotatorId: number): Promise<Annotation | null> {
  const [row] = await db
    .select()
    .from(schema.annotations)
    .where(and(eq(schema.annotations.promptId, promptId), eq(schema.annotations.annotatorId, annotatorId)));
  return row ?? null;
}

/** db/store/writer.ts's writeAnnotation on PostgreSQL (see it for the rules). */
async function writeAnnotation(
  db: PgExecutor,
  promptId: number,
  annotatorId: number,
  version: AnnotationVersion,
  sameContent: "keep" | "revise",
): Promise<AnnotationWrite> {
  const values = storedValues(version);
  const existing = await storedAnnotation(db, promptId, annotatorId);
  if (!existing) {
    const at = version.createdAt ?? new Date();
    const [annotation] = await db
      .insert(schema.annotations)
      .values({ promptId, annotatorId, ...values, createdAt: at, updatedAt: version.updatedAt ?? at })
      .returning();
    return { annotation: annotation!, outcome: "created" };
  }
  if (sameContent === "keep" && hasSameContent(existing, version))
    return { annotation: existing, outcome: "unchanged" };
  await db.insert(schema.annotationRevisions).values(revisionOf(existing));
  const [annotation] = await db
    .update(schema.annotations)
    .set({ ...values, updatedAt: replacedAt(existing, version) })
    .where(eq(schema.annotations.id, existing.id))
    .returning();
  return { annotation: annotation!, outcome: "updated" };
}

/** The stored annotations of those of these pairs that have one, in one statement. */
function storedAnnotations(db: PgExecutor, keys: readonly AnnotationKey[]): Promise<Annotation[]> {
  if (!keys.length) return Promise.resolve([]);
  const { annotations } = schema;
  return db
    .select()
    .from(annotations)
    .where(
      sql`(${annotations.promptId}, ${annotations.annotatorId}) in (select * from unnest(${sql.param(keys.map((k) => k.promptId))}::int[], ${sql.param(keys.map((k) => k.annotatorId))}::int[]))`,
    );
}

/**
 * writeAnnotation for many pairs (no two the same), in a few statements whatever their number:
 * the stored versions are read at once, then the first versions inserted, the replaced ones kept
 * as revisions and the new ones written over them, each at once.
 */
async function writeAnnotations(
  db: PgExecutor,
  writes: readonly (AnnotationKey & { version: AnnotationVersion })[],
  sameContent: "keep" | "revise",
): Promise<AnnotationWrite["outcome"][]> {
  const keyOf = (k: AnnotationKey) => `${k.promptId}:${k.annotatorId}`;
  const stored = new Map((await storedAnnotations(db, writes)).map((a) => [keyOf(a), a]));
  const outcomes = writes.map(({ version, ...key }): AnnotationWrite["outcome"] => {
    const existing = stored.get(keyOf(key));
    if (!existing) return "created";
    return sameContent === "keep" && hasSameContent(existing, version) ? "unchanged" : "updated";
  });
  const first = writes.filter((_, i) => outcomes[i] === "created");
  await insertRows(
    db,
    schema.annotations,
    [
      "promptId",
      "annotatorId",
      "ranking",
      "openness",
      "notRankable",
      "notRankableReason",
      "comment",
      "durationMs",
      "createdAt",
      "updatedAt",
    ],
    first.map(({ promptId, annotatorId, version }) => {
      const at = version.createdAt ?? new Date();
      return { promptId, annotatorId, ...storedValues(version), createdAt: at, updatedAt: version.updatedAt ?? at };
    }),
  );
  const replaced = writes.flatMap((w, i) =>
    outcomes[i] === "updated" ? [{ existing: stored.get(keyOf(w))!, version: w.version }] : [],
  );
  await insertRows(
    db,
    schema.annotationRevisions,
    ["annotationId", "ranking", "openness", "notRankable", "notRankableReason", "comment", "durationMs", "versionAt"],
    replaced.map(({ existing }) => revisionOf(existing)),
  );
  await updateRows(
    db,
    schema.annotations,
    ["ranking", "openness", "notRankable", "notRankableReason", "comment", "durationMs", "updatedAt"],
    replaced.map(({ existing, version }) => ({
      id: existing.id,
      promptId: existing.promptId,
      annotatorId: existing.annotatorId,
      ...storedValues(version),
      updatedAt: replacedAt(existing, version),
    })),
  );
  return outcomes;
}

const revisionCount = sql<number>`(select count(*)::int from annotation_revisions r where r.annotation_id = ${schema.annotations.id})`;

export function postgresAnnotationStore(db: PgExecutor): AnnotationStore {
  return {
    async visiblePrompt(promptId) {
      const [row] = await db
        .select({ id: schema.prompts.id, datasetId: schema.prompts.datasetId })
        .from(schema.prompts)
        .innerJoin(schema.datasets, eq(schema.datasets.id, schema.prompts.datasetId))
        .where(and(eq(schema.prompts.id, promptId), visibleDatasetCondition));
      return row ?? null;
    },
    async existingResponses(responseIds) {
      if (!responseIds.length) return [];
      const rows = await db
        .select({ id: schema.responses.id })
        .from(schema.responses)
        .where(inArray(schema.responses.id, [...responseIds]))
        .orderBy(schema.responses.id);
      return rows.map((r) => r.id);
    },
    async writeFacts(promptId, annotatorId, atMs): Promise<WriteFacts | null> {
      const at = new Date(atMs);
      const row = await firstRow<WriteFacts>(
        db,
        sql`
    select d.synthetic as synthetic, d.annotations_per_prompt as k,
      (p.annotation_count + (
        select count(*) from assignments s
        where s.prompt_id = p.id and s.annotator_id != ${annotatorId} and not s.skipped and s.leased_until > ${at}
      ))::int as taken,
      exists (select 1 from annotations a where a.prompt_id = p.id and a.annotator_id = ${annotatorId}) as mine,
      exists (
        select 1 from assignments s
        where s.prompt_id = p.id and s.annotator_id = ${annotatorId} and not s.skipped and s.leased_until > ${at}
      ) as leased
    from prompts p join datasets d on d.id = p.dataset_id
    where p.id = ${promptId} and ${sql.raw(visibleDatasetText("d"))}`,
      );
      return row ?? null;
    },
    stored: (promptId, annotatorId) => storedAnnotation(db, promptId, annotatorId),
    write: (promptId, annotatorId, version, sameContent) =>
      writeAnnotation(db, promptId, annotatorId, version, sameContent),
    storedOf: (keys) => storedAnnotations(db, keys),
    writeAll: (writes, sameContent) => writeAnnotations(db, writes, sameContent),
    async ownPrompt(annotationId, annotatorId) {
      const [row] = await db
        .select({ promptId: schema.annotations.promptId })
        .from(schema.annotations)
        .where(and(eq(schema.annotations.id, annotationId), eq(schema.annotations.annotatorId, annotatorId)));
      return row?.promptId ?? null;
    },
    myPage(annotatorId, after, limit) {
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
          edits: revisionCount,
        })
        .from(annotations)
        .innerJoin(prompts, eq(prompts.id, annotations.promptId))
        .innerJoin(datasets, eq(datasets.id, prompts.datasetId))
        .where(
          after
            ? and(
                mine,
                sql`(${annotations.updatedAt}, ${annotations.id}) < (${new Date(after.updatedAt)}::timestamptz, ${after.id}::int)`,
              )
            : mine,
        )
        .orderBy(desc(annotations.updatedAt), desc(annotations.id))
        .limit(limit + 1);
    },
    // From the trigger-kept per-dataset counts, as on SQLite.
    async myTotal(annotatorId) {
      const row = await firstRow<{ n: number }>(
        db,
        sql`select coalesce(sum(da.annotations), 0)::int as n from dataset_annotators da
       join datasets d on d.id = da.dataset_id where da.annotator_id = ${annotatorId} and ${sql.raw(visibleDatasetText("d"))}`,
      );
      return row!.n;
    },
    async responsePositions(promptIds) {
      if (!promptIds.length) return [];
      return db
        .select({ id: schema.responses.id, promptId: schema.responses.promptId, position: schema.responses.position })
        .from(schema.responses)
        .where(inArray(schema.responses.promptId, [...promptIds]))
        .orderBy(schema.responses.id);
    },
    async mine(annotatorId, annotationId) {
      const [row] = await db
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
        );
      if (!row) return null;
      const [edits] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(schema.annotationRevisions)
        .where(eq(schema.annotationRevisions.annotationId, annotationId));
      return { ...row, edits: edits?.n ?? 0 };
    },
  };
}
