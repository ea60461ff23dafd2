import { sql, type SQL } from "drizzle-orm";
import { reviewStateSql } from "@/db/store/review";
import {
  promptPageSteps,
  type AnnotationForStats,
  type AnnotatorStatsRow,
  type PromptListDialect,
  type PromptListQuery,
  type PromptListSteps,
  type StatsStore,
} from "@/db/store/stats";
import { likePattern } from "@/lib/datasets/prompt-search";
import type { PgExecutor } from "./executor";
import { allRows } from "./rows";

/**
 * PostgreSQL's prompt list: text through the pg_trgm indexes as a case-insensitive substring of
 * the text or the id (what FTS5's trigram table matches on SQLite), a list of ids as an array.
 */
const POSTGRES_PROMPT_LIST: PromptListDialect = {
  textMatch: (_datasetId, words) => ({
    condition:
      "ps.prompt_id in (select id from prompts where dataset_id = @datasetId and (text ilike @words or external_id ilike @words))",
    params: { words: likePattern(words) },
  }),
  idLike: "ilike",
  pageIds: { condition: "p.id = any(@ids)", value: (ids) => ids },
};

/**
 * A prompt-list statement with its `@name` parameters bound. Each is cast by its value's kind, so
 * that a hand-edited cursor (a fraction against an integer column, an id past int4) compares as
 * it does on SQLite instead of failing to bind.
 */
function boundQuery({ text, params }: PromptListQuery): SQL {
  const parts = text.split(/@(\w+)/);
  const chunks: SQL[] = [];
  parts.forEach((part, i) => {
    if (i % 2 === 0) {
      chunks.push(sql.raw(part));
      return;
    }
    const value = params[part];
    if (value === undefined) throw new Error(`The prompt list's statement names @${part} without a value.`);
    const type = Array.isArray(value)
      ? "bigint[]"
      : typeof value === "string"
        ? "text"
        : Number.isInteger(value)
          ? "bigint"
          : "float8";
    chunks.push(sql`${sql.param(value)}::${sql.raw(type)}`);
  });
  return sql.join(chunks);
}

async function runOnPostgres<R>(db: PgExecutor, steps: PromptListSteps<R>): Promise<R> {
  let step = steps.next();
  while (!step.done) step = steps.next((await db.execute(boundQuery(step.value))).rows);
  return step.value;
}

