"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { getDb } from "@/lib/db";
import { formArgument } from "@/lib/http/body";
import { kickScheduler } from "@/lib/runs/scheduler";
import { trainSettingDefaults } from "@/lib/runs/training";
import { missingOpennessFromText, requestRun, trainSettingFromText } from "@/lib/runs/request-run";
import { RunError } from "@/lib/runs/schemas";
import { reproducePaper } from "@/lib/runs/repro";
import { currentUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";

export type CreateRunState = { message?: string; fieldErrors?: Record<string, string> };

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
  const user = await currentUser();
  if (!user || !hasRole(user.role, "researcher")) return { message: "Only researchers can start training runs." };
  const form = formArgument(formData);
  if (!form) return { message: "Send the form's fields." };
  const { settings, errors } = trainSettingsFrom(form);
  if (Object.keys(errors).length) return { message: "Some training settings are not numbers.", fieldErrors: errors };
  const policy = form.get("missingOpenness");
  let runId: number;
  try {
    runId = requestRun(
      getDb(),
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
    ).id;
  } catch (error) {
    if (error instanceof RunError) {
      const details = error.details as { fieldErrors?: Record<string, string> } | undefined;
      return { message: error.message, fieldErrors: details?.fieldErrors };
    }
    throw error;
  }
  kickScheduler();
  revalidatePath("/runs");
  redirect(`/runs/${runId}`);
}

export async function reproducePaperAction(): Promise<void> {
  const user = await currentUser();
  if (!user || !hasRole(user.role, "researcher")) redirect("/forbidden?need=researcher");
  const { log, conditioned } = reproducePaper(getDb(), user.id);
  kickScheduler();
  revalidatePath("/runs");
  redirect(`/runs/compare?a=${log.id}&b=${conditioned.id}`);
}
