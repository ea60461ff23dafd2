import Link from "next/link";
import { hasRole, type SessionUser } from "@/lib/auth/roles";
import type { Role } from "@/lib/domain";
import { SignOutButton } from "@/components/sign-out-button";

const LINKS: { href: string; label: string; role: Role }[] = [
  { href: "/annotate", label: "Annotate", role: "annotator" },
  { href: "/annotate/mine", label: "My annotations", role: "annotator" },
  { href: "/datasets", label: "Datasets", role: "researcher" },
  { href: "/runs", label: "Runs", role: "researcher" },
  { href: "/admin", label: "Admin", role: "admin" },
];

export function AppNav({ user }: { user: SessionUser | null }) {
  return (
    <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/90 backdrop-blur">
      <nav
        aria-label="Main"
        className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-1 px-4 py-2 sm:h-14 sm:flex-nowrap sm:py-0"
      >
        <Link href="/" className="mr-4 flex items-center gap-2 font-semibold tracking-tight text-slate-900">
          <span
            aria-hidden
            className="grid h-7 w-7 place-items-center rounded-md bg-indigo-600 text-xs font-bold text-white"
          >
            8
          </span>
          Octorank
        </Link>
        {user && (
          // Wrapped on a phone, not scrolled: an admin's five links are wider than a phone, and a
          // scrolled row hid the last ones past its edge.
          <ul className="order-last -mx-2 flex w-full min-w-0 flex-wrap items-center gap-x-1 pt-1 sm:order-none sm:mx-0 sm:w-auto sm:flex-1 sm:flex-nowrap sm:pt-0">
            {LINKS.filter((l) => hasRole(user.role, l.role)).map((l) => (
              <li key={l.href}>
                <Link
                  href={l.href}
                  className="whitespace-nowrap rounded-md px-2 py-1.5 text-sm sm:px-2.5 text-slate-600 hover:bg-slate-100 hover:text-slate-900"
                >
                  {l.label}
                </Link>
              </li>
            ))}
          </ul>
        )}
        {user && (
          <div className="ml-auto flex items-center gap-2">
            <span className="max-w-40 truncate text-sm text-slate-500 sm:max-w-none" data-testid="whoami">
              {user.name} · {user.role}
            </span>
            <SignOutButton />
          </div>
        )}
      </nav>
    </header>
  );
}
