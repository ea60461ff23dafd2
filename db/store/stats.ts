import type { Db, schema } from "../index";
import type { StoredAnnotation } from "../stored-rows";
import type { ReviewState } from "@/lib/annotations/review-states";
import type { PromptSearch, PromptSort } from "@/lib/datasets/prompt-search";
import type { StatsHistogramMetric } from "@/lib/datasets/prompt-stats";
import { reviewStateSql } from "./review";
import type { Synchronous } from "./transaction";

/** An annotation as the agreement refresh reads it. */
export type AnnotationForStats = Pick<
  StoredAnnotation,
  "id" | "prompt_id" | "annotator_id" | "ranking" | "openness" | "not_rankable" | "comment" | "duration_ms"
> & { review_state: ReviewState };

/** A prompt's recomputed agreement row (prompt_stats). */
export type PromptStatsValues = {
  promptId: number;
  annotations: number;
  rankings: number;
  kendallW: number | null;
  meanTauB: number | null;
  meanOpenness: number | null;
  openness: number | null;
  notRankable: number;
  commented: number;
  pending: number;
  accepted: number;
  rejected: number;
  sentBack: number;
  alphaCount: number;
  alphaSum: number;
  alphaSumSquares: number;
  alphaWithin: number;
};

export type AnnotationAgreementRow = {
  annotationId: number;
  promptId: number;
  datasetId: number;
  annotatorId: number;
  tau: number | null;
  durationMs: number | null;
};

export type AnnotatorStatsRow = {
  id: number;
  name: string;
  email: string;
  external: number;
  annotations: number;
  compared: number;
  tau_sum: number;
  durations: number;
};

/** Where a row stands in a sort: the sorted value (none for id order) and the prompt id that breaks ties. */
export type SortKey = { value: number | null; id: number };

/** What the prompt list matches on a prompt's text: its words (trigram index), or a LIKE pattern on its id. */
export type TextMatch = { words: string } | { externalIdLike: string };

export type PromptPageRow = {
  id: number;
  external_id: string;
  /** The first 300 characters. */
  text: string;
  annotations: number;
  rankings: number;
  kendall_w: number | null;
  mean_tau_b: number | null;
  openness: number | null;
  not_rankable: number;
  review_pending: number;
  review_accepted: number;
  review_rejected: number;
  review_sent_back: number;
};

/** One page of the prompt list, in order, with the real total and the cursors of its neighbours. */
export type PromptPageRows = {
  rows: PromptPageRow[];
  total: number;
  page: number;
  /** The cursors of the next and previous pages (null at either end). */
  next: string | null;
  previous: string | null;
};

/**
 * Per-prompt agreement (prompt_stats, annotation_agreement) and the dataset aggregates the
 * triggers keep (dataset_stats, dataset_fill, dataset_annotators, stats_bins), and the prompt list
 * searched over them. What the numbers mean is lib/datasets/prompt-stats.ts's.
 */
export interface StatsStore {
  /** Up to `limit` of the dataset's prompts whose stats are stale. */
  staleIds(datasetId: number, limit: number): Promise<number[]>;
  staleCount(datasetId: number): Promise<number>;
  /** These prompts' annotations with their review state, by prompt then id. */
  annotationsForStats(promptIds: readonly number[]): Promise<AnnotationForStats[]>;
  /** These prompts' imported openness, and whether each is a gold (check) prompt (1) or not (0). */
  importedOpenness(promptIds: readonly number[]): Promise<{ id: number; openness: number | null; gold: number }[]>;
  /** Forgets these prompts' per-annotation agreement. */
  clearAgreement(promptIds: readonly number[]): Promise<void>;
  addAgreement(row: AnnotationAgreementRow): Promise<void>;
  /** Stores a prompt's recomputed stats (no longer stale). */
  writePromptStats(values: PromptStatsValues): Promise<void>;
  /** Marks that the dataset's stats changed (statsVersion). */
  bumpVersion(datasetId: number): Promise<void>;
  version(datasetId: number): Promise<number>;
  /** The dataset's maintained totals, or null before it has any. */
  datasetStats(datasetId: number): Promise<typeof schema.datasetStats.$inferSelect | null>;
  /** Prompts whose W is below `belowW`. */
  flaggedCount(datasetId: number, belowW: number): Promise<number>;
  /** Annotations, and prompts with at least `target` of them. */
  fill(datasetId: number, target: number): Promise<{ annotations: number | null; complete: number | null }>;
  /** People with at least one annotation in the dataset. */
  annotatorCount(datasetId: number): Promise<number>;
  /** A histogram's stored bin counts. */
  bins(datasetId: number, metric: StatsHistogramMetric): Promise<{ bin: number; n: number }[]>;
  annotatorRows(datasetId: number): Promise<AnnotatorStatsRow[]>;
  /** The annotator's `offset`-th shortest recorded duration in the dataset (ms), or null. */
  nthDuration(datasetId: number, annotatorId: number, offset: number): Promise<number | null>;
  /** One page of the dataset's prompts matching the search (`text` replaces search.q). */
  promptPage(
    datasetId: number,
    search: PromptSearch,
    text: TextMatch | null,
    lowW: number,
    pageSize: number,
  ): Promise<PromptPageRows>;
  /** The dataset's annotators (id and display name), for the annotator filter. */
  annotators(datasetId: number): Promise<{ id: number; name: string }[]>;
  /** The first prompt after `afterId` (else the first) with an annotation waiting for review. */
  nextPendingReview(datasetId: number, afterId: number): Promise<number | null>;
}

