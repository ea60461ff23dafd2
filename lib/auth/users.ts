import "server-only";
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db";
import { schema } from "@/db";
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

export function createUser(db: Db, input: NewUser) {
  const data = newUserSchema.parse(input);
  const existing = db.select().from(schema.users).where(eq(schema.users.email, data.email)).get();
  if (existing) throw new UserExistsError(data.email);
  return db
    .insert(schema.users)
    .values({ email: data.email, name: data.name, role: data.role, passwordHash: hashPassword(data.password) })
    .returning()
    .get();
}
