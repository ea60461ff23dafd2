import Link from "next/link";

export const metadata = { title: "Not allowed" };

export default async function Forbidden({ searchParams }: { searchParams: Promise<{ need?: string }> }) {
  const { need } = await searchParams;
  return (
    <div
      className="mx-auto max-w-md rounded-lg border border-slate-200 bg-white p-8 text-center shadow-sm"
      data-testid="forbidden"
    >
      <p className="text-sm font-semibold text-rose-600">403</p>
      <h1 className="mt-1 text-xl font-semibold">You don&apos;t have access to that page</h1>
      <p className="mt-2 text-sm text-slate-600">
        It needs the {need === "admin" ? "admin" : "researcher"} role. Ask an admin if you should have it.
      </p>
      <Link href="/" className="mt-6 inline-block text-sm font-medium text-indigo-600 hover:underline">
        Back to your work
      </Link>
    </div>
  );
}
