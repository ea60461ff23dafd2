/**
 * The PostgreSQL schema: db/schema.ts table by table, same table and column names, so that every
 * row type (`$inferSelect`) is the same on both backends (db/pg/schema.test.ts checks it). The
 * comments on what each table and column means live in db/schema.ts; here only how a column maps:
 * - SQLite's 8-byte REAL is `double precision` (PostgreSQL's `real` is 4 bytes), NaN written as NULL;
 * - booleans stored as 0/1 are `boolean`;
 * - epoch-millisecond integers are `timestamptz(3)`: the same instants to the millisecond, as Dates;
 * - JSON text is `json`, not `jsonb`: it keeps the text as written, so a user's metadata keeps its
 *   key order through an export, as on SQLite;
 * - integer ids are identity columns that, like AUTOINCREMENT, accept an explicit id.
 * The derived tables are kept by the triggers of migration 0002_derived_tables.sql, and prompt
 * search goes through pg_trgm indexes instead of SQLite's FTS5 table.
 */
import { relations, sql } from "drizzle-orm";
import {
  boolean,
  customType,
  index,
  integer,
  json,
  pgTable,
  type AnyPgColumn,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { QUEUE_ORDER_NAMES, RANKING_MODES, REVIEW_DECISIONS, ROLES, RUN_STATUSES } from "../../lib/domain";
import type { GoldAnswer, RankingGroups } from "../../lib/domain";
import * as sqlite from "../schema";

/** An instant stored to the millisecond, like the SQLite side's epoch milliseconds. */
const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: "date" });

/** Set by the database so rows written outside the app get it too. */
const createdAt = (name = "created_at") => instant(name).notNull().defaultNow();

const id = () => integer("id").primaryKey().generatedByDefaultAsIdentity();

/**
 * SQLite stores a NaN written to a REAL as NULL; PostgreSQL would keep it as NaN, which sorts above
 * every number and falls in a histogram's top bin. Written through drizzle, NaN is NULL here too.
 */
const double = customType<{ data: number; driverData: number | null }>({
  dataType: () => "double precision",
  toDriver: (value) => (Number.isNaN(value) ? null : value),
  fromDriver: (value) => Number(value),
});

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

export const users = pgTable("users", {
  id: id(),
  email: text("email").notNull().unique(),
  name: text("name").notNull(),
  passwordHash: text("password_hash"),
  role: text("role", { enum: ROLES }).notNull().default("annotator"),
  external: boolean("external").notNull().default(false),
  disabled: boolean("disabled").notNull().default(false),
  createdAt: createdAt(),
});

export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: instant("expires_at").notNull(),
    revokedAt: instant("revoked_at"),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

