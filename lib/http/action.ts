import { z } from "zod";
import type { Role } from "@/lib/domain";
import { hasRole, type SessionUser } from "@/lib/auth/roles";
import { currentUser } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { describeZodError, formArgument } from "@/lib/http/body";

/** What a form's server action answers (useActionState): a refusal in `error`, else what it did. */
export type FormActionState = { ok?: boolean; error?: string; message?: string };

/**
 * The one way a server action that answers its form runs, as route() is for route handlers: who
 * may call it (the session and the least role), its form (an action can be called with any
 * argument, not only the page's form), then `run`. An AppError, or a ZodError from lib/, comes back
 * as the form's error; anything else goes to the error page (Next logs it), and so do redirects.
 * Actions that only redirect check the caller with requirePageUser instead, as pages do.
 */
export async function formAction<State extends FormActionState>(
  need: Role,
  formData: unknown,
  run: (user: SessionUser, form: FormData) => State | Promise<State>,
): Promise<State | FormActionState> {
  const user = await currentUser();
  if (!user || !hasRole(user.role, need))
    return { error: `This needs the ${need} role; sign in again with an account that has it.` };
  const form = formArgument(formData);
  if (!form) return { error: "Send the form's fields." };
  try {
    return await run(user, form);
  } catch (error) {
    if (error instanceof AppError) return { error: error.message };
    if (error instanceof z.ZodError) return { error: describeZodError(error) };
    throw error;
  }
}
