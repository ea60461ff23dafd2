import type { ComponentProps, ReactNode } from "react";
import { cn } from "@/lib/utils";

/** A table that scrolls sideways inside its own frame on a narrow screen (focusable, for keyboards). */
export function Table({ className, frameClassName, ...props }: ComponentProps<"table"> & { frameClassName?: string }) {
  return (
    <div
      data-slot="table-frame"
      tabIndex={0}
      className={cn(
        "overflow-x-auto rounded-lg border border-slate-200 bg-white focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500",
        frameClassName,
      )}
    >
      <table data-slot="table" className={cn("min-w-full text-sm", className)} {...props} />
    </div>
  );
}

export function TableHeader({ className, ...props }: ComponentProps<"thead">) {
  return (
    <thead
      data-slot="table-header"
      className={cn("bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600", className)}
      {...props}
    />
  );
}

export function TableBody({ className, ...props }: ComponentProps<"tbody">) {
  return <tbody data-slot="table-body" className={cn("divide-y divide-slate-100", className)} {...props} />;
}

export function TableRow({ className, ...props }: ComponentProps<"tr">) {
  return <tr data-slot="table-row" className={cn(className)} {...props} />;
}

export function TableHead({ className, numeric, ...props }: ComponentProps<"th"> & { numeric?: boolean }) {
  return (
    <th
      data-slot="table-head"
      scope="col"
      className={cn("px-3 py-2 font-semibold", numeric && "text-right", className)}
      {...props}
    />
  );
}

export function TableCell({ className, numeric, ...props }: ComponentProps<"td"> & { numeric?: boolean }) {
  return (
    <td
      data-slot="table-cell"
      className={cn("px-3 py-2 align-top", numeric && "text-right tabular-nums", className)}
      {...props}
    />
  );
}

/** A column of a DataTable: its header text, or that with a key, alignment, tooltip or classes. */
export type TableColumn =
  string | { label: ReactNode; key?: string; numeric?: boolean; title?: string; className?: string };

/** A table with a header row made from `columns`, a hidden caption, and the body rows as children. */
export function DataTable({
  columns,
  caption,
  children,
  ...props
}: Omit<ComponentProps<typeof Table>, "children"> & {
  columns: TableColumn[];
  caption?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Table {...props}>
      {caption && <caption className="sr-only">{caption}</caption>}
      <TableHeader>
        <TableRow>
          {columns.map((column, i) => {
            const { label, key, ...head } = typeof column === "string" ? { label: column } : column;
            return (
              <TableHead key={key ?? (typeof label === "string" ? label : i)} {...head}>
                {label}
              </TableHead>
            );
          })}
        </TableRow>
      </TableHeader>
      <TableBody>{children}</TableBody>
    </Table>
  );
}
