import type { Role } from "@/lib/domain";

/** Roles are cumulative: a researcher can do what an annotator can, an admin what a researcher can. */
const RANK: Record<Role, number> = { annotator: 0, researcher: 1, admin: 2 };

export function hasRole(role: Role, atLeast: Role): boolean {
  return RANK[role] >= RANK[atLeast];
}

export type SessionUser = { id: number; email: string; name: string; role: Role };