export const datasets = pgTable("datasets", {
  id: id(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  guidelines: text("guidelines").notNull().default(""),
  responsesPerPrompt: integer("responses_per_prompt").notNull().default(8),
  annotationsPerPrompt: integer("annotations_per_prompt").notNull().default(3),
  synthetic: boolean("synthetic").notNull().default(false),
  rankingMode: text("ranking_mode", { enum: RANKING_MODES }).notNull().default("ranking"),
  queueOrder: text("queue_order", { enum: QUEUE_ORDER_NAMES }).notNull().default("fill"),
  quality: json("quality").$type<Record<string, unknown>>().notNull().default({}),
  suggestionRunId: integer("suggestion_run_id").references((): AnyPgColumn => trainingRuns.id, {
    onDelete: "set null",
  }),
  queuePriorityVersion: text("queue_priority_version"),
  importStaging: boolean("import_staging").notNull().default(false),
  createdAt: createdAt(),
});

export const datasetImports = pgTable("dataset_imports", {
  stagingDatasetId: integer("staging_dataset_id")
    .primaryKey()
    .references(() => datasets.id, { onDelete: "cascade" }),
  targetDatasetId: integer("target_dataset_id"),
  targetSlug: text("target_slug").notNull(),
  ownerPid: integer("owner_pid").notNull(),
  owner: text("owner"),
  heartbeatAt: instant("heartbeat_at").notNull(),
  createdAnnotatorIds: json("created_annotator_ids").$type<number[]>().notNull(),
  startedAt: createdAt("started_at"),
  state: text("state", { enum: sqlite.datasetImports.state.enumValues }).notNull().default("staging"),
});

export const stagedAnnotations = pgTable(
  "staged_annotations",
  {
    id: id(),
    stagingDatasetId: integer("staging_dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    promptId: integer("prompt_id")
      .notNull()
      .references(() => prompts.id, { onDelete: "cascade" }),
    annotatorId: integer("annotator_id")
      .notNull()
      .references(() => users.id),
    version: json("version").$type<Record<string, unknown>>().notNull(),
  },
  (t) => [uniqueIndex("staged_annotations_prompt_annotator").on(t.stagingDatasetId, t.promptId, t.annotatorId)],
);

export const prompts = pgTable(
  "prompts",
  {
    id: id(),
    datasetId: integer("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    externalId: text("external_id").notNull(),
    text: text("text").notNull(),
    messages: json("messages").$type<{ role: "system" | "user" | "assistant"; content: string }[]>(),
    openness: double("openness"),
    metadata: json("metadata").$type<Record<string, unknown>>(),
    annotationCount: integer("annotation_count").notNull().default(0),
    queuePriority: double("queue_priority"),
    gold: json("gold").$type<GoldAnswer>(),
    createdAt: createdAt(),
  },
  (t) => [
    // NULLs sort first ascending and last descending on SQLite, the other way round here: the queue
    // hands out never-prioritised prompts first, so its queries say `queue_priority asc nulls first`
    // and this index matches them; descending keys are PostgreSQL's plain `desc` (nulls first).
    uniqueIndex("prompts_dataset_external_id").on(t.datasetId, t.externalId),
    index("prompts_queue").on(t.datasetId, t.annotationCount.desc().nullsFirst(), t.id),
    index("prompts_queue_least").on(t.datasetId, t.annotationCount, t.id),
    index("prompts_queue_priority").on(t.datasetId, t.queuePriority.asc().nullsFirst(), t.annotationCount, t.id),
    index("prompts_gold")
      .on(t.datasetId)
      .where(sql`${t.gold} is not null`),
    // Prompt search (SQLite's prompts_fts): substring ILIKE over text and external id, through trigrams.
    index("prompts_text_trgm").using("gin", t.text.op("gin_trgm_ops")),
    index("prompts_external_id_trgm").using("gin", t.externalId.op("gin_trgm_ops")),
  ],
);

export const datasetFill = pgTable(
  "dataset_fill",
  {
    datasetId: integer("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    annotationCount: integer("annotation_count").notNull(),
    prompts: integer("prompts").notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.annotationCount] })],
);

export const responses = pgTable(
  "responses",
  {
    id: id(),
    promptId: integer("prompt_id")
      .notNull()
      .references(() => prompts.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    externalId: text("external_id").notNull(),
    text: text("text").notNull(),
    embedding: json("embedding").$type<number[]>(),
  },
  (t) => [
    uniqueIndex("responses_prompt_position").on(t.promptId, t.position),
    uniqueIndex("responses_prompt_external_id").on(t.promptId, t.externalId),
  ],
);

export const annotations = pgTable(
  "annotations",
  {
    id: id(),
    promptId: integer("prompt_id")
      .notNull()
      .references(() => prompts.id, { onDelete: "cascade" }),
    annotatorId: integer("annotator_id")
      .notNull()
      .references(() => users.id),
    ranking: json("ranking").$type<RankingGroups>().notNull(),
    openness: double("openness"),
    notRankable: boolean("not_rankable").notNull().default(false),
    notRankableReason: text("not_rankable_reason"),
    comment: text("comment"),
    durationMs: integer("duration_ms"),
    suggestionRunId: integer("suggestion_run_id"),
    suggestedRanking: json("suggested_ranking").$type<RankingGroups>(),
    suggestionDistance: double("suggestion_distance"),
    createdAt: createdAt(),
    updatedAt: createdAt("updated_at"),
  },
  (t) => [
    uniqueIndex("annotations_prompt_annotator").on(t.promptId, t.annotatorId),
    index("annotations_annotator_recent").on(t.annotatorId, t.updatedAt, t.id),
  ],
);

export const annotationRevisions = pgTable(
  "annotation_revisions",
  {
    id: id(),
    annotationId: integer("annotation_id")
      .notNull()
      .references(() => annotations.id, { onDelete: "cascade" }),
    ranking: json("ranking").$type<RankingGroups>().notNull(),
    openness: double("openness"),
    notRankable: boolean("not_rankable").notNull(),
    notRankableReason: text("not_rankable_reason"),
    comment: text("comment"),
    durationMs: integer("duration_ms"),
    versionAt: instant("version_at").notNull(),
    revisedAt: createdAt("revised_at"),
  },
  (t) => [index("annotation_revisions_annotation").on(t.annotationId)],
);

export const annotationReviews = pgTable(
  "annotation_reviews",
  {
    id: id(),
    annotationId: integer("annotation_id")
      .notNull()
      .references(() => annotations.id, { onDelete: "cascade" }),
    reviewerId: integer("reviewer_id")
      .notNull()
      .references(() => users.id),
    decision: text("decision", { enum: REVIEW_DECISIONS }).notNull(),
    comment: text("comment"),
    versionAt: instant("version_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("annotation_reviews_annotation").on(t.annotationId, t.id),
    index("annotation_reviews_decision").on(t.decision),
  ],
);

export const promptStats = pgTable(
  "prompt_stats",
  {
    promptId: integer("prompt_id")
      .primaryKey()
      .references(() => prompts.id, { onDelete: "cascade" }),
    datasetId: integer("dataset_id").notNull(),
    stale: boolean("stale").notNull().default(true),
    annotations: integer("annotations").notNull().default(0),
    rankings: integer("rankings").notNull().default(0),
    kendallW: double("kendall_w"),
    meanTauB: double("mean_tau_b"),
    meanOpenness: double("mean_openness"),
    openness: double("openness"),
    notRankable: integer("not_rankable").notNull().default(0),
    commented: integer("commented").notNull().default(0),
    reviewPending: integer("review_pending").notNull().default(0),
    reviewAccepted: integer("review_accepted").notNull().default(0),
    reviewRejected: integer("review_rejected").notNull().default(0),
    reviewSentBack: integer("review_sent_back").notNull().default(0),
    alphaCount: integer("alpha_count").notNull().default(0),
    alphaSum: double("alpha_sum").notNull().default(0),
    alphaSumSquares: double("alpha_sum_squares").notNull().default(0),
    alphaWithin: double("alpha_within").notNull().default(0),
  },
  (t) => [
    index("prompt_stats_dataset_w").on(t.datasetId, t.kendallW),
    index("prompt_stats_sort_w").on(t.datasetId, sql`(${t.kendallW} is null)`, t.kendallW, t.promptId),
    index("prompt_stats_sort_w_desc").on(
      t.datasetId,
      sql`(${t.kendallW} is null)`,
      t.kendallW.desc().nullsFirst(),
      t.promptId,
    ),
    index("prompt_stats_sort_rankings").on(t.datasetId, t.rankings.desc().nullsFirst(), t.promptId),
    index("prompt_stats_dataset").on(t.datasetId),
    index("prompt_stats_stale")
      .on(t.datasetId)
      .where(sql`stale`),
    index("prompt_stats_review_pending")
      .on(t.datasetId, t.promptId)
      .where(sql`review_pending > 0`),
  ],
);

export const statsVersions = pgTable("stats_versions", {
  datasetId: integer("dataset_id")
    .primaryKey()
    .references(() => datasets.id, { onDelete: "cascade" }),
  version: integer("version").notNull().default(0),
});

export const datasetStats = pgTable("dataset_stats", {
  datasetId: integer("dataset_id")
    .primaryKey()
    .references(() => datasets.id, { onDelete: "cascade" }),
  prompts: integer("prompts").notNull().default(0),
  stale: integer("stale").notNull().default(0),
  wCount: integer("w_count").notNull().default(0),
  wSum: double("w_sum").notNull().default(0),
  alphaCount: integer("alpha_count").notNull().default(0),
  alphaSum: double("alpha_sum").notNull().default(0),
  alphaSumSquares: double("alpha_sum_squares").notNull().default(0),
  alphaWithin: double("alpha_within").notNull().default(0),
  alphaUnits: integer("alpha_units").notNull().default(0),
  reviewPending: integer("review_pending").notNull().default(0),
  reviewAccepted: integer("review_accepted").notNull().default(0),
  reviewRejected: integer("review_rejected").notNull().default(0),
  reviewSentBack: integer("review_sent_back").notNull().default(0),
  annotationChanges: integer("annotation_changes").notNull().default(0),
});

export const statsBins = pgTable(
  "stats_bins",
  {
    datasetId: integer("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    metric: text("metric", { enum: sqlite.statsBins.metric.enumValues }).notNull(),
    bin: integer("bin").notNull(),
    prompts: integer("prompts").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.metric, t.bin] })],
);

export const datasetAnnotators = pgTable(
  "dataset_annotators",
  {
    datasetId: integer("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    annotatorId: integer("annotator_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    annotations: integer("annotations").notNull().default(0),
    compared: integer("compared").notNull().default(0),
    tauSum: double("tau_sum").notNull().default(0),
    durations: integer("durations").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.annotatorId] })],
);

