/**
 * Rows of db/schema.ts's tables as SQLite hands them to a raw query (better-sqlite3): snake_case
 * columns, flags and dates as numbers, JSON as text. Raw queries (used where drizzle's builder costs
 * too much per row) type what they select with Pick of these, so that a column is typed in one place.
 */

export type StoredPrompt = {
  id: number;
  dataset_id: number;
  external_id: string;
  text: string;
  /** JSON of a conversation's turns; null for a plain-text prompt. */
  messages: string | null;
  openness: number | null;
  metadata: string | null;
};

export type StoredResponse = {
  id: number;
  prompt_id: number;
  position: number;
  external_id: string;
  text: string;
  embedding: string | null;
};

export type StoredAnnotation = {
  id: number;
  prompt_id: number;
  annotator_id: number;
  ranking: string;
  openness: number | null;
  not_rankable: number;
  not_rankable_reason: string | null;
  comment: string | null;
  duration_ms: number | null;
  suggestion_run_id: number | null;
  /** JSON of the suggested order's groups; null when the board did not start from a suggestion. */
  suggested_ranking: string | null;
  suggestion_distance: number | null;
  created_at: number;
  updated_at: number;
};

/** The columns of users that name an annotator next to their annotations. */
export type StoredAnnotator = { name: string; email: string; external: number };
