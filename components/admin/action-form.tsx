"use client";

import { useActionState, useId, type ReactNode } from "react";
import { useFormStatus } from "react-dom";
import { Button, type ButtonProps } from "@/components/ui/button";
import type { AdminActionState } from "@/lib/admin/actions";
import { cn } from "@/lib/utils";

type Action = (state: AdminActionState, formData: FormData) => Promise<AdminActionState>;

/**
 * A form bound to an admin server action, with its outcome in an aria-live region. A token in the
 * result is shown once, in a copyable box.
 */
export function ActionForm({
  action,
  children,
  className,
  testId,
  label,
}: {
  action: Action;
  children: ReactNode;
  className?: string;
  testId?: string;
  label?: string;
}) {
  const [state, formAction] = useActionState(action, {});
  const id = useId();
  return (
    <form
      action={formAction}
      className={className}
      data-testid={testId}
      aria-label={label}
      aria-describedby={`${id}-status`}
    >
      {children}
      <div id={`${id}-status`} aria-live="polite" className="basis-full">
        {state.error && (
          <p className="mt-1 text-xs text-rose-700" data-testid="action-error">
            {state.error}
          </p>
        )}
        {state.message && !state.error && <p className={cn("mt-1 text-xs text-emerald-700")}>{state.message}</p>}
        {state.token && (
          <p className="mt-2 rounded-md bg-amber-50 p-2 text-xs">
            <span className="sr-only">New token: </span>
            <code className="select-all break-all font-mono text-sm text-amber-900" data-testid="new-token">
              {state.token}
            </code>
          </p>
        )}
      </div>
    </form>
  );
}

/** A submit button that shows it is busy while its form's action runs. */
export function SubmitButton({ children, ...props }: ButtonProps) {
  const { pending } = useFormStatus();
  return (
    <Button type="submit" {...props} disabled={pending || props.disabled} aria-busy={pending}>
      {children}
    </Button>
  );
}
