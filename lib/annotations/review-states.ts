import type { ReviewDecision } from "@/lib/domain";

/**
 * The review states and their labels, apart from the review workflow (lib/annotations/review.ts)
 * so that client components can show them without bundling its zod schemas: zod probes for eval,
 * and the page's CSP reports the probe as a violation.
 */

export const REVIEW_STATES = ["pending", "accepted", "rejected", "sent_back"] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

export const REVIEW_STATE_LABELS: Record<ReviewState, string> = {
  pending: "waiting for review",
  accepted: "accepted",
  rejected: "rejected",
  sent_back: "sent back",
};

export const DECISION_STATE: Record<ReviewDecision, ReviewState> = {
  accept: "accepted",
  reject: "rejected",
  send_back: "sent_back",
};
