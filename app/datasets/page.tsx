import { requirePageUser } from "@/lib/session";

export const metadata = { title: "Datasets" };

export default async function Page() {
  await requirePageUser("researcher", "/datasets");
  return <h1 className="text-2xl font-semibold tracking-tight">Datasets</h1>;
}
