import type { ComponentProps } from "react";
import { cva, type VariantProps } from "class-variance-authority";
import { cn } from "@/lib/utils";

export const alertVariants = cva("rounded-md px-3 py-2 text-sm ring-1 ring-inset", {
  variants: {
    tone: {
      neutral: "bg-slate-50 text-slate-700 ring-slate-200",
      success: "bg-emerald-50 text-emerald-900 ring-emerald-200",
      warning: "bg-amber-50 text-amber-900 ring-amber-200",
      danger: "bg-rose-50 text-rose-800 ring-rose-200",
    },
  },
  defaultVariants: { tone: "neutral" },
});

/** A message in a form or on a page: a result, a warning or an error. */
export function Alert({ className, tone, ...props }: ComponentProps<"div"> & VariantProps<typeof alertVariants>) {
  return <div data-slot="alert" className={cn(alertVariants({ tone }), className)} {...props} />;
}
