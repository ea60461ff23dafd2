import type { ReactNode } from "react";
import { cva, type VariantProps } from "class-variance-authority";
import { cn } from "@/lib/utils";

export const kbdVariants = cva("inline-flex items-center justify-center rounded border font-sans font-medium", {
  variants: {
    size: {
      /** A key in running text or the key map. */
      md: "min-w-6 border-slate-300 border-b-2 bg-white px-1.5 py-0.5 text-xs text-slate-700",
      /** A quiet hint beside a control ("press 3"). */
      sm: "border-slate-200 bg-slate-50 px-1.5 text-[11px] text-slate-600",
    },
  },
  defaultVariants: { size: "md" },
});

export function Kbd({
  children,
  className,
  size,
  ...props
}: { children: ReactNode; className?: string; title?: string } & VariantProps<typeof kbdVariants>) {
  return (
    <kbd className={cn(kbdVariants({ size }), className)} {...props}>
      {children}
    </kbd>
  );
}
