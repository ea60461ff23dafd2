import { z } from "zod";
import { AppError } from "@/lib/errors";
import { isCrossSiteFormRisk, parseOrThrow } from "@/lib/http/body";
import { route } from "@/lib/http/route";
import { ImportTooLargeError, MAX_IMPORT_BYTES, removeUpload, saveUpload, slugSchema } from "@/lib/datasets/import";
import { getDataset } from "@/lib/datasets/queries";
import { getStore } from "@/lib/db";
import { importInChildProcess, takeImportSlot } from "@/lib/datasets/import-process";
import { IMPORT_FORMATS } from "@/lib/datasets/preference-files";

export const dynamic = "force-dynamic";

/** Settings for a dataset the import creates; ignored when the slug exists (refused instead with `new=1`). */
const query = z.object({
  /** "1": the import must create the dataset; an existing slug is refused (409) instead of merged into. */
  new: z.enum(["0", "1"]).optional(),
  name: z.string().optional(),
  guidelines: z.string().optional(),
  responses_per_prompt: z.coerce.number().optional(),
  annotations_per_prompt: z.coerce.number().optional(),
  /** The file's format (lib/datasets/preference-files.ts); Octorank's import lines by default. */
  format: z.enum(IMPORT_FORMATS, { message: `format is one of ${IMPORT_FORMATS.join(", ")}.` }).default("octorank"),
  annotator: z.string().trim().min(1).max(200).optional(),
  rating_key: z.string().trim().min(1).max(200).optional(),
});

/**
 * POST /api/datasets/<slug>/import with a JSONL body. 200 with a summary; 422 with every bad line
 * (nothing imported); 413 past the size limit; 429 while MAX_CONCURRENT_IMPORTS others run; 415 for a form-like body sent with a session cookie.
 * The proxy does not run here (it would buffer and cap the body): route() refuses cross-site writes.
 */
export const POST = route(
  { access: "researcher", params: z.object({ slug: z.string() }), query },
  async ({ request, params, query }) => {
    // The slug may name a dataset the import creates, so a bad one is a bad request, not a 404.
    const slug = parseOrThrow(slugSchema, params.slug);
    if (isCrossSiteFormRisk(request)) {
      throw new AppError(
        "unsupported-media-type",
        "Send the file with Content-Type: application/x-ndjson (or authenticate with an API token).",
      );
    }
    if (Number(request.headers.get("content-length") ?? 0) > MAX_IMPORT_BYTES) throw new ImportTooLargeError();
    if (!request.body) throw new AppError("invalid", "Send the JSONL file as the request body.");
    if (query.new === "1" && (await getDataset(getStore(), slug))) {
      throw new AppError(
        "conflict",
        `There is already a dataset "${slug}". Choose another slug, or import into it from its own page (Import).`,
      );
    }

    const releaseSlot = await takeImportSlot(getStore());
    try {
      const file = await saveUpload(request.body);
      try {
        // In a child process: checking and writing a large file must not hold this server's event loop.
        const result = await importInChildProcess(file, {
          slug,
          format: query.format,
          annotator: query.annotator,
          ratingKey: query.rating_key,
          create: {
            name: query.name || undefined,
            guidelines: query.guidelines,
            responsesPerPrompt: query.responses_per_prompt,
            annotationsPerPrompt: query.annotations_per_prompt,
          },
        });
        return Response.json(result, { status: result.ok ? 200 : 422 });
      } finally {
        removeUpload(file);
      }
    } finally {
      await releaseSlot();
    }
  },
);
