import "server-only";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import type { Store } from "@/lib/db";
import type { TextMatch } from "@/db/store/stats";
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

/** Text search needs trigrams: shorter queries match prompt ids only. */
export const MIN_TEXT_QUERY = 3;

/**
 * One page of a dataset's prompts matching the search; a page past the end is empty, with the real
 * total. Text goes through the trigram index; shorter queries match ids (the notice says so).
 */
export async function searchPrompts(
  store: Store,
  datasetId: number,
  search: PromptSearch,
  pageSize = PROMPT_PAGE_SIZE,
): Promise<PromptPage> {
  let notice: string | null = null;
  let text: TextMatch | null = null;
  if (search.q) {
    if ([...search.q].length >= MIN_TEXT_QUERY) text = { words: search.q };
    else {
      // Too short for the trigram index, and a scan of every prompt's text costs a second at 200,000
      // prompts: a short query matches the ids that contain it (a scan of the short ids alone, on
      // the (dataset_id, external_id) index).
      text = { externalIdLike: likePattern(search.q) };
      notice = `“${search.q}” is shorter than ${MIN_TEXT_QUERY} characters, so only prompt ids containing it were matched; type at least ${MIN_TEXT_QUERY} characters to search the text.`;
    }
  }
  // ps.openness is the one openness rule (lib/openness/resolve.ts), computed at refresh.
  const found = await store.stats.promptPage(datasetId, search, text, AGREEMENT_THRESHOLDS.promptW, pageSize);
  return {
    rows: found.rows.map((r) => ({
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
    })),
    notice,
    total: found.total,
    page: found.page,
    pages: Math.max(1, Math.ceil(found.total / pageSize)),
    pageSize,
    next: found.next,
    previous: found.previous,
  };
}

/** The dataset's annotators, for the annotator filter. */
export async function datasetAnnotators(store: Store, datasetId: number): Promise<{ id: number; name: string }[]> {
  return store.stats.annotators(datasetId);
}

/** The next prompt after `afterId` (in id order) with an annotation waiting for review, for the reviewer's "next" link. */
export async function nextPromptToReview(store: Store, datasetId: number, afterId: number): Promise<number | null> {
  const id = await store.stats.nextPendingReview(datasetId, afterId);
  return id !== null && id !== afterId ? id : null;
}
