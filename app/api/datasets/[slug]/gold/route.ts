import { z } from "zod";
import { getStore } from "@/lib/db";
import { goldImportSchema, importGold } from "@/lib/annotations/quality";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/**
 * POST /api/datasets/<slug>/gold {"gold": [{"prompt_id", "ranking": [[response ids]]} | {"prompt_id", "best": response id}
 * | {"prompt_id", "gold": null}]}: marks prompts gold with their known answers (ids are the dataset's
 * external ids, as in imports), all or nothing; 400 names every bad item. Researcher role.
 */
export const POST = route(
  { access: "researcher", params: z.object({ slug: z.string() }), body: goldImportSchema },
  ({ params, body }) => importGold(getStore(), params.slug, body.gold),
);