const REVIEW_COLUMN: Record<ReviewState, string> = {
  pending: "ps.review_pending",
  accepted: "ps.review_accepted",
  rejected: "ps.review_rejected",
  sent_back: "ps.review_sent_back",
};

const ORDER: Record<PromptSort, string> = {
  id: "ps.prompt_id",
  // Least agreement first; prompts without a W (fewer than two rankings) last.
  w: "ps.kendall_w is null, ps.kendall_w, ps.prompt_id",
  "-w": "ps.kendall_w is null, ps.kendall_w desc, ps.prompt_id",
  rankings: "ps.rankings desc, ps.prompt_id",
};

/** An FTS5 trigram phrase: the text as one quoted string, so nothing in it is query syntax. */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** Statement parameters by name (`@name` in the text). */
export type PromptListParams = Record<string, number | string | number[]>;

/** One statement of the prompt list: its text, with parameters named `@name`, and their values. */
export type PromptListQuery = { text: string; params: PromptListParams };

/**
 * The prompt list's statements as a sequence: each step yields a statement and receives its rows,
 * and the last returns the page. Each backend runs the same sequence its own way (SQLite at once,
 * PostgreSQL awaiting each statement), so paging and cursors are written once.
 */
export type PromptListSteps<R> = Generator<PromptListQuery, R, Record<string, unknown>[]>;

/** What the prompt list's statements say differently on each backend; the rest of their text is shared. */
export type PromptListDialect = {
  /** The condition on `ps` for prompts whose text or id contains `words`, and its parameters. */
  textMatch(datasetId: number, words: string): { condition: string; params: PromptListParams };
  /** The operator matching an id against a LIKE pattern, folding ASCII case as SQLite's `like` does. */
  idLike: "like" | "ilike";
  /** The condition that `p.id` is in the list parameter `@ids`, and that parameter's value. */
  pageIds: { condition: string; value(ids: number[]): number[] | string };
};

/** SQLite's prompt list: FTS5's trigram table for text, json_each for a list of ids. */
const SQLITE_PROMPT_LIST: PromptListDialect = {
  textMatch: (_datasetId, words) => ({
    condition: "ps.prompt_id in (select rowid from prompts_fts where prompts_fts match @fts)",
    params: { fts: ftsPhrase(words) },
  }),
  idLike: "like",
  pageIds: { condition: "p.id in (select value from json_each(@ids))", value: (ids) => JSON.stringify(ids) },
};

type SortSpec = { column: string | null; descending: boolean; nullsLast: boolean };
const SORT_SPEC: Record<PromptSort, SortSpec> = {
  id: { column: null, descending: false, nullsLast: false },
  w: { column: "ps.kendall_w", descending: false, nullsLast: true },
  "-w": { column: "ps.kendall_w", descending: true, nullsLast: true },
  rankings: { column: "ps.rankings", descending: true, nullsLast: false },
};