/** The stats store on PostgreSQL: db/store/stats.ts's statements in PostgreSQL's dialect, row for row. */
export function postgresStatsStore(db: PgExecutor): StatsStore {
  const ids = (promptIds: readonly number[]) => sql`${sql.param([...promptIds])}::int[]`;
  return {
    staleIds: async (datasetId, limit) =>
      (
        await allRows<{ prompt_id: number }>(
          db,
          sql`select prompt_id from prompt_stats where dataset_id = ${datasetId} and stale order by prompt_id limit ${limit}`,
        )
      ).map((r) => r.prompt_id),
    staleCount: async (datasetId) =>
      (
        await allRows<{ n: number }>(
          db,
          sql`select count(*)::int as n from prompt_stats where dataset_id = ${datasetId} and stale`,
        )
      )[0]!.n,
    annotationsForStats: async (promptIds) =>
      allRows<AnnotationForStats>(
        db,
        sql`select a.id, a.prompt_id, a.annotator_id, a.ranking::text as ranking, a.openness,
            a.not_rankable::int as not_rankable, a.comment, a.duration_ms, ${sql.raw(reviewStateSql("a"))} as review_state
     from annotations a where a.prompt_id = any(${ids(promptIds)}) order by a.prompt_id, a.id`,
      ),
    importedOpenness: async (promptIds) =>
      allRows<{ id: number; openness: number | null; gold: number }>(
        db,
        sql`select id, openness, (gold is not null)::int as gold from prompts where id = any(${ids(promptIds)}) order by id`,
      ),
    clearAgreement: async (promptIds) => {
      await db.execute(sql`delete from annotation_agreement where prompt_id = any(${ids(promptIds)})`);
    },
    addAgreement: async (r) => {
      await db.execute(
        sql`insert into annotation_agreement (annotation_id, prompt_id, dataset_id, annotator_id, tau, duration_ms)
     values (${r.annotationId}, ${r.promptId}, ${r.datasetId}, ${r.annotatorId}, ${nullForNaN(r.tau)}, ${r.durationMs})`,
      );
    },
    writePromptStats: async (v) => {
      await db.execute(
        sql`update prompt_stats set stale = false, annotations = ${v.annotations}, rankings = ${v.rankings},
       kendall_w = ${nullForNaN(v.kendallW)}, mean_tau_b = ${nullForNaN(v.meanTauB)},
       mean_openness = ${nullForNaN(v.meanOpenness)}, openness = ${nullForNaN(v.openness)},
       not_rankable = ${v.notRankable}, commented = ${v.commented},
       review_pending = ${v.pending}, review_accepted = ${v.accepted}, review_rejected = ${v.rejected},
       review_sent_back = ${v.sentBack}, alpha_count = ${v.alphaCount}, alpha_sum = ${nullForNaN(v.alphaSum)},
       alpha_sum_squares = ${nullForNaN(v.alphaSumSquares)}, alpha_within = ${nullForNaN(v.alphaWithin)}
     where prompt_id = ${v.promptId}`,
      );
    },
    bumpVersion: async (datasetId) => {
      await db.execute(
        sql`insert into stats_versions (dataset_id, version) values (${datasetId}, 1)
     on conflict (dataset_id) do update set version = stats_versions.version + 1`,
      );
    },
    version: async (datasetId) =>
      (
        await allRows<{ version: number }>(db, sql`select version from stats_versions where dataset_id = ${datasetId}`)
      )[0]?.version ?? 0,
    datasetStats: async (datasetId) =>
      (
        await allRows<NonNullable<Awaited<ReturnType<StatsStore["datasetStats"]>>>>(
          db,
          sql`select dataset_id as "datasetId", prompts, stale, w_count as "wCount", w_sum as "wSum",
              alpha_count as "alphaCount", alpha_sum as "alphaSum", alpha_sum_squares as "alphaSumSquares",
              alpha_within as "alphaWithin", alpha_units as "alphaUnits", review_pending as "reviewPending",
              review_accepted as "reviewAccepted", review_rejected as "reviewRejected",
              review_sent_back as "reviewSentBack"
       from dataset_stats where dataset_id = ${datasetId}`,
        )
      )[0] ?? null,
    flaggedCount: async (datasetId, belowW) =>
      (
        await allRows<{ n: number }>(
          db,
          sql`select count(*)::int as n from prompt_stats where dataset_id = ${datasetId} and kendall_w < ${belowW}`,
        )
      )[0]!.n,
    fill: async (datasetId, target) =>
      (
        await allRows<{ annotations: number | null; complete: number | null }>(
          db,
          // sum() of integers is a bigint, which pg hands over as a string; float8 holds these exactly.
          sql`select sum(prompts * annotation_count)::float8 as annotations,
                sum(case when annotation_count >= ${target} then prompts end)::float8 as complete
       from dataset_fill where dataset_id = ${datasetId}`,
        )
      )[0]!,
    annotatorCount: async (datasetId) =>
      (
        await allRows<{ n: number }>(
          db,
          sql`select count(*)::int as n from dataset_annotators where dataset_id = ${datasetId} and annotations > 0`,
        )
      )[0]!.n,
    bins: async (datasetId, metric) =>
      allRows<{ bin: number; n: number }>(
        db,
        sql`select bin, prompts as n from stats_bins where dataset_id = ${datasetId} and metric = ${metric} order by bin`,
      ),
    annotatorRows: async (datasetId) =>
      allRows<AnnotatorStatsRow>(
        db,
        sql`select da.annotator_id as id, u.name, u.email, u.external::int as external, da.annotations, da.compared,
              da.tau_sum, da.durations
       from dataset_annotators da join users u on u.id = da.annotator_id
       where da.dataset_id = ${datasetId} and da.annotations > 0 order by da.annotator_id`,
      ),
    nthDuration: async (datasetId, annotatorId, offset) =>
      (
        await allRows<{ d: number }>(
          db,
          sql`select duration_ms as d from annotation_agreement
     where dataset_id = ${datasetId} and annotator_id = ${annotatorId} and duration_ms is not null
     order by duration_ms limit 1 offset ${offset}`,
        )
      )[0]?.d ?? null,
    promptPage: async (datasetId, search, text, lowW, pageSize) =>
      runOnPostgres(db, promptPageSteps(POSTGRES_PROMPT_LIST, datasetId, search, text, lowW, pageSize)),
    annotators: async (datasetId) =>
      allRows<{ id: number; name: string }>(
        db,
        // Byte order, as SQLite's BINARY collation sorts. (An output name inside an expression would
        // read as the column u.name here, so the expression is spelled out.)
        sql`select u.id, coalesce(nullif(u.name, ''), u.email) as name from users u
       where u.id in (select annotator_id from annotation_agreement where dataset_id = ${datasetId})
       order by coalesce(nullif(u.name, ''), u.email) collate "C", u.id`,
      ),
    nextPendingReview: async (datasetId, afterId) => {
      const after = await allRows<{ id: number }>(
        db,
        sql`select prompt_id as id from prompt_stats where dataset_id = ${datasetId} and review_pending > 0 and prompt_id > ${afterId} order by prompt_id limit 1`,
      );
      const first = after.length
        ? after
        : await allRows<{ id: number }>(
            db,
            sql`select prompt_id as id from prompt_stats where dataset_id = ${datasetId} and review_pending > 0 order by prompt_id limit 1`,
          );
      return first[0]?.id ?? null;
    },
  };
}

/** SQLite stores a NaN written to a REAL as NULL; raw statements here do the same (db/pg/schema.ts's double does it for the builder). */
function nullForNaN(value: number | null): number | null {
  return value !== null && Number.isNaN(value) ? null : value;
}
