import Link from "next/link";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/login-form";
import { currentUser } from "@/lib/auth/session";
import { demoMode } from "@/lib/env";
import { DEMO_ACCOUNTS } from "@/lib/demo/accounts";

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
      <p className="mt-1 text-sm text-slate-600">
        Rank model responses, train reward models on the rankings, and catch reward collapse.{" "}
        <Link href="/" className="text-indigo-700 hover:underline">
          What is Octorank?
        </Link>
      </p>
      <LoginForm
        next={next}
        demoAccounts={
          demoMode()
            ? DEMO_ACCOUNTS.filter((a, i, all) => all.findIndex((b) => b.role === a.role) === i).map(
                ({ email, role, password }) => ({ email, role, password }),
              )
            : []
        }
      />
    </div>
  );
}
