"use server";

import "server-only";
import { redirect } from "next/navigation";
import { z } from "zod";
import { numeric } from "@/lib/validation";
import { getStore } from "@/lib/db";
import { reopenSkipped } from "@/lib/annotations/queue";
import { requirePageUser } from "@/lib/auth/session";
import { formArgument } from "@/lib/http/body";

const reopenSchema = z.object({
  promptId: numeric(z.number({ message: "promptId is a prompt's id." }).int().positive()),
});

/** "Reopen" on the skipped list: the prompt becomes the annotator's next one in its dataset's queue. */
export async function reopenSkippedAction(formData: unknown): Promise<void> {
  const user = await requirePageUser("annotator", "/annotate/mine");
  const form = formArgument(formData);
  const parsed = reopenSchema.safeParse(form ? Object.fromEntries(form) : null);
  if (!parsed.success) redirect("/annotate/mine?reopen=not-skipped");
  const result = await reopenSkipped(getStore(), parsed.data.promptId, user.id);
  if (result.status !== "reopened") redirect(`/annotate/mine?reopen=${result.status}`);
  redirect(`/annotate?dataset=${encodeURIComponent(result.datasetSlug)}`);
}
