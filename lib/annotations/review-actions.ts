"use server";

import { revalidatePath } from "next/cache";
import { getDb } from "@/lib/db";
import { reviewAnnotation, reviewInputSchema, DECISION_STATE, REVIEW_STATE_LABELS } from "@/lib/annotations/review";
import { hasRole } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { currentUser } from "@/lib/auth/session";
import { describeZodError, formArgument } from "@/lib/http/body";

export type ReviewActionState = { ok?: boolean; error?: string; message?: string };

/** A reviewer's decision from the prompt page: researcher role, a valid form, a fresh version; else nothing is written. */
export async function reviewAction(_previous: ReviewActionState, formData: FormData): Promise<ReviewActionState> {
  const user = await currentUser();
  if (!user || !hasRole(user.role, "researcher")) return { error: "Only researchers can review annotations." };
  const form = formArgument(formData);
  if (!form) return { error: "Send the form's fields." };
  const parsed = reviewInputSchema.safeParse({
    annotationId: form.get("annotationId"),
    version: form.get("version"),
    decision: form.get("decision"),
    comment: form.get("comment") ?? undefined,
  });
  if (!parsed.success) return { error: describeZodError(parsed.error) };
  try {
    reviewAnnotation(getDb(), user.id, parsed.data);
  } catch (error) {
    if (error instanceof AppError) return { error: error.message };
    throw error;
  }
  revalidatePath("/datasets/[slug]", "page");
  revalidatePath("/datasets/[slug]/prompts/[id]", "page");
  return { ok: true, message: `Saved: ${REVIEW_STATE_LABELS[DECISION_STATE[parsed.data.decision]]}.` };
}