/** ORDER read backwards, for the page before a cursor. */
const REVERSED: Record<PromptSort, string> = {
  id: "ps.prompt_id desc",
  w: "ps.kendall_w is null desc, ps.kendall_w desc, ps.prompt_id desc",
  "-w": "ps.kendall_w is null desc, ps.kendall_w, ps.prompt_id desc",
  rankings: "ps.rankings, ps.prompt_id desc",
};

function cursorOf(sort: PromptSort, key: SortKey): string {
  return SORT_SPEC[sort].column ? `${key.value ?? "null"}~${key.id}` : String(key.id);
}

/** A cursor of this sort, or null for one of another sort (a hand-edited URL): the list then starts over. */
function parseCursor(sort: PromptSort, cursor: string): SortKey | null {
  const [value, id] = cursor.includes("~") ? cursor.split("~") : [undefined, cursor];
  if (SORT_SPEC[sort].column === null) return value === undefined ? { value: null, id: Number(id) } : null;
  if (value === undefined) return null;
  if (value === "null") return SORT_SPEC[sort].nullsLast ? { value: null, id: Number(id) } : null;
  const number = Number(value);
  return Number.isFinite(number) ? { value: number, id: Number(id) } : null;
}

/**
 * The stretches of the sort after (or before) a cursor, in order, each a condition an index can
 * seek to (prompt_stats_dataset, prompt_stats_sort_*): rows with the cursor's value and a later
 * id, then rows with a later value, then (sorting by W) the prompts without a W. (`= false` and
 * `= true` read the same on both backends; SQLite takes them as 0 and 1.)
 */
function stretches(sort: PromptSort, key: SortKey, forward: boolean): string[] {
  const { column, descending, nullsLast } = SORT_SPEC[sort];
  const laterId = forward ? ">" : "<";
  if (column === null) return [`ps.prompt_id ${laterId} @cursorId`];
  const known = nullsLast ? `(${column} is null) = false and ` : "";
  const unknown = `(${column} is null) = true`;
  const laterValue = forward !== descending ? ">" : "<";
  if (key.value === null)
    return forward
      ? [`${unknown} and ps.prompt_id > @cursorId`]
      : [`${unknown} and ps.prompt_id < @cursorId`, `${known}${column} is not null`];
  const list = [
    `${known}${column} = @cursorValue and ps.prompt_id ${laterId} @cursorId`,
    `${known}${column} ${laterValue} @cursorValue`,
  ];
  if (nullsLast && forward) list.push(unknown);
  return list;
}

/** The queries, in order, that read the rows after (or before) a cursor; parameters @cursorValue, @cursorId, @limit. */
export function cursorQueries(from: string, sort: PromptSort, cursor: SortKey, forward: boolean): string[] {
  const value = SORT_SPEC[sort].column ?? "null";
  return stretches(sort, cursor, forward).map((where) => {
    const { column, descending } = SORT_SPEC[sort];
    // Within the prompts that have a value, the order is (value, id): the sort's own index, walked either way.
    // (Among equal values, and among prompts without one, too: the index's order is the same there.)
    const order =
      column === null
        ? `ps.prompt_id${forward ? "" : " desc"}`
        : `${column}${forward === descending ? " desc" : ""}, ps.prompt_id${forward ? "" : " desc"}`;
    return `select ps.prompt_id as id, ${value} as value ${from} and ${where} order by ${order} limit @limit`;
  });
}

/**
 * The keys of the page to show. After or before a cursor, a walk from it along the sort's index
 * (its cost does not grow with how deep the page is); otherwise the page number as an OFFSET (a
 * jump, or page 1). The page number shown comes with the cursor; at either end it is the real one.
 */
