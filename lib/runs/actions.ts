"use server";

import "server-only";
import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { getStore } from "@/lib/db";
import { formAction, type FormActionState } from "@/lib/http/action";
import { kickScheduler } from "@/lib/runs/scheduler";
import { trainSettingDefaults } from "@/lib/runs/training";
import { missingOpennessFromText, requestRun, trainSettingFromText } from "@/lib/runs/request-run";
import { RunError } from "@/lib/runs/schemas";
import { reproducePaper } from "@/lib/runs/repro";
import { requirePageUser } from "@/lib/auth/session";

export type CreateRunState = FormActionState & { fieldErrors?: Record<string, string> };

/** Reads the trainer settings from `train.<name>` fields, typed like their defaults. */
function trainSettingsFrom(form: FormData): { settings: Record<string, unknown>; errors: Record<string, string> } {
  const settings: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [key, fallback] of Object.entries(trainSettingDefaults())) {
    const field = `train.${key}`;
    const raw = form.get(field);
    // An unticked checkbox sends nothing: it means false, not "the default".
    if (typeof fallback === "boolean" && raw === null) {
      settings[key] = false;
      continue;
    }
    if (typeof raw !== "string" || raw.trim() === "") continue;
    const read = trainSettingFromText(key, raw);
    if ("error" in read) errors[field] = read.error;
    else settings[key] = read.value;
  }
  return { settings, errors };
}

export async function createRunAction(_previous: CreateRunState, formData: FormData): Promise<CreateRunState> {
  return formAction("researcher", formData, async (user, form): Promise<CreateRunState> => {
    const { settings, errors } = trainSettingsFrom(form);
    if (Object.keys(errors).length) return { error: "Some training settings are not numbers.", fieldErrors: errors };
    const policy = form.get("missingOpenness");
    let runId: number;
    try {
      runId = (
        await requestRun(
          getStore(),
          {
            datasetId: form.get("datasetId"),
            name: form.get("name") ?? undefined,
            utility: form.get("utility"),
            heldOutShare: form.get("heldOutShare"),
            seed: form.get("seed"),
            missingOpenness: missingOpennessFromText(
              typeof policy === "string" ? policy : undefined,
              form.get("assumedOpenness"),
            ),
            acceptedOnly: form.get("acceptedOnly") ?? false,
            train: settings,
          },
          { userId: user.id, origin: "web" },
        )
      ).id;
    } catch (error) {
      // A run's refusal names the fields at fault, for the form to mark.
      if (error instanceof RunError) {
        const details = error.details as { fieldErrors?: Record<string, string> } | undefined;
        return { error: error.message, fieldErrors: details?.fieldErrors };
      }
      throw error;
    }
    kickScheduler();
    revalidatePath("/runs");
    redirect(`/runs/${runId}`);
  });
}

export async function reproducePaperAction(): Promise<void> {
  const user = await requirePageUser("researcher", "/runs");
  const { log, conditioned } = await reproducePaper(getStore(), user.id);
  kickScheduler();
  revalidatePath("/runs");
  redirect(`/runs/compare?a=${log.id}&b=${conditioned.id}`);
}
