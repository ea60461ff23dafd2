import type { ComponentProps } from "react";
import { cn } from "@/lib/utils";

/**
 * A block of code or a literal sample (a file format, a request) that keeps its lines: it scrolls
 * sideways inside itself on a phone, and takes focus so a keyboard can scroll it too (axe:
 * scrollable-region-focusable).
 */
export function CodeBlock({ className, ...props }: ComponentProps<"pre">) {
  return (
    <pre
      tabIndex={0}
      className={cn(
        "overflow-x-auto rounded-md p-3 font-mono text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500",
        className,
      )}
      {...props}
    />
  );
}
