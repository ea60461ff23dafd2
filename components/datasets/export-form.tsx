"use client";

import { useState, type ReactNode } from "react";
import { Alert } from "@/components/ui/alert";

/**
 * The filtered export's form. It asks the export first and downloads it only when there is
 * something to download: filters that leave nothing get the server's reason here, in the page,
 * instead of an empty file or a page of JSON.
 */
export function ExportForm({
  action,
  className,
  children,
}: {
  action: string;
  className?: string;
  children: ReactNode;
}) {
  const [problem, setProblem] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  return (
    <>
      <form
        action={action}
        method="get"
        className={className}
        aria-label="Export with filters"
        data-testid="export-filters"
        aria-busy={checking}
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const fields = new URLSearchParams();
          for (const [key, value] of new FormData(form)) if (typeof value === "string") fields.append(key, value);
          const url = `${action}?${fields}`;
          const controller = new AbortController();
          setChecking(true);
          setProblem(null);
          fetch(url, { signal: controller.signal })
            .then(async (response) => {
              if (response.ok) {
                // There is a first line: leave this look-up and let the browser download the file.
                controller.abort();
                window.location.assign(url);
                return;
              }
              const body = (await response.json().catch(() => null)) as { error?: string } | null;
              setProblem(body?.error ?? `The export failed (HTTP ${response.status}).`);
            })
            .catch(() => setProblem("Could not reach the server; try again."))
            .finally(() => setChecking(false));
        }}
      >
        {children}
      </form>
      {problem && (
        <Alert tone="warning" role="alert" className="mt-2" data-testid="export-problem">
          {problem}
        </Alert>
      )}
    </>
  );
}
