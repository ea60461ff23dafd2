import Link from "next/link";
import type { ReactNode } from "react";
import { buttonVariants } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

/** A page-level message (not found, forbidden, error, empty) with a way on. */
export function EmptyState({
  eyebrow,
  title,
  children,
  action,
  actions,
  testId,
}: {
  eyebrow?: string;
  title: string;
  children?: ReactNode;
  /** A control of the page's own (the error page's "Try again"): shown first, as the primary action. */
  action?: ReactNode;
  actions?: { href: string; label: string }[];
  testId?: string;
}) {
  return (
    <Card padding="lg" className="mx-auto mt-6 max-w-md text-center" data-testid={testId}>
      {eyebrow && <p className="text-sm font-semibold text-rose-700">{eyebrow}</p>}
      <h1 className="mt-1 text-xl font-semibold text-slate-900">{title}</h1>
      {children && <div className="mt-2 text-sm text-slate-600">{children}</div>}
      {(action || actions) && (
        <div className="mt-6 flex flex-wrap justify-center gap-2">
          {action}
          {actions?.map((a, i) => (
            <Link
              key={a.href}
              href={a.href}
              className={buttonVariants({ variant: i === 0 && !action ? "primary" : "secondary" })}
            >
              {a.label}
            </Link>
          ))}
        </div>
      )}
    </Card>
  );
}

/** What a 404 page says: there is nothing at this address, and where to go instead. */
export function NotFoundState({
  title,
  children,
  actions = [{ href: "/", label: "Back to your work" }],
}: {
  title: string;
  children: ReactNode;
  actions?: { href: string; label: string }[];
}) {
  return (
    <EmptyState eyebrow="404" title={title} testId="not-found" actions={actions}>
      {children}
    </EmptyState>
  );
}
