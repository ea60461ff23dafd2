import "server-only";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import type { Db } from "@/db";
import { AGREEMENT_THRESHOLDS } from "@/lib/datasets/queries";
import { REVIEW_STATES } from "@/lib/annotations/review";

/**
 * Search and filters over a dataset's prompts, in SQL over prompts + prompt_stats, one page at a
 * time. The filters come from the URL (so a filtered view can be shared) and are parsed here.
 */

export const PROMPT_PAGE_SIZE = 50;

export const AGREEMENT_FILTERS = ["low", "ok", "none"] as const;
export const FLAG_FILTERS = ["not_rankable", "commented", "unannotated"] as const;
export const PROMPT_SORTS = ["id", "w", "-w", "rankings"] as const;
export type PromptSort = (typeof PROMPT_SORTS)[number];

/** An empty or unknown value in the URL means "no filter", never an error page. */
const optional = <T extends z.ZodType>(schema: T) =>
  z
    .preprocess((v) => (v === "" || v === null ? undefined : Array.isArray(v) ? v[0] : v), schema.optional())
    .catch(undefined);

const openness = numeric(z.number().min(0).max(1));

/** `<prompt id>` (id order) or `<sort value or "null">~<prompt id>`: where a page ends, in the sort's terms. */
const CURSOR_PATTERN = /^(?:(?:null|-?\d{1,12}(?:\.\d{1,20})?(?:e-?\d{1,3})?)~)?\d{1,15}$/;

export const promptSearchSchema = z.object({
  q: optional(
    z
      .string()
      // Control characters are no text anyone searches for, and a NUL ends SQLite's full-text query early.
      .transform((v) =>
        Array.from(v, (ch) => (ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127 ? " " : ch))
          .join("")
          .trim(),
      )
      .pipe(z.string().max(200))
      .transform((v) => (v ? v : undefined)),
  ),
  open_min: optional(openness),
  open_max: optional(openness),
  agreement: optional(z.enum(AGREEMENT_FILTERS)),
  flag: optional(z.enum(FLAG_FILTERS)),
  annotator: optional(numeric(z.number().int().positive())),
  review: optional(z.enum(REVIEW_STATES)),
  sort: optional(z.enum(PROMPT_SORTS)),
  /** Which page the list is on: read as an OFFSET only for a jump, when no cursor says where to go on from. */
  page: optional(numeric(z.number().int().min(1).max(1_000_000))),
  /** The sort key of the row just before this page (the Next link) or just after it (Previous): see cursorOf. */
  after: optional(z.string().regex(CURSOR_PATTERN)),
  before: optional(z.string().regex(CURSOR_PATTERN)),
});
export type PromptSearch = z.infer<typeof promptSearchSchema>;

export function parsePromptSearch(params: Record<string, string | string[] | undefined>): PromptSearch {
  return promptSearchSchema.parse(params);
}

/** The URL query of a search (only the set fields), with `changes` applied; page and cursors reset unless given. */
export function promptSearchQuery(search: PromptSearch, changes: Partial<PromptSearch> = {}): string {
  const merged: PromptSearch = { ...search, page: undefined, after: undefined, before: undefined, ...changes };
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined || value === null || value === "") continue;
    if (key === "page" && value === 1) continue;
    if (key === "sort" && value === "id") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export function isFiltered(search: PromptSearch): boolean {
  return Boolean(
    search.q ||
    search.open_min !== undefined ||
    search.open_max !== undefined ||
    search.agreement ||
    search.flag ||
    search.annotator ||
    search.review,
  );
}

export type PromptListRow = {
  id: number;
  externalId: string;
  text: string;
  annotations: number;
  rankings: number;
  kendallW: number | null;
  meanTauB: number | null;
  /** The imported openness, else the mean of the annotators' tags. */
  openness: number | null;
  notRankable: number;
  review: { pending: number; accepted: number; rejected: number; sentBack: number };
  flagged: boolean;
};

export type PromptPage = {
  rows: PromptListRow[];
  /** Said above the list when the search was not what was typed (a query too short for text search). */
  notice: string | null;
  total: number;
  page: number;
  pages: number;
  pageSize: number;
  /** The cursors of the next and previous pages (null at either end): links go on from them without an OFFSET. */
  next: string | null;
  previous: string | null;
};

