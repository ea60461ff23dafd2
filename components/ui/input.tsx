import type { ComponentProps } from "react";
import { cn } from "@/lib/utils";

/** Shared by inputs, selects and textareas so every field looks and focuses alike. */
export const fieldClass = cn(
  "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 placeholder:text-slate-500",
  "focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30",
  "disabled:cursor-not-allowed disabled:bg-slate-100",
  "aria-invalid:border-rose-500 aria-invalid:ring-rose-500/30",
);

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input data-slot="input" className={cn(fieldClass, className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<"select">) {
  return <select data-slot="select" className={cn(fieldClass, "pr-8", className)} {...props} />;
}

export function Label({ className, ...props }: ComponentProps<"label">) {
  return <label data-slot="label" className={cn("text-sm font-medium text-slate-800", className)} {...props} />;
}
