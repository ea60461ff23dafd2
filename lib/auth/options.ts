import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { getDb, schema } from "@/db";
import { authSecret } from "@/lib/env";
import { verifyPassword } from "@/lib/auth/password";
import { clearFailures, recordFailure, throttleKeys } from "@/lib/auth/login-throttle";
import type { Role } from "@/db/schema";

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().email(),
  password: z.string().min(1).max(1000),
});

export function clientAddress(headers: Headers | Record<string, unknown> | undefined): string {
  const get = (name: string): string | undefined => {
    if (!headers) return undefined;
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const value = headers[name];
    return typeof value === "string" ? value : undefined;
  };
  return get("x-forwarded-for")?.split(",")[0]?.trim() || get("x-real-ip") || "local";
}

export const authOptions: NextAuthOptions = {
  secret: authSecret(),
  session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
  pages: { signIn: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const parsed = credentialsSchema.safeParse(credentials);
        const keys = throttleKeys(parsed.success ? parsed.data.email : undefined, clientAddress(req?.headers));
        if (!parsed.success) {
          recordFailure(keys);
          return null;
        }
        const user = getDb().select().from(schema.users).where(eq(schema.users.email, parsed.data.email)).get();
        if (!user || user.disabled || user.external || !verifyPassword(parsed.data.password, user.passwordHash)) {
          recordFailure(keys);
          return null;
        }
        clearFailures(keys.filter((k) => k.startsWith("email:")));
        return { id: String(user.id), email: user.email, name: user.name, role: user.role };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.uid = Number(user.id);
        token.role = (user as { role?: Role }).role ?? "annotator";
      }
      return token;
    },
    session({ session, token }) {
      if (session.user) {
        Object.assign(session.user, { id: token.uid, role: token.role });
      }
      return session;
    },
  },
};