export const opennessEstimateSummaries = pgTable("openness_estimate_summaries", {
  datasetId: integer("dataset_id")
    .primaryKey()
    .references(() => datasets.id, { onDelete: "cascade" }),
  version: text("version").notNull(),
  taggedPrompts: integer("tagged_prompts").notNull(),
  tagSd: double("tag_sd").notNull(),
  unavailable: text("unavailable"),
  evaluation: json("evaluation"),
  computedAt: instant("computed_at").notNull(),
});

export const opennessEstimates = pgTable(
  "openness_estimates",
  {
    promptId: integer("prompt_id")
      .primaryKey()
      .references(() => prompts.id, { onDelete: "cascade" }),
    datasetId: integer("dataset_id").notNull(),
    estimate: double("estimate").notNull(),
    sd: double("sd").notNull(),
  },
  (t) => [index("openness_estimates_dataset").on(t.datasetId)],
);

export const annotationAgreement = pgTable(
  "annotation_agreement",
  {
    annotationId: integer("annotation_id")
      .primaryKey()
      .references(() => annotations.id, { onDelete: "cascade" }),
    promptId: integer("prompt_id").notNull(),
    datasetId: integer("dataset_id").notNull(),
    annotatorId: integer("annotator_id").notNull(),
    tau: double("tau"),
    durationMs: integer("duration_ms"),
  },
  (t) => [
    index("annotation_agreement_dataset_annotator").on(t.datasetId, t.annotatorId, t.durationMs),
    index("annotation_agreement_prompt").on(t.promptId),
  ],
);

