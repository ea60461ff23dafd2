import Link from "next/link";
import { ImportForm } from "@/components/datasets/import-form";
import { MAX_IMPORT_BYTES } from "@/lib/datasets/import";
import { requirePageUser } from "@/lib/auth/session";
import { ImportFormatHelp } from "@/components/datasets/import-format-help";

export const metadata = { title: "New dataset" };

export default async function Page() {
  await requirePageUser("researcher", "/datasets/new");
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div>
        <Link href="/datasets" className="text-sm text-indigo-700 hover:underline">
          ← Datasets
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">New dataset from a file</h1>
        <p className="text-sm text-slate-600">The file is imported whole or not at all; every bad line is listed.</p>
      </div>
      <ImportForm maxMegabytes={MAX_IMPORT_BYTES / 1024 / 1024} />
      <ImportFormatHelp />
    </div>
  );
}
