import Link from "next/link";
import { notFound } from "next/navigation";
import { getStore } from "@/lib/db";
import { ImportForm } from "@/components/datasets/import-form";
import { ImportFormatHelp } from "@/components/datasets/import-format-help";
import { getDataset } from "@/lib/datasets/queries";
import { MAX_IMPORT_BYTES } from "@/lib/datasets/import";
import { requirePageUser } from "@/lib/auth/session";

export const metadata = { title: "Import" };
export const dynamic = "force-dynamic";

export default async function Page({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  await requirePageUser("researcher", `/datasets/${slug}/import`);
  const dataset = await getDataset(getStore(), slug);
  if (!dataset) notFound();
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div>
        <Link href={`/datasets/${dataset.slug}`} className="text-sm text-indigo-700 hover:underline">
          ← {dataset.name}
        </Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">Import into {dataset.name}</h1>
        <p className="text-sm text-slate-600">
          Prompts already stored (same id) are matched, not duplicated; each line needs {dataset.responsesPerPrompt}{" "}
          responses. The file is imported whole or not at all.
        </p>
      </div>
      <ImportForm slug={dataset.slug} maxMegabytes={MAX_IMPORT_BYTES / 1024 / 1024} />
      <ImportFormatHelp />
    </div>
  );
}
