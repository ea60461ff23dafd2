"use client";

import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";

export type DemoAccount = { email: string; role: string; password: string };

export function LoginForm({ next, demoAccounts = [] }: { next: string; demoAccounts?: DemoAccount[] }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    const result = await signIn("credentials", { email, password, redirect: false });
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
      <form
        onSubmit={onSubmit}
        className="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
        noValidate
      >
        <div>
          <Label htmlFor="email">Email</Label>
          <Input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-describedby="login-error"
            className="mt-1"
          />
        </div>
        <div>
          <Label htmlFor="password">Password</Label>
          <Input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby="login-error"
            className="mt-1"
          />
        </div>
        <div id="login-error" aria-live="polite" className="min-h-5 text-sm text-rose-700" data-testid="login-error">
          {error}
        </div>
        <Button type="submit" className="w-full" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </Button>
      </form>
      {demoAccounts.length > 0 && (
        <section
          aria-labelledby="demo-accounts"
          className="mt-6 rounded-lg border border-dashed border-slate-300 p-4 text-sm"
          data-testid="demo-accounts"
        >
          <h2 id="demo-accounts" className="font-medium text-slate-800">
            Demo accounts
          </h2>
          <p className="mt-0.5 text-xs text-slate-600">Click one to fill the form.</p>
          <ul className="mt-2 space-y-1.5">
            {demoAccounts.map((a) => (
              <li key={a.email}>
                <button
                  type="button"
                  onClick={() => {
                    setEmail(a.email);
                    setPassword(a.password);
                    setError(null);
                  }}
                  className="flex w-full flex-wrap items-baseline gap-x-2 rounded-md px-2 py-1.5 text-left hover:bg-slate-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
                  data-testid={`demo-fill-${a.role}`}
                >
                  <span className="w-20 shrink-0 font-medium capitalize text-slate-800">{a.role}</span>
                  <span className="whitespace-nowrap font-mono text-xs text-slate-700">{a.email}</span>
                  <span className="whitespace-nowrap font-mono text-xs text-slate-600">{a.password}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