function* pageOfKeys(
  from: string,
  params: PromptListParams,
  search: PromptSearch,
  pageSize: number,
  total: number,
): PromptListSteps<{ keys: SortKey[]; page: number; hasNext: boolean; hasPrevious: boolean }> {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const sort = search.sort ?? "id";
  const value = SORT_SPEC[sort].column ?? "null";
  const select = `select ps.prompt_id as id, ${value} as value ${from}`;
  const cursorText = search.after ?? search.before;
  const cursor = cursorText === undefined ? null : parseCursor(sort, cursorText);
  const page = Math.min(search.page ?? 1, search.after || search.before ? pages : Number.MAX_SAFE_INTEGER);
  if (cursor) {
    const forward = search.after !== undefined;
    const keys: SortKey[] = [];
    for (const text of cursorQueries(from, sort, cursor, forward)) {
      if (keys.length > pageSize) break;
      keys.push(
        ...((yield {
          text,
          params: { ...params, cursorValue: cursor.value ?? 0, cursorId: cursor.id, limit: pageSize + 1 - keys.length },
        }) as SortKey[]),
      );
    }
    const more = keys.length > pageSize;
    const shown = keys.slice(0, pageSize);
    // Nothing after it (the rows it pointed past were deleted): the last page.
    if (forward && shown.length === 0)
      return yield* pageOfKeys(from, params, { ...search, after: undefined, page: pages }, pageSize, total);
    if (forward) return { keys: shown, page: more ? page : pages, hasNext: more, hasPrevious: true };
    // Reached the start going back: page 1 in full, whatever the link said.
    if (!more) return yield* pageOfKeys(from, params, { ...search, before: undefined, page: 1 }, pageSize, total);
    return { keys: shown.reverse(), page: Math.max(2, page), hasNext: true, hasPrevious: true };
  }
  const offsetPage = search.page ?? 1;
  if (offsetPage === pages && pages > 1) {
    // The last page is the start of the sort read backwards: no OFFSET either.
    const last = (
      (yield {
        text: `${select} order by ${REVERSED[sort]} limit @limit`,
        params: { ...params, limit: total - (pages - 1) * pageSize },
      }) as SortKey[]
    ).reverse();
    return { keys: last, page: pages, hasNext: false, hasPrevious: true };
  }
  const keys = (yield {
    text: `${select} order by ${ORDER[sort]} limit @limit offset @offset`,
    params: { ...params, limit: pageSize + 1, offset: (offsetPage - 1) * pageSize },
  }) as SortKey[];
  return {
    keys: keys.slice(0, pageSize),
    page: offsetPage,
    hasNext: keys.length > pageSize,
    hasPrevious: offsetPage > 1 && keys.length > 0,
  };
}

/**
 * One page of a dataset's prompts matching the search; a page past the end is empty, with the real
 * total. Filtering, counting and paging run on prompt_stats (narrow rows, indexed by dataset and by
 * each sort); text goes through the trigram index, an id query through prompts' (dataset, external
 * id) index. Only the page's prompts are then read from prompts.
 */
export function* promptPageSteps(
  dialect: PromptListDialect,
  datasetId: number,
  search: PromptSearch,
  text: TextMatch | null,
  lowW: number,
  pageSize: number,
): PromptListSteps<PromptPageRows> {
  const where = ["ps.dataset_id = @datasetId"];
  const params: PromptListParams = { datasetId, low: lowW };
  if (text && "words" in text) {
    const match = dialect.textMatch(datasetId, text.words);
    where.push(match.condition);
    Object.assign(params, match.params);
  } else if (text) {
    where.push(
      `ps.prompt_id in (select id from prompts where dataset_id = @datasetId and external_id ${dialect.idLike} @externalId escape '\\')`,
    );
    params.externalId = text.externalIdLike;
  }
  if (search.open_min !== undefined) {
    where.push("ps.openness >= @openMin");
    params.openMin = search.open_min;
  }
  if (search.open_max !== undefined) {
    where.push("ps.openness <= @openMax");
    params.openMax = search.open_max;
  }
  if (search.agreement === "low") where.push("ps.kendall_w < @low");
  if (search.agreement === "ok") where.push("ps.kendall_w >= @low");
  if (search.agreement === "none") where.push("ps.kendall_w is null");
  if (search.flag === "not_rankable") where.push("ps.not_rankable > 0");
  if (search.flag === "commented") where.push("ps.commented > 0");
  if (search.flag === "unannotated") where.push("ps.annotations = 0");
  if (search.annotator) {
    where.push("ps.prompt_id in (select a.prompt_id from annotations a where a.annotator_id = @annotator)");
    params.annotator = search.annotator;
  }
  if (search.review) where.push(`${REVIEW_COLUMN[search.review]} > 0`);

  const from = `from prompt_stats ps where ${where.join(" and ")}`;
  const sort = search.sort ?? "id";
  // Unfiltered, the total is the dataset's maintained prompt count rather than a count of 200,000 rows.
  const counted =
    where.length === 1
      ? yield { text: "select prompts as n from dataset_stats where dataset_id = @datasetId", params: { datasetId } }
      : yield { text: `select count(*) as n ${from}`, params };
  const total = Number(counted[0]?.n ?? 0);
  const window = yield* pageOfKeys(from, params, search, pageSize, total);
  const ids = window.keys.map((k) => k.id);
  const rows = (yield {
    // Only the first 300 characters of a prompt travel to the page.
    text: `select p.id, p.external_id, substr(p.text, 1, 300) as text, ps.annotations, ps.rankings, ps.kendall_w,
              ps.mean_tau_b, ps.openness, ps.not_rankable, ps.review_pending, ps.review_accepted,
              ps.review_rejected, ps.review_sent_back
       from prompts p join prompt_stats ps on ps.prompt_id = p.id
       where ${dialect.pageIds.condition}`,
    params: { ids: dialect.pageIds.value(ids) },
  }) as PromptPageRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    rows: ids.flatMap((id) => byId.get(id) ?? []),
    total,
    page: window.page,
    next: window.hasNext ? cursorOf(sort, window.keys.at(-1)!) : null,
    previous: window.hasPrevious ? cursorOf(sort, window.keys[0]!) : null,
  };
}