export const annotatorPauses = pgTable(
  "annotator_pauses",
  {
    id: id(),
    datasetId: integer("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    annotatorId: integer("annotator_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    pausedAt: createdAt("paused_at"),
    resumedAt: instant("resumed_at"),
    resumedBy: integer("resumed_by").references(() => users.id),
  },
  (t) => [index("annotator_pauses_dataset_annotator").on(t.datasetId, t.annotatorId, t.resumedAt)],
);

export const assignments = pgTable(
  "assignments",
  {
    promptId: integer("prompt_id")
      .notNull()
      .references(() => prompts.id, { onDelete: "cascade" }),
    annotatorId: integer("annotator_id")
      .notNull()
      .references(() => users.id),
    leasedUntil: instant("leased_until").notNull(),
    skipped: boolean("skipped").notNull().default(false),
    skipReason: text("skip_reason"),
  },
  (t) => [
    primaryKey({ columns: [t.promptId, t.annotatorId] }),
    index("assignments_annotator").on(t.annotatorId, t.skipped, t.leasedUntil),
    index("assignments_live").on(t.skipped, t.leasedUntil),
  ],
);

export const trainingRuns = pgTable(
  "training_runs",
  {
    id: id(),
    datasetId: integer("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    name: text("name"),
    config: json("config").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: RUN_STATUSES }).notNull().default("queued"),
    progress: double("progress").notNull().default(0),
    error: text("error"),
    summary: json("summary").$type<Record<string, unknown>>(),
    weights: bytea("weights"),
    workerPid: integer("worker_pid"),
    heartbeatAt: instant("heartbeat_at"),
    cancelRequestedAt: instant("cancel_requested_at"),
    createdBy: integer("created_by").references(() => users.id),
    createdAt: createdAt(),
    startedAt: instant("started_at"),
    finishedAt: instant("finished_at"),
  },
  (t) => [index("training_runs_status").on(t.status)],
);

