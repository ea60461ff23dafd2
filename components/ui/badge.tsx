import type { ComponentProps } from "react";
import { cva, type VariantProps } from "class-variance-authority";
import { cn } from "@/lib/utils";

/**
 * Text colours are 700/800 shades on 50/100 backgrounds: all above 4.5:1 (axe color-contrast).
 * Each tone names its ring colour too; `outlined` draws it.
 */
export const badgeVariants = cva("inline-flex items-center gap-1 font-medium", {
  variants: {
    tone: {
      neutral: "bg-slate-100 text-slate-700 ring-slate-300",
      info: "bg-indigo-100 text-indigo-800 ring-indigo-300",
      success: "bg-emerald-100 text-emerald-800 ring-emerald-300",
      warning: "bg-amber-100 text-amber-800 ring-amber-300",
      danger: "bg-rose-100 text-rose-800 ring-rose-300",
      accent: "bg-fuchsia-100 text-fuchsia-800 ring-fuchsia-300",
    },
    size: {
      sm: "rounded-full px-2 py-0.5 text-xs",
      lg: "rounded-md px-2 py-1 text-sm font-semibold",
    },
    outlined: { true: "ring-1 ring-inset", false: "" },
  },
  defaultVariants: { tone: "neutral", size: "sm", outlined: false },
});

/** The text colour of each tone, for a word that reads like the badge without its background. */
export const toneText = {
  neutral: "text-slate-600",
  info: "text-indigo-700",
  success: "text-emerald-700",
  warning: "text-amber-700",
  danger: "text-rose-700",
  accent: "text-fuchsia-700",
} as const;

export type Tone = keyof typeof toneText;

export type BadgeProps = ComponentProps<"span"> & VariantProps<typeof badgeVariants>;

export function Badge({ className, tone, size, outlined, ...props }: BadgeProps) {
  return <span data-slot="badge" className={cn(badgeVariants({ tone, size, outlined }), className)} {...props} />;
}
