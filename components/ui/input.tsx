import type { ComponentProps } from "react";
import { cva } from "class-variance-authority";
import { cn } from "@/lib/utils";

/** Shared by inputs, selects and textareas so every field looks and focuses alike. */
export const fieldVariants = cva(
  [
    "block rounded-md border border-slate-300 bg-white text-sm text-slate-900 placeholder:text-slate-500",
    "focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30",
    "disabled:cursor-not-allowed disabled:bg-slate-100",
    "aria-invalid:border-rose-500 aria-invalid:ring-rose-500/30",
  ],
  {
    variants: {
      density: {
        /** A form's own field: the full width of its column. */
        comfortable: "w-full px-3 py-2",
        /** A field in a row of filters or a table cell: button height, as wide as its content. */
        compact: "h-9 w-auto px-2 py-0",
      },
    },
    defaultVariants: { density: "comfortable" },
  },
);

type Density = "comfortable" | "compact";

export const fieldClass = fieldVariants();

export function Input({ className, density, ...props }: ComponentProps<"input"> & { density?: Density }) {
  return <input data-slot="input" className={cn(fieldVariants({ density }), className)} {...props} />;
}

/**
 * A select. Keyed on its defaultValue: React applies a select's defaultValue only when it mounts,
 * so after a save re-renders the form with the saved value, the form's reset would bring back the
 * value it first rendered with (the old one) and the next save would quietly revert the change.
 */
export function Select({ className, density, ...props }: ComponentProps<"select"> & { density?: Density }) {
  return (
    <select
      key={props.defaultValue === undefined ? undefined : String(props.defaultValue)}
      data-slot="select"
      className={cn(fieldVariants({ density }), "pr-8", className)}
      {...props}
    />
  );
}

export function Label({ className, ...props }: ComponentProps<"label">) {
  return <label data-slot="label" className={cn("text-sm font-medium text-slate-800", className)} {...props} />;
}
