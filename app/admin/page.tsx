import { requirePageUser } from "@/lib/session";

export const metadata = { title: "Admin" };

export default async function Page() {
  await requirePageUser("admin", "/admin");
  return <h1 className="text-2xl font-semibold tracking-tight">Admin</h1>;
}