export const runMetrics = pgTable(
  "run_metrics",
  {
    runId: integer("run_id")
      .notNull()
      .references(() => trainingRuns.id, { onDelete: "cascade" }),
    step: integer("step").notNull(),
    split: text("split", { enum: sqlite.runMetrics.split.enumValues }).notNull(),
    loss: double("loss"),
    accuracy: double("accuracy"),
  },
  (t) => [primaryKey({ columns: [t.runId, t.step, t.split] })],
);

export const runRewards = pgTable(
  "run_rewards",
  {
    runId: integer("run_id")
      .notNull()
      .references(() => trainingRuns.id, { onDelete: "cascade" }),
    responseId: integer("response_id")
      .notNull()
      .references(() => responses.id, { onDelete: "cascade" }),
    split: text("split", { enum: sqlite.runRewards.split.enumValues }).notNull(),
    reward: double("reward").notNull(),
    openness: double("openness"),
  },
  (t) => [primaryKey({ columns: [t.runId, t.responseId] })],
);

export const apiTokens = pgTable("api_tokens", {
  id: id(),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id),
  name: text("name").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  prefix: text("prefix").notNull(),
  createdAt: createdAt(),
  lastUsedAt: instant("last_used_at"),
  revokedAt: instant("revoked_at"),
});

export const leases = pgTable(
  "leases",
  {
    name: text("name").primaryKey(),
    kind: text("kind", { enum: sqlite.leases.kind.enumValues }).notNull(),
    holder: text("holder").notNull(),
    acquiredAt: instant("acquired_at").notNull(),
    expiresAt: instant("expires_at").notNull(),
    releasedAt: instant("released_at"),
  },
  (t) => [index("leases_holder").on(t.holder), index("leases_kind_expires").on(t.kind, t.expiresAt)],
);

export const loginFailures = pgTable(
  "login_failures",
  {
    id: id(),
    key: text("key").notNull(),
    failedAt: instant("failed_at").notNull(),
  },
  (t) => [index("login_failures_key").on(t.key, t.failedAt), index("login_failures_time").on(t.failedAt)],
);

export const loginKnownAddresses = pgTable(
  "login_known_addresses",
  {
    account: text("account").notNull(),
    address: text("address").notNull(),
    signedInAt: instant("signed_in_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.account, t.address] })],
);

export const datasetsRelations = relations(datasets, ({ many }) => ({
  prompts: many(prompts),
  runs: many(trainingRuns),
}));
export const promptsRelations = relations(prompts, ({ one, many }) => ({
  dataset: one(datasets, { fields: [prompts.datasetId], references: [datasets.id] }),
  responses: many(responses),
  annotations: many(annotations),
}));
export const responsesRelations = relations(responses, ({ one }) => ({
  prompt: one(prompts, { fields: [responses.promptId], references: [prompts.id] }),
}));
export const annotationsRelations = relations(annotations, ({ one, many }) => ({
  prompt: one(prompts, { fields: [annotations.promptId], references: [prompts.id] }),
  annotator: one(users, { fields: [annotations.annotatorId], references: [users.id] }),
  revisions: many(annotationRevisions),
  reviews: many(annotationReviews),
}));
export const annotationReviewsRelations = relations(annotationReviews, ({ one }) => ({
  annotation: one(annotations, { fields: [annotationReviews.annotationId], references: [annotations.id] }),
  reviewer: one(users, { fields: [annotationReviews.reviewerId], references: [users.id] }),
}));
export const annotationRevisionsRelations = relations(annotationRevisions, ({ one }) => ({
  annotation: one(annotations, {
    fields: [annotationRevisions.annotationId],
    references: [annotations.id],
  }),
}));
export const trainingRunsRelations = relations(trainingRuns, ({ one }) => ({
  dataset: one(datasets, { fields: [trainingRuns.datasetId], references: [datasets.id] }),
}));
