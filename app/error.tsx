"use client";

import Link from "next/link";
import { Button, buttonVariants } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/** Anything a page throws lands here: say so plainly, offer a retry and a way back. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <Card padding="lg" className="mx-auto mt-6 max-w-md text-center" data-testid="error-page">
      <p className="text-sm font-semibold text-rose-700">Something went wrong</p>
      <h1 className="mt-1 text-xl font-semibold text-slate-900">This page could not be shown</h1>
      <p className="mt-2 text-sm text-slate-600">
        Nothing you saved is lost. Try again; if it keeps happening, tell an admin
        {error.digest ? (
          <>
            {" "}
            the reference <code className="font-mono">{error.digest}</code>
          </>
        ) : null}
        .
      </p>
      <div className="mt-6 flex flex-wrap justify-center gap-2">
        <Button onClick={reset}>Try again</Button>
        <Link href="/" className={buttonVariants({ variant: "secondary" })}>
          Back to your work
        </Link>
      </div>
    </Card>
  );
}
