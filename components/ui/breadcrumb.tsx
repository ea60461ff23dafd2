import Link from "next/link";

/** Where a page sits: a link up to its section, then the page itself ("Runs / #12"). */
export function Breadcrumb({ parent, current }: { parent: { href: string; label: string }; current: string }) {
  return (
    <nav aria-label="Breadcrumb" className="text-sm text-slate-600">
      <Link href={parent.href} className="hover:underline">
        {parent.label}
      </Link>{" "}
      / {current}
    </nav>
  );
}
