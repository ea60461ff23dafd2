import { z } from "zod";
import { crossSiteRefusal, describeZodError, isCrossSiteFormRisk, jsonError } from "@/lib/http/body";
import { ImportTooLargeError, MAX_IMPORT_BYTES, removeUpload, saveUpload, slugSchema } from "@/lib/datasets/import";
import { importInChildProcess } from "@/lib/datasets/import-process";
import { authorizeRequest } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** Settings for a dataset the import creates; ignored when the slug exists. */
const querySchema = z.object({
  name: z.string().optional(),
  guidelines: z.string().optional(),
  responses_per_prompt: z.coerce.number().optional(),
  annotations_per_prompt: z.coerce.number().optional(),
});

/**
 * POST /api/datasets/<slug>/import with a JSONL body. 200 with a summary; 422 with every bad line
 * (nothing imported); 413 past the size limit; 415 for a form-like body sent with a session cookie.
 * The proxy does not run here (it would buffer and cap the body), so the route guards itself.
 */
export async function POST(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const crossSite = crossSiteRefusal(request);
  if (crossSite) return crossSite;
  const auth = await authorizeRequest(request, "researcher");
  if (auth.response) return auth.response;
  const slug = slugSchema.safeParse((await params).slug);
  if (!slug.success) return jsonError(400, describeZodError(slug.error));
  const query = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) return jsonError(400, describeZodError(query.error));
  if (isCrossSiteFormRisk(request)) {
    return jsonError(415, "Send the file with Content-Type: application/x-ndjson (or authenticate with an API token).");
  }
  const tooLarge = () => jsonError(413, new ImportTooLargeError().message);
  if (Number(request.headers.get("content-length") ?? 0) > MAX_IMPORT_BYTES) return tooLarge();
  if (!request.body) return jsonError(400, "Send the JSONL file as the request body.");

  let file: string;
  try {
    file = await saveUpload(request.body);
  } catch (error) {
    if (error instanceof ImportTooLargeError) return tooLarge();
    throw error;
  }
  try {
    // In a child process: checking and writing a large file must not hold this server's event loop.
    const result = await importInChildProcess(file, {
      slug: slug.data,
      create: {
        name: query.data.name || undefined,
        guidelines: query.data.guidelines,
        responsesPerPrompt: query.data.responses_per_prompt,
        annotationsPerPrompt: query.data.annotations_per_prompt,
      },
    });
    return Response.json(result, { status: result.ok ? 200 : 422 });
  } finally {
    removeUpload(file);
  }
}