/** `%` and `_` in what a person typed are literal characters, not LIKE wildcards. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const REVIEW_COLUMN: Record<(typeof REVIEW_STATES)[number], string> = {
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

/** Text search needs trigrams: shorter queries match prompt ids only. */
export const MIN_TEXT_QUERY = 3;

/** An FTS5 trigram phrase: the text as one quoted string, so nothing in it is query syntax. */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

type Params = Record<string, number | string>;

/**
 * One page of a dataset's prompts matching the search; a page past the end is empty, with the real
 * total. Filtering, counting and paging run on prompt_stats (narrow rows, indexed by dataset and by
 * each sort); text goes through the trigram index (prompts_fts), shorter queries match ids. Only the
 * page's prompts are then read from prompts.
 */
export function searchPrompts(
  db: Db,
  datasetId: number,
  search: PromptSearch,
  pageSize = PROMPT_PAGE_SIZE,
): PromptPage {
  const where = ["ps.dataset_id = @datasetId"];
  const params: Params = { datasetId, low: AGREEMENT_THRESHOLDS.promptW };
  let notice: string | null = null;
  if (search.q) {
    if ([...search.q].length >= MIN_TEXT_QUERY) {
      where.push("ps.prompt_id in (select rowid from prompts_fts where prompts_fts match @fts)");
      params.fts = ftsPhrase(search.q);
    } else {
      // Too short for the trigram index, and a scan of every prompt's text costs a second at 200,000
      // prompts: a short query matches the ids that contain it (a scan of the short ids alone, on
      // the (dataset_id, external_id) index).
      where.push(
        "ps.prompt_id in (select id from prompts where dataset_id = @datasetId and external_id like @externalId escape '\\')",
      );
      params.externalId = likePattern(search.q);
      notice = `“${search.q}” is shorter than ${MIN_TEXT_QUERY} characters, so only prompt ids containing it were matched; type at least ${MIN_TEXT_QUERY} characters to search the text.`;
    }
  }
  // ps.openness is the one openness rule (lib/openness/resolve.ts), computed at refresh.
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
  const sqlite = db.$client;
  const sort = search.sort ?? "id";
  // Unfiltered, the total is the dataset's maintained prompt count rather than a count of 200,000 rows.
  const total =
    where.length === 1
      ? (sqlite
          .prepare<[number], { n: number }>("select prompts as n from dataset_stats where dataset_id = ?")
          .get(datasetId)?.n ?? 0)
      : sqlite.prepare<Params, { n: number }>(`select count(*) as n ${from}`).get(params)!.n;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const window = pageOfKeys(sqlite, from, params, search, pageSize, total);
  const ids = window.keys.map((k) => k.id);
  const rows = sqlite
    .prepare<
      [string],
      {
        id: number;
        external_id: string;
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
      }
    >(
      // Only the first 300 characters of a prompt travel to the page.
      `select p.id, p.external_id, substr(p.text, 1, 300) as text, ps.annotations, ps.rankings, ps.kendall_w,
              ps.mean_tau_b, ps.openness, ps.not_rankable, ps.review_pending, ps.review_accepted,
              ps.review_rejected, ps.review_sent_back
       from prompts p join prompt_stats ps on ps.prompt_id = p.id
       where p.id in (select value from json_each(?))`,
    )
    .all(JSON.stringify(ids));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return {
    rows: ids.flatMap((id) => {
      const r = byId.get(id);
      if (!r) return [];
      return [
        {
          id: r.id,
          externalId: r.external_id,
          text: r.text,
          annotations: r.annotations,
          rankings: r.rankings,
          kendallW: r.kendall_w,
          meanTauB: r.mean_tau_b,
          openness: r.openness,
          notRankable: r.not_rankable,
          review: {
            pending: r.review_pending,
            accepted: r.review_accepted,
            rejected: r.review_rejected,
            sentBack: r.review_sent_back,
          },
          flagged: r.kendall_w !== null && r.kendall_w < AGREEMENT_THRESHOLDS.promptW,
        },
      ];
    }),
    notice,
    total,
    page: window.page,
    pages,
    pageSize,
    next: window.hasNext ? cursorOf(sort, window.keys.at(-1)!) : null,
    previous: window.hasPrevious ? cursorOf(sort, window.keys[0]!) : null,
  };
}

