/**
 * Octorank's vocabulary: roles, run states, ranking modes, queue orders, review decisions. The
 * database stores these (db/schema.ts makes its columns of them); pages and components name them
 * from here, without reaching into db/.
 */
export const ROLES = ["admin", "researcher", "annotator"] as const;
export type Role = (typeof ROLES)[number];

export const RUN_STATUSES = ["queued", "running", "succeeded", "failed", "canceled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** How annotators judge a dataset's responses: order them all, or compare two at a time. */
export const RANKING_MODES = ["ranking", "pairwise"] as const;
/**
 * The orders a dataset's queue hands prompts out in (lib/annotations/queue.ts): fill (closest to
 * the target first), least-annotated first, most uncertain openness estimate first, the latest
 * run's least certain prompts first (the last two through prompts.queue_priority).
 */
export const QUEUE_ORDER_NAMES = ["fill", "least-annotated", "uncertain-openness", "uncertain-rewards"] as const;
export type QueueOrderName = (typeof QUEUE_ORDER_NAMES)[number];
export type RankingMode = (typeof RANKING_MODES)[number];

/** What a reviewer decided about one version of an annotation. */
export const REVIEW_DECISIONS = ["accept", "reject", "send_back"] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** A ranking: groups of response ids, best group first; a group of more than one is a tie. */
export type RankingGroups = number[][];

/** A gold prompt's known answer: a whole ranking, or only the best response. */
export type GoldAnswer = { ranking: RankingGroups } | { best: number };
