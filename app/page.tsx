import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { hasRole } from "@/lib/auth/roles";

export default async function Home() {
  const user = await currentUser();
  if (!user) redirect("/login");
  redirect(hasRole(user.role, "researcher") ? "/datasets" : "/annotate");
}
