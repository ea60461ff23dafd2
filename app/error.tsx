"use client";

import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";

/** Anything a page throws lands here: say so plainly, offer a retry and a way back. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <EmptyState
      eyebrow="Something went wrong"
      title="This page could not be shown"
      testId="error-page"
      action={<Button onClick={reset}>Try again</Button>}
      actions={[{ href: "/", label: "Back to your work" }]}
    >
      <p>
        Nothing you saved is lost. Try again; if it keeps happening, tell an admin
        {error.digest ? (
          <>
            {" "}
            the reference <code className="font-mono">{error.digest}</code>
          </>
        ) : null}
        .
      </p>
    </EmptyState>
  );
}
