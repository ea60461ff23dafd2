"use server";

import "server-only";
import { revalidatePath } from "next/cache";
import { getStore } from "@/lib/db";
import { reviewAnnotation, reviewInputSchema, DECISION_STATE, REVIEW_STATE_LABELS } from "@/lib/annotations/review";
import { formAction, type FormActionState } from "@/lib/http/action";
import { parseOrThrow } from "@/lib/http/body";

export type ReviewActionState = FormActionState;

/** A reviewer's decision from the prompt page: researcher role, a valid form, a fresh version; else nothing is written. */
export async function reviewAction(_previous: ReviewActionState, formData: FormData): Promise<ReviewActionState> {
  return formAction("researcher", formData, async (user, form) => {
    const input = parseOrThrow(reviewInputSchema, {
      annotationId: form.get("annotationId"),
      version: form.get("version"),
      decision: form.get("decision"),
      comment: form.get("comment") ?? undefined,
    });
    await reviewAnnotation(getStore(), user.id, input);
    revalidatePath("/datasets/[slug]", "page");
    revalidatePath("/datasets/[slug]/prompts/[id]", "page");
    return { ok: true, message: `Saved: ${REVIEW_STATE_LABELS[DECISION_STATE[input.decision]]}.` };
  });
}
