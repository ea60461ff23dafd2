import { z } from "zod";
import { getStore } from "@/lib/db";
import { getDataset } from "@/lib/datasets/queries";
import {
  checkExport,
  exportFileName,
  exportOptionsSchema,
  exportPages,
  exportStream,
  fromFirstLine,
} from "@/lib/datasets/export";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";
import { holdWhileOpen, perUserSlots } from "@/lib/http/per-user-slots";

export const dynamic = "force-dynamic";

const exportsOpen = perUserSlots(
  2,
  (limit) => `You have ${limit} exports downloading already; start this one when one of them has finished.`,
);

/**
 * GET /api/datasets/<slug>/export?format=annotations|consensus|pairs|pairs-text[&gzip=1&min_annotators=&min_agreement=
 * &skip_not_rankable=1&accepted_only=1&run=&margin=1&weight=1&split_seed=&held_out_share=] (docs/data.md);
 * 429 while the caller has two exports downloading; 404 with the reason when the filters leave no line.
 */
export const GET = route(
  { access: "researcher", params: z.object({ slug: z.string() }), query: exportOptionsSchema },
  async ({ user, params, query: options }) => {
    const store = getStore();
    const dataset = await getDataset(store, params.slug);
    if (!dataset) throw new AppError("not-found", `There is no dataset "${params.slug}".`);
    await checkExport(store, dataset.id, options);
    const release = exportsOpen.take(user.id);
    let pages: AsyncIterator<string[]> | null;
    try {
      pages = await fromFirstLine(exportPages(store, dataset.id, options));
    } catch (error) {
      release();
      throw error;
    }
    if (!pages) {
      release();
      throw new AppError(
        "not-found",
        `Nothing to export: no prompt of ${dataset.slug} gives a ${options.format} line with these filters. Loosen them (or include gold prompts) and try again.`,
      );
    }
    return new Response(holdWhileOpen(exportStream(pages, options.gzip), release), {
      headers: {
        "Content-Type": options.gzip ? "application/gzip" : "application/x-ndjson; charset=utf-8",
        "Content-Disposition": `attachment; filename="${exportFileName(dataset.slug, options)}"`,
        "Cache-Control": "no-store",
      },
    });
  },
);
