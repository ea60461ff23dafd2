import type { ComponentProps } from "react";
import { cva, type VariantProps } from "class-variance-authority";
import { cn } from "@/lib/utils";

export const cardVariants = cva("rounded-xl border bg-white shadow-sm", {
  variants: {
    padding: { none: "", sm: "p-4", md: "p-4 sm:p-5", lg: "p-8" },
    tone: { default: "border-slate-200", dashed: "border-dashed border-slate-300 shadow-none" },
  },
  defaultVariants: { padding: "md", tone: "default" },
});

export type CardProps = ComponentProps<"div"> & VariantProps<typeof cardVariants>;

export function Card({ className, padding, tone, ...props }: CardProps) {
  return <div data-slot="card" className={cn(cardVariants({ padding, tone }), className)} {...props} />;
}

export function CardTitle({ className, ...props }: ComponentProps<"h2">) {
  return <h2 data-slot="card-title" className={cn("text-base font-semibold text-slate-900", className)} {...props} />;
}

export function CardDescription({ className, ...props }: ComponentProps<"p">) {
  return <p data-slot="card-description" className={cn("mt-1 text-sm text-slate-600", className)} {...props} />;
}
