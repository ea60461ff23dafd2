import { redirect } from "next/navigation";
import { LoginForm } from "@/components/login-form";
import { currentUser } from "@/lib/auth/session";
import { demoMode } from "@/lib/env";
import { DEMO_ACCOUNTS } from "@/lib/demo/seed";

export const metadata = { title: "Sign in" };

/**
 * Only a path on this site: an open redirect after login would be a phishing aid. Resolving the way
 * a browser does catches "/\\evil.example" and "/\t/evil.example", which browsers read as "//evil.example".
 */
function localPath(callbackUrl: string | undefined): string {
  const base = "http://octorank.invalid";
  try {
    const url = new URL(callbackUrl ?? "/", base);
    return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : "/";
  } catch {
    return "/";
  }
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  const { callbackUrl } = await searchParams;
  const next = localPath(callbackUrl);
  if (await currentUser()) redirect(next);
  return (
    <div className="mx-auto mt-10 max-w-sm">
      <h1 className="text-2xl font-semibold tracking-tight">Sign in to Octorank</h1>
      <p className="mt-1 text-sm text-slate-600">Rank responses, train reward models, catch collapse.</p>
      <LoginForm next={next} />
      {demoMode() && (
        <section
          aria-labelledby="demo-accounts"
          className="mt-6 rounded-lg border border-dashed border-slate-300 p-4 text-sm"
        >
          <h2 id="demo-accounts" className="font-medium text-slate-700">
            Demo accounts
          </h2>
          <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-slate-600">
            {DEMO_ACCOUNTS.filter((a, i, all) => all.findIndex((b) => b.role === a.role) === i).map((a) => (
              <div key={a.email} className="contents">
                <dt className="capitalize text-slate-500">{a.role}</dt>
                <dd className="font-mono text-xs leading-5">
                  {a.email} · {a.password}
                </dd>
              </div>
            ))}
          </dl>
        </section>
      )}
    </div>
  );
}
