import { getStore } from "@/lib/db";
import { annotationEditSchema, editAnnotation, getMyAnnotation } from "@/lib/annotations/annotations";
import { AppError } from "@/lib/errors";
import { idParams } from "@/lib/http/ids";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

const params = idParams("annotation");

/** GET /api/annotations/[id]: one of the caller's own annotations. */
export const GET = route({ access: "annotator", params }, async ({ user, params }) => {
  const mine = await getMyAnnotation(getStore(), user.id, params.id);
  if (!mine) throw new AppError("not-found", `You have no annotation ${params.id}.`);
  return mine;
});

/** PUT /api/annotations/[id]: edits one of the caller's own annotations; the old version becomes a revision. */
export const PUT = route(
  { access: "annotator", params, body: annotationEditSchema },
  async ({ user, params, body }) => {
    const { annotation, revised } = await editAnnotation(getStore(), user.id, params.id, body);
    return { annotation, revised };
  },
);
