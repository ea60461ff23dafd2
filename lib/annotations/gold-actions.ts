"use server";

import "server-only";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getStore } from "@/lib/db";
import { setGold } from "@/lib/annotations/quality";
import { formAction, type FormActionState } from "@/lib/http/action";
import { parseOrThrow } from "@/lib/http/body";

const goldFormSchema = z.object({
  promptId: z.coerce.number().int().positive(),
  /** A response id: that response is the known best; "none" unmarks the prompt; "keep" leaves a known ranking. */
  best: z.union([z.literal("none"), z.literal("keep"), z.coerce.number().int().positive()], {
    message: "Choose the best response, or no gold answer.",
  }),
});

/** A researcher marks a prompt gold with its known best response, or unmarks it (the prompt page). */
export async function setGoldAction(_previous: FormActionState, formData: FormData): Promise<FormActionState> {
  return formAction("researcher", formData, async (_user, form) => {
    const input = parseOrThrow(goldFormSchema, Object.fromEntries(form));
    if (input.best === "keep") return { ok: true, message: "Unchanged." };
    await setGold(getStore(), input.promptId, input.best === "none" ? null : { best: input.best });
    revalidatePath("/datasets/[slug]", "page");
    revalidatePath("/datasets/[slug]/prompts/[id]", "page");
    return {
      ok: true,
      message: input.best === "none" ? "Not a gold prompt any more." : "Marked gold: the queue mixes it in as a check.",
    };
  });
}
