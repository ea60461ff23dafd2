"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db";
import { describeZodError } from "@/lib/http/body";
import { kickScheduler } from "@/lib/runs/scheduler";
import { trainSettingDefaults, validateTrainSettings } from "@/lib/runs/training";
import { createRun } from "@/lib/runs/request-run";
import { RunError, runRequestSchema } from "@/lib/runs/schemas";
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
    if (typeof fallback === "boolean") {
      settings[key] = raw === "on";
      continue;
    }
    if (typeof raw !== "string" || raw.trim() === "") continue;
    if (Array.isArray(fallback)) {
      const values = raw.split(",").map((v) => Number(v.trim()));
      if (values.some((v) => !Number.isFinite(v)))
        errors[field] = "Enter whole numbers separated by commas, e.g. 128 or 256, 64.";
      else settings[key] = values;
    } else {
      const value = Number(raw);
      if (!Number.isFinite(value)) errors[field] = "Enter a number.";
      else settings[key] = value;
    }
  }
  return { settings, errors };
}

export async function createRunAction(_previous: CreateRunState, form: FormData): Promise<CreateRunState> {
  const user = await currentUser();
  if (!user || !hasRole(user.role, "researcher")) return { message: "Only researchers can start training runs." };
  const { settings, errors } = trainSettingsFrom(form);
  if (Object.keys(errors).length) return { message: "Some training settings are not numbers.", fieldErrors: errors };
  const policy = form.get("missingOpenness");
  const parsed = runRequestSchema.safeParse({
    datasetId: form.get("datasetId"),
    name: form.get("name") ?? undefined,
    utility: form.get("utility"),
    heldOutShare: form.get("heldOutShare"),
    seed: form.get("seed"),
    missingOpenness:
      policy === "assume"
        ? { policy: "assume", value: form.get("assumedOpenness") }
        : policy === "estimate"
          ? { policy: "estimate" }
          : { policy: "exclude" },
    acceptedOnly: form.get("acceptedOnly") ?? false,
    train: settings,
  });
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path.join(".")] ??= issue.message;
    return { message: describeZodError(parsed.error), fieldErrors };
  }
  let runId: number;
  try {
    runId = createRun(getDb(), validateTrainSettings(parsed.data), user.id, "web").id;
  } catch (error) {
    if (error instanceof RunError) return { message: error.message };
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