/** Runs the prompt list's statements on SQLite, one after the other, at once. */
function runOnSqlite<R>(sqlite: Db["$client"], steps: PromptListSteps<R>): R {
  let step = steps.next();
  while (!step.done)
    step = steps.next(
      sqlite.prepare<PromptListParams, Record<string, unknown>>(step.value.text).all(step.value.params),
    );
  return step.value;
}

export function sqliteStatsStore(db: Db) {
  const sqlite = db.$client;
  return {
    staleIds: (datasetId: number, limit: number) =>
      sqlite
        .prepare<[number, number], { prompt_id: number }>(
          "select prompt_id from prompt_stats where dataset_id = ? and stale = 1 order by prompt_id limit ?",
        )
        .all(datasetId, limit)
        .map((r) => r.prompt_id),
    staleCount: (datasetId: number) =>
      sqlite
        .prepare<[number], { n: number }>("select count(*) as n from prompt_stats where dataset_id = ? and stale = 1")
        .get(datasetId)!.n,
    annotationsForStats: (promptIds: readonly number[]) =>
      sqlite
        .prepare<[string], AnnotationForStats>(
          `select a.id, a.prompt_id, a.annotator_id, a.ranking, a.openness, a.not_rankable, a.comment, a.duration_ms,
            ${reviewStateSql("a")} as review_state
     from annotations a where a.prompt_id in (select value from json_each(?)) order by a.prompt_id, a.id`,
        )
        .all(JSON.stringify(promptIds)),
    importedOpenness: (promptIds: readonly number[]) =>
      sqlite
        .prepare<[string], { id: number; openness: number | null; gold: number }>(
          "select id, openness, gold is not null as gold from prompts where id in (select value from json_each(?)) order by id",
        )
        .all(JSON.stringify(promptIds)),
    clearAgreement: (promptIds: readonly number[]) => {
      sqlite
        .prepare("delete from annotation_agreement where prompt_id in (select value from json_each(?))")
        .run(JSON.stringify(promptIds));
    },
    addAgreement: (r: AnnotationAgreementRow) => {
      sqlite
        .prepare(
          `insert into annotation_agreement (annotation_id, prompt_id, dataset_id, annotator_id, tau, duration_ms)
     values (?, ?, ?, ?, ?, ?)`,
        )
        .run(r.annotationId, r.promptId, r.datasetId, r.annotatorId, r.tau, r.durationMs);
    },
    writePromptStats: (values: PromptStatsValues) => {
      sqlite
        .prepare(
          `update prompt_stats set stale = 0, annotations = @annotations, rankings = @rankings, kendall_w = @kendallW,
       mean_tau_b = @meanTauB, mean_openness = @meanOpenness, openness = @openness, not_rankable = @notRankable,
       commented = @commented,
       review_pending = @pending, review_accepted = @accepted, review_rejected = @rejected, review_sent_back = @sentBack,
       alpha_count = @alphaCount, alpha_sum = @alphaSum, alpha_sum_squares = @alphaSumSquares, alpha_within = @alphaWithin
     where prompt_id = @promptId`,
        )
        .run(values);
    },
    bumpVersion: (datasetId: number) => {
      sqlite
        .prepare(
          `insert into stats_versions (dataset_id, version) values (?, 1)
     on conflict (dataset_id) do update set version = version + 1`,
        )
        .run(datasetId);
    },
    version: (datasetId: number) =>
      sqlite
        .prepare<[number], { version: number }>("select version from stats_versions where dataset_id = ?")
        .get(datasetId)?.version ?? 0,
    datasetStats: (datasetId: number) =>
      sqlite
        .prepare<[number], typeof schema.datasetStats.$inferSelect>(
          `select dataset_id as datasetId, prompts, stale, w_count as wCount, w_sum as wSum, alpha_count as alphaCount,
              alpha_sum as alphaSum, alpha_sum_squares as alphaSumSquares, alpha_within as alphaWithin,
              alpha_units as alphaUnits, review_pending as reviewPending, review_accepted as reviewAccepted,
              review_rejected as reviewRejected, review_sent_back as reviewSentBack
       from dataset_stats where dataset_id = ?`,
        )
        .get(datasetId) ?? null,
    // An index range over the flagged prompts only (prompt_stats_dataset_w).
    flaggedCount: (datasetId: number, belowW: number) =>
      sqlite
        .prepare<[number, number], { n: number }>(
          "select count(*) as n from prompt_stats where dataset_id = ? and kendall_w < ?",
        )
        .get(datasetId, belowW)!.n,
    fill: (datasetId: number, target: number) =>
      sqlite
        .prepare<[number, number], { annotations: number | null; complete: number | null }>(
          `select sum(prompts * annotation_count) as annotations, sum(case when annotation_count >= ? then prompts end) as complete
       from dataset_fill where dataset_id = ?`,
        )
        .get(target, datasetId)!,
    annotatorCount: (datasetId: number) =>
      sqlite
        .prepare<[number], { n: number }>(
          "select count(*) as n from dataset_annotators where dataset_id = ? and annotations > 0",
        )
        .get(datasetId)!.n,
    bins: (datasetId: number, metric: StatsHistogramMetric) =>
      sqlite
        .prepare<[number, string], { bin: number; n: number }>(
          "select bin, prompts as n from stats_bins where dataset_id = ? and metric = ? order by bin",
        )
        .all(datasetId, metric),
    annotatorRows: (datasetId: number) =>
      sqlite
        .prepare<[number], AnnotatorStatsRow>(
          `select da.annotator_id as id, u.name, u.email, u.external, da.annotations, da.compared, da.tau_sum, da.durations
       from dataset_annotators da join users u on u.id = da.annotator_id
       where da.dataset_id = ? and da.annotations > 0 order by da.annotator_id`,
        )
        .all(datasetId),
    nthDuration: (datasetId: number, annotatorId: number, offset: number) =>
      sqlite
        .prepare<[number, number, number], { d: number }>(
          `select duration_ms as d from annotation_agreement
     where dataset_id = ? and annotator_id = ? and duration_ms is not null order by duration_ms limit 1 offset ?`,
        )
        .get(datasetId, annotatorId, offset)?.d ?? null,
    promptPage: (datasetId: number, search: PromptSearch, text: TextMatch | null, lowW: number, pageSize: number) =>
      runOnSqlite(sqlite, promptPageSteps(SQLITE_PROMPT_LIST, datasetId, search, text, lowW, pageSize)),
    annotators: (datasetId: number) =>
      sqlite
        .prepare<[number], { id: number; name: string }>(
          `select u.id, coalesce(nullif(u.name, ''), u.email) as name from users u
       where u.id in (select annotator_id from annotation_agreement where dataset_id = ?) order by name, u.id`,
        )
        .all(datasetId),
    nextPendingReview: (datasetId: number, afterId: number) => {
      const row =
        sqlite
          .prepare<[number, number], { id: number }>(
            "select prompt_id as id from prompt_stats where dataset_id = ? and review_pending > 0 and prompt_id > ? order by prompt_id limit 1",
          )
          .get(datasetId, afterId) ??
        sqlite
          .prepare<[number], { id: number }>(
            "select prompt_id as id from prompt_stats where dataset_id = ? and review_pending > 0 order by prompt_id limit 1",
          )
          .get(datasetId);
      return row?.id ?? null;
    },
  } satisfies Synchronous<StatsStore>;
}
