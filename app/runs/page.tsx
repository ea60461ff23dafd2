import { requirePageUser } from "@/lib/session";

export const metadata = { title: "Runs" };

export default async function Page() {
  await requirePageUser("researcher", "/runs");
  return <h1 className="text-2xl font-semibold tracking-tight">Runs</h1>;
}
