import type { Db } from "../index";
import type { ReviewDecision } from "@/lib/domain";
import type { Synchronous } from "./transaction";

/**
 * SQL for the current review state of the annotation aliased `alias`: the last decision about its
 * current version, or 'pending'. One index lookup (annotation_reviews_annotation).
 */
export function reviewStateSql(alias: string): string {
  return `coalesce((select case r.decision when 'accept' then 'accepted' when 'reject' then 'rejected' else 'sent_back' end
    from annotation_reviews r where r.annotation_id = ${alias}.id and r.version_at = ${alias}.updated_at
    order by r.id desc limit 1), 'pending')`;
}

/** SQL condition: the annotation aliased `alias` has been accepted in its current version. */
export function acceptedSql(alias: string): string {
  return `${reviewStateSql(alias)} = 'accepted'`;
}

export type ReviewRow = {
  id: number;
  annotationId: number;
  reviewerId: number;
  reviewer: string;
  decision: ReviewDecision;
  comment: string | null;
  versionAt: Date;
  createdAt: Date;
};

export type SentBackRow = {
  annotationId: number;
  promptId: number;
  reviewer: string;
  comment: string | null;
  sentBackAt: Date;
};

/** An annotation's current version as review sees it (updatedAt in epoch ms). */
export type ReviewedVersion = { promptId: number; annotatorId: number; updatedAt: number };

/** Review decisions (append-only) and what the workflow reads of annotations. */
export interface ReviewStore {
  annotation(annotationId: number): Promise<ReviewedVersion | null>;
  /** Records a decision about the annotation's version `versionAt` (ms); returns it as stored. */
  addDecision(
    annotationId: number,
    reviewerId: number,
    decision: ReviewDecision,
    comment: string | null,
    versionAt: number,
  ): Promise<ReviewRow>;
  /** Decisions about a prompt's annotations, these annotations, or one, oldest first, by annotation id. */
  byPrompt(promptId: number): Promise<Map<number, ReviewRow[]>>;
  byAnnotations(annotationIds: readonly number[]): Promise<Map<number, ReviewRow[]>>;
  /** The annotator's annotations of the dataset whose current version's last decision sends them back, oldest first. */
  sentBack(datasetId: number, annotatorId: number): Promise<SentBackRow[]>;
  /** How many times each of a prompt's annotations was revised. */
  revisionCounts(promptId: number): Promise<Map<number, number>>;
}

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

const REVIEW_COLUMNS = `r.id, r.annotation_id, r.reviewer_id, coalesce(nullif(u.name, ''), u.email) as reviewer,
  r.decision, r.comment, r.version_at, r.created_at`;

export function sqliteReviewStore(db: Db) {
  const sqlite = db.$client;
  /** Decisions about the annotations matching `where` (on alias a), oldest first, by annotation id. */
  const reviewsByAnnotation = (where: string, param: number | string) => {
    const rows = sqlite
      .prepare<[number | string], RawReview>(
        `select ${REVIEW_COLUMNS} from annotations a
       join annotation_reviews r on r.annotation_id = a.id join users u on u.id = r.reviewer_id
       where ${where} order by r.id`,
      )
      .all(param);
    const byAnnotation = new Map<number, ReviewRow[]>();
    for (const row of rows.map(toReview)) {
      const list = byAnnotation.get(row.annotationId) ?? [];
      list.push(row);
      byAnnotation.set(row.annotationId, list);
    }
    return byAnnotation;
  };
  return {
    annotation(annotationId: number) {
      const row = sqlite
        .prepare<[number], { prompt_id: number; annotator_id: number; updated_at: number }>(
          "select prompt_id, annotator_id, updated_at from annotations where id = ?",
        )
        .get(annotationId);
      return row ? { promptId: row.prompt_id, annotatorId: row.annotator_id, updatedAt: row.updated_at } : null;
    },
    addDecision(
      annotationId: number,
      reviewerId: number,
      decision: ReviewDecision,
      comment: string | null,
      versionAt: number,
    ) {
      const { id } = sqlite
        .prepare<[number, number, string, string | null, number], { id: number }>(
          "insert into annotation_reviews (annotation_id, reviewer_id, decision, comment, version_at) values (?, ?, ?, ?, ?) returning id",
        )
        .get(annotationId, reviewerId, decision, comment, versionAt)!;
      return toReview(
        sqlite
          .prepare<[number], RawReview>(
            `select ${REVIEW_COLUMNS} from annotation_reviews r join users u on u.id = r.reviewer_id where r.id = ?`,
          )
          .get(id)!,
      );
    },
    byPrompt: (promptId: number) => reviewsByAnnotation("a.prompt_id = ?", promptId),
    // The ids go as one JSON parameter.
    byAnnotations: (annotationIds: readonly number[]) =>
      annotationIds.length
        ? reviewsByAnnotation("a.id in (select value from json_each(?))", JSON.stringify(annotationIds))
        : new Map<number, ReviewRow[]>(),
    sentBack: (datasetId: number, annotatorId: number) =>
      sqlite
        .prepare<
          [number, number],
          { annotation_id: number; prompt_id: number; reviewer: string; comment: string | null; created_at: number }
        >(
          `select a.id as annotation_id, a.prompt_id, coalesce(nullif(u.name, ''), u.email) as reviewer, r.comment, r.created_at
       from annotations a
       join prompts p on p.id = a.prompt_id
       join annotation_reviews r on r.id = (
         select r2.id from annotation_reviews r2
         where r2.annotation_id = a.id and r2.version_at = a.updated_at order by r2.id desc limit 1)
       join users u on u.id = r.reviewer_id
       where a.annotator_id = ? and p.dataset_id = ? and r.decision = 'send_back'
       order by r.id`,
        )
        .all(annotatorId, datasetId)
        .map((r) => ({
          annotationId: r.annotation_id,
          promptId: r.prompt_id,
          reviewer: r.reviewer,
          comment: r.comment,
          sentBackAt: new Date(r.created_at),
        })),
    revisionCounts: (promptId: number) =>
      new Map(
        sqlite
          .prepare<[number], { id: number; n: number }>(
            `select a.id, count(r.id) as n from annotations a join annotation_revisions r on r.annotation_id = a.id
       where a.prompt_id = ? group by a.id`,
          )
          .all(promptId)
          .map((r) => [r.id, r.n]),
      ),
  } satisfies Synchronous<ReviewStore>;
}
