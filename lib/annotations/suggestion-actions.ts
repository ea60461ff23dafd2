"use server";

import "server-only";
import { revalidatePath } from "next/cache";
import { getStore } from "@/lib/db";
import { setSuggestionRun, suggestionSettingSchema } from "@/lib/annotations/suggestions";
import { formAction, type FormActionState } from "@/lib/http/action";
import { parseOrThrow } from "@/lib/http/body";

/** A researcher (or admin) turns a dataset's model suggestions on from a finished run, or off (the dataset page). */
export async function setSuggestionRunAction(_previous: FormActionState, formData: FormData): Promise<FormActionState> {
  return formAction("researcher", formData, async (_user, form) => {
    const input = parseOrThrow(suggestionSettingSchema, Object.fromEntries(form));
    await setSuggestionRun(getStore(), input.slug, input.runId === "none" ? null : input.runId);
    revalidatePath(`/datasets/${input.slug}`);
    return {
      ok: true,
      message:
        input.runId === "none"
          ? "Suggestions off: boards start from a shuffled order."
          : "Suggestions on: new boards start from this run's order, marked as a suggestion.",
    };
  });
}
