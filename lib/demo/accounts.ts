import type { Role } from "@/lib/domain";

/** Listed in the README; change them with the admin page or `npm run cli -- user add`. */
export const DEMO_ACCOUNTS: { email: string; name: string; role: Role; password: string }[] = [
  { email: "admin@octorank.dev", name: "Ada Admin", role: "admin", password: "demo-admin" },
  { email: "researcher@octorank.dev", name: "Rosa Researcher", role: "researcher", password: "demo-researcher" },
  { email: "annotator@octorank.dev", name: "Andy Annotator", role: "annotator", password: "demo-annotator" },
  { email: "mina@octorank.dev", name: "Mina Okafor", role: "annotator", password: "demo-annotator" },
  { email: "tomas@octorank.dev", name: "Tomás Reyes", role: "annotator", password: "demo-annotator" },
  { email: "priya@octorank.dev", name: "Priya Natarajan", role: "annotator", password: "demo-annotator" },
];
