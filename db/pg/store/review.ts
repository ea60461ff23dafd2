import { sql, type SQL } from "drizzle-orm";
import type { ReviewRow, ReviewStore } from "../../store/review";
import type { ReviewDecision } from "@/lib/domain";
import type { PgExecutor } from "./executor";
import { epochMs } from "./time";

type RawReview = {
  id: number;
  annotation_id: number;
  reviewer_id: number;
  reviewer: string;
  decision: ReviewDecision;
  comment: string | null;
  version_at: number;
  created_at: number;
};

function toReview(r: RawReview): ReviewRow {
  return {
    id: r.id,
    annotationId: r.annotation_id,
    reviewerId: r.reviewer_id,
    reviewer: r.reviewer,
    decision: r.decision,
    comment: r.comment,
    versionAt: new Date(r.version_at),
    createdAt: new Date(r.created_at),
  };
}

const REVIEW_COLUMNS = sql`r.id, r.annotation_id, r.reviewer_id, coalesce(nullif(u.name, ''), u.email) as reviewer,
  r.decision, r.comment, ${epochMs("r.version_at")} as version_at, ${epochMs("r.created_at")} as created_at`;

export function postgresReviewStore(db: PgExecutor): ReviewStore {
  /** Decisions about the annotations matching `where` (on alias a), oldest first, by annotation id. */
  const reviewsByAnnotation = async (where: SQL) => {
    const { rows } = await db.execute<RawReview>(
      sql`select ${REVIEW_COLUMNS} from annotations a
        join annotation_reviews r on r.annotation_id = a.id join users u on u.id = r.reviewer_id
        where ${where} order by r.id`,
    );
    const byAnnotation = new Map<number, ReviewRow[]>();
    for (const row of rows.map(toReview)) {
      const list = byAnnotation.get(row.annotationId) ?? [];
      list.push(row);
      byAnnotation.set(row.annotationId, list);
    }
    return byAnnotation;
  };
  return {
    async annotation(annotationId) {
      const { rows } = await db.execute<{ prompt_id: number; annotator_id: number; updated_at: number }>(
        sql`select prompt_id, annotator_id, ${epochMs("updated_at")} as updated_at from annotations where id = ${annotationId}`,
      );
      const row = rows[0];
      return row ? { promptId: row.prompt_id, annotatorId: row.annotator_id, updatedAt: row.updated_at } : null;
    },
    async addDecision(annotationId, reviewerId, decision, comment, versionAt) {
      const { rows } = await db.execute<RawReview>(
        sql`with added as (
            insert into annotation_reviews (annotation_id, reviewer_id, decision, comment, version_at)
            values (${annotationId}, ${reviewerId}, ${decision}, ${comment}, ${new Date(versionAt)}) returning *)
          select ${REVIEW_COLUMNS} from added r join users u on u.id = r.reviewer_id`,
      );
      return toReview(rows[0]!);
    },
    byPrompt: (promptId) => reviewsByAnnotation(sql`a.prompt_id = ${promptId}`),
    byAnnotations: async (annotationIds) =>
      annotationIds.length
        ? reviewsByAnnotation(sql`a.id = any(${sql.param([...annotationIds])}::int[])`)
        : new Map<number, ReviewRow[]>(),
    async sentBack(datasetId, annotatorId) {
      const { rows } = await db.execute<{
        annotation_id: number;
        prompt_id: number;
        reviewer: string;
        comment: string | null;
        created_at: number;
      }>(
        sql`select a.id as annotation_id, a.prompt_id, coalesce(nullif(u.name, ''), u.email) as reviewer, r.comment,
          ${epochMs("r.created_at")} as created_at
          from annotations a
          join prompts p on p.id = a.prompt_id
          join annotation_reviews r on r.id = (
            select r2.id from annotation_reviews r2
            where r2.annotation_id = a.id and r2.version_at = a.updated_at order by r2.id desc limit 1)
          join users u on u.id = r.reviewer_id
          where a.annotator_id = ${annotatorId} and p.dataset_id = ${datasetId} and r.decision = 'send_back'
          order by r.id`,
      );
      return rows.map((r) => ({
        annotationId: r.annotation_id,
        promptId: r.prompt_id,
        reviewer: r.reviewer,
        comment: r.comment,
        sentBackAt: new Date(r.created_at),
      }));
    },
    async revisionCounts(promptId) {
      const { rows } = await db.execute<{ id: number; n: number }>(
        sql`select a.id, count(r.id)::int as n from annotations a join annotation_revisions r on r.annotation_id = a.id
          where a.prompt_id = ${promptId} group by a.id`,
      );
      return new Map(rows.map((r) => [r.id, r.n]));
    },
  };
}
