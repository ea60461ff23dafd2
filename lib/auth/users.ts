import "server-only";
import { z } from "zod";
import type { Store } from "@/db/store";
import type { UserRow } from "@/db/store/auth";
import { ROLES } from "@/lib/domain";
import { hashPassword, newPasswordSchema } from "@/lib/auth/password";
import { AppError } from "@/lib/errors";

export const newUserSchema = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address."),
  name: z.string().trim().min(1, "Enter a name.").max(200),
  role: z.enum(ROLES, { message: `Role must be one of ${ROLES.join(", ")}.` }),
  password: newPasswordSchema,
});
export type NewUser = z.infer<typeof newUserSchema>;

export class UserExistsError extends AppError {
  constructor(email: string) {
    super("conflict", `A user with email ${email} already exists.`);
  }
}

export async function createUser(store: Store, input: NewUser): Promise<UserRow> {
  const data = newUserSchema.parse(input);
  const passwordHash = hashPassword(data.password);
  return store.transaction("atomic", async (tx) => {
    if (await tx.auth.userByEmail(data.email)) throw new UserExistsError(data.email);
    return tx.auth.addUser({ email: data.email, name: data.name, role: data.role, passwordHash });
  });
}
