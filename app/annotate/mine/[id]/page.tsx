import Link from "next/link";
import { notFound } from "next/navigation";
import { getStore } from "@/lib/db";
import { AnnotationBoard } from "@/components/ranking/annotation-board";
import { getMyAnnotation } from "@/lib/annotations/annotations";
import { getDataset } from "@/lib/datasets/queries";
import { requirePageUser } from "@/lib/auth/session";
import { parseRecordId } from "@/lib/http/ids";

export const metadata = { title: "Edit annotation" };
export const dynamic = "force-dynamic";

export default async function EditAnnotationPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser("annotator", `/annotate/mine/${id}`);
  const annotationId = parseRecordId(id);
  // Someone else's annotation is as invisible as one that does not exist.
  const mine = annotationId === null ? null : await getMyAnnotation(getStore(), user.id, annotationId);
  if (!mine) notFound();
  const { annotation } = mine;
  const pairwise = (await getDataset(getStore(), mine.dataset.slug))?.rankingMode === "pairwise";

  return (
    <div>
      <header className="mb-5">
        <Link href="/annotate/mine" className="text-sm text-indigo-600 hover:underline">
          ← My annotations
        </Link>
        <h1 className="mt-1 text-xl font-semibold tracking-tight sm:text-2xl">Edit your annotation</h1>
        <p className="mt-1 text-sm text-slate-500">
          {mine.dataset.name} · {mine.edits ? `edited ${mine.edits}× before · ` : ""}saving keeps the current version in
          the history.
        </p>
      </header>
      <AnnotationBoard
        // A newer version (saved in another tab) remounts the board on it.
        key={`${annotation.id}-${annotation.updatedAt.getTime()}`}
        pairwise={pairwise}
        userId={user.id}
        annotation={annotation}
        prompt={mine.prompt}
        responses={mine.responses}
        guidelines={mine.dataset.guidelines}
        afterSaveHref={`/annotate/mine?saved=${annotation.id}`}
        cancelHref="/annotate/mine"
      />
    </div>
  );
}
