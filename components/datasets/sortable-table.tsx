"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/utils";

export type Column = { key: string; label: string; numeric?: boolean; digits?: number; title?: string };
export type Row = {
  id: string | number;
  href?: string;
  flagged?: boolean;
  cells: Record<string, string | number | null>;
};

/** A table whose column headers sort it (click again to reverse); flagged rows are marked. */
export function SortableTable({
  columns,
  rows,
  caption,
  initialSort,
  testId,
}: {
  columns: Column[];
  rows: Row[];
  caption: string;
  initialSort?: { key: string; descending?: boolean };
  testId?: string;
}) {
  const [sort, setSort] = useState(initialSort ?? { key: columns[0]!.key, descending: false });
  const sorted = useMemo(() => {
    const out = [...rows];
    out.sort((a, b) => {
      const x = a.cells[sort.key];
      const y = b.cells[sort.key];
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return sort.descending ? -order : order;
    });
    return out;
  }, [rows, sort]);

  return (
    <Table data-testid={testId}>
      <caption className="sr-only">{caption}</caption>
      <TableHeader>
        <TableRow>
          {columns.map((c) => {
            const active = sort.key === c.key;
            return (
              <TableHead
                key={c.key}
                numeric={c.numeric}
                aria-sort={active ? (sort.descending ? "descending" : "ascending") : "none"}
              >
                <button
                  type="button"
                  title={c.title}
                  onClick={() => setSort({ key: c.key, descending: active ? !sort.descending : false })}
                  className="inline-flex items-center gap-1 rounded uppercase hover:text-slate-900 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
                >
                  {c.label}
                  <span aria-hidden className={cn("text-[10px]", !active && "opacity-30")}>
                    {active && sort.descending ? "▼" : "▲"}
                  </span>
                </button>
              </TableHead>
            );
          })}
        </TableRow>
      </TableHeader>
      <TableBody>
        {sorted.map((row) => (
          <TableRow
            key={row.id}
            className={cn(row.flagged && "bg-amber-50")}
            data-flagged={row.flagged ? "true" : undefined}
          >
            {columns.map((c, i) => {
              const value = row.cells[c.key];
              const text =
                value === null || value === undefined
                  ? "—"
                  : typeof value === "number"
                    ? value.toFixed(c.digits ?? 0)
                    : value;
              return (
                <TableCell key={c.key} numeric={c.numeric} className={cn(!c.numeric && "max-w-md truncate")}>
                  {i === 0 && row.flagged && (
                    <span className="mr-1.5 rounded bg-amber-200 px-1.5 py-0.5 text-[10px] font-semibold uppercase text-amber-900">
                      flagged
                    </span>
                  )}
                  {i === 0 && row.href ? (
                    <Link href={row.href} className="font-medium text-indigo-700 hover:underline">
                      {text}
                    </Link>
                  ) : (
                    text
                  )}
                </TableCell>
              );
            })}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
