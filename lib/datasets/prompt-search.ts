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

export const promptSearchSchema = z.object({
  q: optional(
    z
      .string()
      .trim()
      .max(200)
      .transform((v) => (v ? v : undefined)),
  ),
  open_min: optional(openness),
  open_max: optional(openness),
  agreement: optional(z.enum(AGREEMENT_FILTERS)),
  flag: optional(z.enum(FLAG_FILTERS)),
  annotator: optional(numeric(z.number().int().positive())),
  review: optional(z.enum(REVIEW_STATES)),
  sort: optional(z.enum(PROMPT_SORTS)),
  page: optional(numeric(z.number().int().min(1).max(1_000_000))),
});
export type PromptSearch = z.infer<typeof promptSearchSchema>;

export function parsePromptSearch(params: Record<string, string | string[] | undefined>): PromptSearch {
  return promptSearchSchema.parse(params);
}

/** The URL query of a search (only the set fields), with `changes` applied; page resets unless given. */
export function promptSearchQuery(search: PromptSearch, changes: Partial<PromptSearch> = {}): string {
  const merged: PromptSearch = { ...search, page: undefined, ...changes };
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
      // prompts: a short query names an id (one index lookup).
      where.push(
        "ps.prompt_id in (select id from prompts where dataset_id = @datasetId and external_id = @externalId)",
      );
      params.externalId = search.q;
      notice = `“${search.q}” is shorter than ${MIN_TEXT_QUERY} characters, so it was matched against prompt ids only; type at least ${MIN_TEXT_QUERY} characters to search the text.`;
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
  // Unfiltered, the total is the dataset's maintained prompt count rather than a count of 200,000 rows.
  const total =
    where.length === 1
      ? (sqlite
          .prepare<[number], { n: number }>("select prompts as n from dataset_stats where dataset_id = ?")
          .get(datasetId)?.n ?? 0)
      : sqlite.prepare<Params, { n: number }>(`select count(*) as n ${from}`).get(params)!.n;
  const page = search.page ?? 1;
  const ids = sqlite
    .prepare<Params, { id: number }>(
      `select ps.prompt_id as id ${from} order by ${ORDER[search.sort ?? "id"]} limit @limit offset @offset`,
    )
    .all({ ...params, limit: pageSize, offset: (page - 1) * pageSize })
    .map((r) => r.id);
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
    page,
    pages: Math.max(1, Math.ceil(total / pageSize)),
    pageSize,
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
