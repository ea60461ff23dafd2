import { getDb } from "@/db";
import { getDataset } from "@/lib/datasets/queries";
import {
  checkExport,
  ExportError,
  exportFileName,
  exportLines,
  exportOptionsSchema,
  exportStream,
} from "@/lib/datasets/export";
import { describeZodError, jsonError } from "@/lib/http/body";
import { authorizeRequest } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** GET /api/datasets/<slug>/export?format=annotations|consensus|pairs[&gzip=1&min_annotators=&min_agreement=&skip_not_rankable=1&run=] */
export async function GET(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const auth = await authorizeRequest(request, "researcher");
  if (auth.response) return auth.response;
  const { slug } = await params;
  const parsed = exportOptionsSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) return jsonError(400, describeZodError(parsed.error));
  const db = getDb();
  const dataset = getDataset(db, slug);
  if (!dataset) return jsonError(404, `There is no dataset "${slug}".`);
  try {
    checkExport(db, dataset.id, parsed.data);
  } catch (error) {
    if (error instanceof ExportError) return jsonError(400, error.message);
    throw error;
  }
  const options = parsed.data;
  return new Response(exportStream(exportLines(db, dataset.id, options), options.gzip), {
    headers: {
      "Content-Type": options.gzip ? "application/gzip" : "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="${exportFileName(dataset.slug, options)}"`,
      "Cache-Control": "no-store",
    },
  });
}
