import { Badge, type BadgeProps } from "@/components/ui/badge";
import { REVIEW_STATE_LABELS, type ReviewState } from "@/lib/annotations/review-states";

const STATE_TONE: Record<ReviewState, NonNullable<BadgeProps["tone"]>> = {
  pending: "neutral",
  accepted: "success",
  rejected: "danger",
  sent_back: "warning",
};

/** An annotation's review state in words, coloured by how it went. */
export function ReviewStateBadge({ state, ...props }: { state: ReviewState } & Omit<BadgeProps, "tone" | "children">) {
  return (
    <Badge tone={STATE_TONE[state]} {...props}>
      {REVIEW_STATE_LABELS[state]}
    </Badge>
  );
}
