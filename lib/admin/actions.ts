"use server";

import { revalidatePath } from "next/cache";
import type { z } from "zod";
import { getDb } from "@/lib/db";
import {
  AdminError,
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
import { describeZodError, formArgument } from "@/lib/http/body";
import { hasRole, type SessionUser } from "@/lib/auth/roles";
import { currentUser } from "@/lib/auth/session";
import { createUser, newUserSchema, UserExistsError } from "@/lib/auth/users";

export type AdminActionState = { ok?: boolean; error?: string; message?: string; token?: string };

/** Every admin action: checks the session and role, validates the form, runs, reports. */
async function adminAction<S extends z.ZodType>(
  schema: S,
  formData: FormData,
  run: (admin: SessionUser, input: z.infer<S>) => AdminActionState,
): Promise<AdminActionState> {
  const admin = await currentUser();
  if (!admin || !hasRole(admin.role, "admin"))
    return { error: "Only an admin can do this; sign in again as an admin." };
  const form = formArgument(formData);
  if (!form) return { error: "Send the form's fields." };
  const parsed = schema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return { error: describeZodError(parsed.error) };
  try {
    const state = run(admin, parsed.data);
    revalidatePath("/admin");
    return { ok: true, ...state };
  } catch (error) {
    if (error instanceof AdminError || error instanceof UserExistsError) return { error: error.message };
    throw error;
  }
}

export async function createUserAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(newUserSchema, formData, (_admin, input) => {
    const user = createUser(getDb(), input);
    return { message: `Created ${user.role} ${user.email}.` };
  });
}

export async function setRoleAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(setRoleSchema, formData, (_admin, input) => {
    setUserRole(getDb(), input);
    return { message: `Role set to ${input.role}.` };
  });
}

export async function setDisabledAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(setDisabledSchema, formData, (admin, input) => {
    setUserDisabled(getDb(), admin.id, input);
    return { message: input.disabled ? "Disabled; their annotations stay." : "Enabled." };
  });
}

export async function createTokenAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(createTokenSchema, formData, (_admin, input) => {
    const { token } = createApiToken(getDb(), input);
    return { token, message: "Copy the token now: it is shown only once." };
  });
}

export async function revokeTokenAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(revokeTokenSchema, formData, (_admin, input) => {
    revokeApiToken(getDb(), input);
    return { message: "Revoked." };
  });
}

export async function updateDatasetAction(_: AdminActionState, formData: FormData): Promise<AdminActionState> {
  return adminAction(datasetSettingsUpdateSchema, formData, (_admin, input) => {
    updateDatasetSettings(getDb(), input);
    revalidatePath(`/datasets/${input.slug}`);
    return { message: "Saved." };
  });
}
