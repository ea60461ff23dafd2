import type { Annotation } from "@/lib/annotations/annotations";
import { PairwiseBoard } from "@/components/pairwise/pairwise-board";
import { RankingBoard, type RankingBoardProps } from "@/components/ranking/ranking-board";

/**
 * The board of the dataset's ranking mode (all responses at once, or two at a time). With
 * `annotation` it edits that earlier annotation, else it makes a new one from the queue.
 */
export function AnnotationBoard({
  pairwise,
  annotation,
  ...props
}: Pick<RankingBoardProps, "prompt" | "responses" | "guidelines" | "afterSaveHref" | "cancelHref"> & {
  pairwise: boolean;
  annotation?: Pick<Annotation, "id" | "ranking" | "openness" | "notRankable" | "notRankableReason" | "comment">;
}) {
  const edit = annotation
    ? {
        mode: "edit" as const,
        annotationId: annotation.id,
        initial: {
          ranking: annotation.ranking,
          openness: annotation.openness,
          notRankable: annotation.notRankable,
          notRankableReason: annotation.notRankableReason,
          comment: annotation.comment,
        },
      }
    : { mode: "queue" as const };
  return pairwise ? <PairwiseBoard {...props} {...edit} /> : <RankingBoard {...props} {...edit} />;
}
