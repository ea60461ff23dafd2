"use server";

import "server-only";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { getStore } from "@/lib/db";
import {
  createApiToken,
  createTokenSchema,
  datasetSettingsUpdateSchema,
  revokeApiToken,
  revokeTokenSchema,
  setDisabledSchema,
  setRoleSchema,
  setUserDisabled,
  setUserRole,
  updateDatasetSettings,
} from "@/lib/admin/queries";
import { formAction, type FormActionState } from "@/lib/http/action";
import { parseOrThrow } from "@/lib/http/body";
import type { SessionUser } from "@/lib/auth/roles";
import { createUser, newUserSchema } from "@/lib/auth/users";
import { resumeAnnotator } from "@/lib/annotations/quality";

export type AdminActionState = FormActionState & { token?: string };

/** Every admin action: the admin role, the form parsed with `schema`, then `run`; the admin page is refreshed. */
async function adminAction<S extends z.ZodType>(
  schema: S,
  formData: FormData,
  run: (admin: SessionUser, input: z.infer<S>) => AdminActionState | Promise<AdminActionState>,
): Promise<AdminActionState> {
  return formAction("admin", formData, async (admin, form) => {
    const state = await run(admin, parseOrThrow(schema, Object.fromEntries(form)));
    revalidatePath("/admin");
    return { ok: true, ...state };
  });
}

export async function createUserAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(newUserSchema, formData, async (_admin, input) => {
    const user = await createUser(getStore(), input);
    return { message: `Created ${user.role} ${user.email}.` };
  });
}

export async function setRoleAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(setRoleSchema, formData, async (_admin, input) => {
    await setUserRole(getStore(), input);
    return { message: `Role set to ${input.role}.` };
  });
}

export async function setDisabledAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(setDisabledSchema, formData, async (admin, input) => {
    await setUserDisabled(getStore(), admin.id, input);
    return { message: input.disabled ? "Disabled; their annotations stay." : "Enabled." };
  });
}

export async function createTokenAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(createTokenSchema, formData, async (_admin, input) => {
    const { token } = await createApiToken(getStore(), input);
    return { token, message: "Copy the token now: it is shown only once." };
  });
}

export async function revokeTokenAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(revokeTokenSchema, formData, async (_admin, input) => {
    await revokeApiToken(getStore(), input);
    return { message: "Revoked." };
  });
}

export async function updateDatasetAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(datasetSettingsUpdateSchema, formData, async (_admin, input) => {
    await updateDatasetSettings(getStore(), input);
    revalidatePath(`/datasets/${input.slug}`);
    return { message: "Saved." };
  });
}

const resumeSchema = z.object({ pauseId: z.coerce.number().int().positive() });

export async function resumeAnnotatorAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(resumeSchema, formData, async (admin, input) => {
    await resumeAnnotator(getStore(), input.pauseId, admin.id);
    return { message: "Resumed; their checks count again from now." };
  });
}
