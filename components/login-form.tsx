"use client";

import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import { Button } from "@/components/ui/button";
import { Card, cardVariants } from "@/components/ui/card";
import { cn } from "@/lib/utils";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";

export type DemoAccount = { email: string; role: string; password: string };

const CREDENTIAL_FIELDS = [
  { name: "email", label: "Email", type: "email", autoComplete: "username" },
  { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
] as const;

export function LoginForm({ next, demoAccounts = [] }: { next: string; demoAccounts?: DemoAccount[] }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [credentials, setCredentials] = useState({ email: "", password: "" });

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const result = await signIn("credentials", { ...credentials, redirect: false });
    setPending(false);
    if (result?.ok && !result.error) {
      window.location.assign(next);
      return;
    }
    setError(
      result?.status === 429
        ? "Too many failed sign-ins. Wait a few minutes and try again."
        : "That email and password don't match an active account.",
    );
  }

  return (
    <>
      <form onSubmit={onSubmit} className={cn(cardVariants({ padding: "none" }), "mt-6 space-y-4 p-6")} noValidate>
        {CREDENTIAL_FIELDS.map((field) => (
          <Field key={field.name} label={field.label}>
            <Input
              name={field.name}
              type={field.type}
              autoComplete={field.autoComplete}
              required
              value={credentials[field.name]}
              onChange={(e) => setCredentials({ ...credentials, [field.name]: e.target.value })}
              aria-describedby="login-error"
            />
          </Field>
        ))}
        <div id="login-error" aria-live="polite" className="min-h-5 text-sm text-rose-700" data-testid="login-error">
          {error}
        </div>
        <Button type="submit" className="w-full" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
      {demoAccounts.length > 0 && (
        <Card
          tone="dashed"
          padding="sm"
          role="region"
          aria-labelledby="demo-accounts"
          className="mt-6 bg-transparent text-sm"
          data-testid="demo-accounts"
        >
          <h2 id="demo-accounts" className="font-medium text-slate-800">
            Demo accounts
          </h2>
          <p className="mt-0.5 text-xs text-slate-600">Click one to fill the form.</p>
          <ul className="mt-2 space-y-1.5">
            {demoAccounts.map((a) => (
              <li key={a.email}>
                <Button
                  variant="ghost"
                  size="row"
                  onClick={() => {
                    setCredentials({ email: a.email, password: a.password });
                    setError(null);
                  }}
                  className="flex-wrap items-baseline gap-x-2 gap-y-0"
                  data-testid={`demo-fill-${a.role}`}
                >
                  <span className="w-20 shrink-0 font-medium capitalize text-slate-800">{a.role}</span>
                  <span className="whitespace-nowrap font-mono text-xs text-slate-700">{a.email}</span>
                  <span className="whitespace-nowrap font-mono text-xs text-slate-600">{a.password}</span>
                </Button>
              </li>
            ))}
          </ul>
        </Card>
      )}
    </>
  );
}
