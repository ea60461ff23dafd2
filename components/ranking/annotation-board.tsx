import type { Annotation } from "@/lib/annotations/annotations";
import { PairwiseBoard } from "@/components/pairwise/pairwise-board";
import { draftKey } from "@/components/ranking/draft-key";
import { RankingBoard, type RankingBoardProps } from "@/components/ranking/ranking-board";

/**
 * The board of the dataset's ranking mode (all responses at once, or two at a time). With
 * `annotation` it edits that earlier annotation, else it makes a new one from the queue. Its
 * unsubmitted work is kept as a draft of `userId` in the browser. A new annotation's ranking board may
 * start from a model's `suggestion`.
 */
export function AnnotationBoard({
  pairwise,
  annotation,
  userId,
  suggestion,
  ...props
}: Pick<
  RankingBoardProps,
  "prompt" | "responses" | "guidelines" | "afterSaveHref" | "cancelHref" | "onDone" | "suggestion"
> & {
  pairwise: boolean;
  userId: number;
  annotation?: Pick<
    Annotation,
    "id" | "ranking" | "openness" | "notRankable" | "notRankableReason" | "comment" | "updatedAt"
  >;
}) {
  const edit = annotation
    ? {
        mode: "edit" as const,
        annotationId: annotation.id,
        baseVersion: annotation.updatedAt.getTime(),
        draftKey: draftKey(userId, { annotationId: annotation.id }),
        initial: {
          ranking: annotation.ranking,
          openness: annotation.openness,
          notRankable: annotation.notRankable,
          notRankableReason: annotation.notRankableReason,
          comment: annotation.comment,
        },
      }
    : { mode: "queue" as const, baseVersion: null, draftKey: draftKey(userId, { promptId: props.prompt.id }) };
  // Suggestions start a ranking board only: a pairwise board asks its comparisons with no order shown.
  return pairwise ? (
    <PairwiseBoard {...props} {...edit} />
  ) : (
    <RankingBoard {...props} {...edit} suggestion={suggestion} />
  );
}