/** Where a row stands in a sort: the sorted value (none for id order) and the prompt id that breaks ties. */
type SortKey = { value: number | null; id: number };

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

export function cursorOf(sort: PromptSort, key: SortKey): string {
  return SORT_SPEC[sort].column ? `${key.value ?? "null"}~${key.id}` : String(key.id);
}

/** A cursor of this sort, or null for one of another sort (a hand-edited URL): the list then starts over. */
export function parseCursor(sort: PromptSort, cursor: string): SortKey | null {
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
 * id, then rows with a later value, then (sorting by W) the prompts without a W.
 */
function stretches(sort: PromptSort, key: SortKey, forward: boolean): string[] {
  const { column, descending, nullsLast } = SORT_SPEC[sort];
  const laterId = forward ? ">" : "<";
  if (column === null) return [`ps.prompt_id ${laterId} @cursorId`];
  const known = nullsLast ? `(${column} is null) = 0 and ` : "";
  const unknown = `(${column} is null) = 1`;
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
function pageOfKeys(
  sqlite: Db["$client"],
  from: string,
  params: Params,
  search: PromptSearch,
  pageSize: number,
  total: number,
): { keys: SortKey[]; page: number; hasNext: boolean; hasPrevious: boolean } {
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
    for (const query of cursorQueries(from, sort, cursor, forward)) {
      if (keys.length > pageSize) break;
      keys.push(
        ...sqlite
          .prepare<Params, SortKey>(query)
          .all({ ...params, cursorValue: cursor.value ?? 0, cursorId: cursor.id, limit: pageSize + 1 - keys.length }),
      );
    }
    const more = keys.length > pageSize;
    const shown = keys.slice(0, pageSize);
    // Nothing after it (the rows it pointed past were deleted): the last page.
    if (forward && shown.length === 0)
      return pageOfKeys(sqlite, from, params, { ...search, after: undefined, page: pages }, pageSize, total);
    if (forward) return { keys: shown, page: more ? page : pages, hasNext: more, hasPrevious: true };
    // Reached the start going back: page 1 in full, whatever the link said.
    if (!more) return pageOfKeys(sqlite, from, params, { ...search, before: undefined, page: 1 }, pageSize, total);
    return { keys: shown.reverse(), page: Math.max(2, page), hasNext: true, hasPrevious: true };
  }
  const offsetPage = search.page ?? 1;
  if (offsetPage === pages && pages > 1) {
    // The last page is the start of the sort read backwards: no OFFSET either.
    const last = sqlite
      .prepare<Params, SortKey>(`${select} order by ${REVERSED[sort]} limit @limit`)
      .all({ ...params, limit: total - (pages - 1) * pageSize })
      .reverse();
    return { keys: last, page: pages, hasNext: false, hasPrevious: true };
  }
  const keys = sqlite
    .prepare<Params, SortKey>(`${select} order by ${ORDER[sort]} limit @limit offset @offset`)
    .all({ ...params, limit: pageSize + 1, offset: (offsetPage - 1) * pageSize });
  return {
    keys: keys.slice(0, pageSize),
    page: offsetPage,
    hasNext: keys.length > pageSize,
    hasPrevious: offsetPage > 1 && keys.length > 0,
  };
}

/** The dataset's annotators, for the annotator filter. */
export function datasetAnnotators(db: Db, datasetId: number): { id: number; name: string }[] {
  return db.$client
    .prepare<[number], { id: number; name: string }>(
      `select u.id, coalesce(nullif(u.name, ''), u.email) as name from users u
       where u.id in (select annotator_id from annotation_agreement where dataset_id = ?) order by name`,
    )
    .all(datasetId);
}

/** The next prompt after `afterId` (in id order) with an annotation waiting for review, for the reviewer's "next" link. */
export function nextPromptToReview(db: Db, datasetId: number, afterId: number): number | null {
  const row =
    db.$client
      .prepare<[number, number], { id: number }>(
        "select prompt_id as id from prompt_stats where dataset_id = ? and review_pending > 0 and prompt_id > ? order by prompt_id limit 1",
      )
      .get(datasetId, afterId) ??
    db.$client
      .prepare<[number], { id: number }>(
        "select prompt_id as id from prompt_stats where dataset_id = ? and review_pending > 0 order by prompt_id limit 1",
      )
      .get(datasetId);
  return row && row.id !== afterId ? row.id : null;
}
