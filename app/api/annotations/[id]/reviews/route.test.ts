import { beforeEach, describe, expect, it } from "vitest";
import type { Store } from "@/db/store";
import { createApiToken } from "@/lib/admin/queries";
import { annotationInputSchema, listMyAnnotations, saveAnnotation } from "@/lib/annotations/annotations";
import { freshDbPerTest, seedDataset, seedUser, serveTestStore } from "@/lib/test-fixtures";
import { GET, POST } from "./route";

let store: Store;

let annotatorId: number;
let tokens: { researcher: string; otherResearcher: string; annotator: string };
let annotation: { id: number; version: number };

const fresh = freshDbPerTest();
serveTestStore(fresh);
beforeEach(async () => {
  ({ store } = fresh);
  annotatorId = await seedUser(fresh.side, "ann");
  const researcherId = await seedUser(fresh.side, "rita", "researcher");
  const token = async (userId: number) => (await createApiToken(store, { userId, name: "t" })).token;
  tokens = {
    researcher: await token(researcherId),
    otherResearcher: await token(await seedUser(fresh.side, "rob", "researcher")),
    annotator: await token(annotatorId),
  };
  const { prompts } = await seedDataset(fresh.side, { promptCount: 1, perPrompt: 2 });
  const [a, b] = prompts[0]!.responseIds as [number, number];
  const saved = (
    await saveAnnotation(
      store,
      annotatorId,
      annotationInputSchema.parse({ promptId: prompts[0]!.id, ranking: [[a], [b]], openness: 0.5 }),
    )
  ).annotation;
  annotation = { id: saved.id, version: saved.updatedAt.getTime() };
  // The researcher's own annotation of the same prompt, which they may not review.
  await saveAnnotation(
    store,
    researcherId,
    annotationInputSchema.parse({ promptId: prompts[0]!.id, ranking: [[b], [a]], openness: 1 }),
  );
});

function request(
  method: "GET" | "POST",
  id: number | string,
  { token = tokens.researcher, body }: { token?: string; body?: unknown } = {},
) {
  return (method === "GET" ? GET : POST)(
    new Request(`http://octorank.test/api/annotations/${id}/reviews`, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    }),
    { params: Promise.resolve({ id: String(id) }) },
  );
}

const decisions = () => fresh.side.rows("annotationReviews");

describe("/api/annotations/[id]/reviews", () => {
  it("sends back with a comment, reads the history, accepts the resubmitted version", async () => {
    const sentBack = await request("POST", annotation.id, {
      body: { version: annotation.version, decision: "send_back", comment: "B is off-topic: look again." },
    });
    expect(sentBack.status).toBe(201);
    expect(await sentBack.json()).toMatchObject({
      state: "sent_back",
      review: {
        annotationId: annotation.id,
        reviewer: "rita",
        decision: "send_back",
        comment: "B is off-topic: look again.",
      },
    });

    const read = await request("GET", annotation.id, { token: tokens.otherResearcher });
    expect(read.status).toBe(200);
    const history = (await read.json()) as { state: string; version: number; reviews: { decision: string }[] };
    expect(history).toMatchObject({ state: "sent_back", version: annotation.version, annotatorId });
    expect(history.reviews.map((r) => r.decision)).toEqual(["send_back"]);
    expect((await listMyAnnotations(store, annotatorId)).annotations[0]!.review).toEqual({
      state: "sent_back",
      decision: { reviewer: "rita", comment: "B is off-topic: look again.", decidedAt: expect.any(Date) },
    });

    // The annotator resubmits: a new version, waiting for review; the old decision stays.
    await fresh.side.update("annotations", { updatedAt: new Date(annotation.version + 1000) }, { id: annotation.id });
    const after = (await (await request("GET", annotation.id)).json()) as { state: string; version: number };
    expect(after).toMatchObject({ state: "pending", version: annotation.version + 1000 });
    expect((await listMyAnnotations(store, annotatorId)).annotations[0]!.review).toEqual({
      state: "pending",
      decision: null,
    });
    const stale = await request("POST", annotation.id, { body: { version: annotation.version, decision: "accept" } });
    expect(stale.status).toBe(409);
    const accepted = await request("POST", annotation.id, { body: { version: after.version, decision: "accept" } });
    expect(accepted.status).toBe(201);
    expect(((await (await request("GET", annotation.id)).json()) as { state: string }).state).toBe("accepted");
    expect((await decisions()).map((d) => d.decision)).toEqual(["send_back", "accept"]);
  });

  it("refuses bad input, the wrong role and one's own annotation with a 4xx, writing nothing", async () => {
    const { version } = annotation;
    const own = (await fresh.side.rows("annotations")).find((a) => a.annotatorId !== annotatorId)!;
    const cases: [string, Promise<Response>, number][] = [
      [
        "annotator role",
        request("POST", annotation.id, { token: tokens.annotator, body: { version, decision: "accept" } }),
        403,
      ],
      ["annotator reading", request("GET", annotation.id, { token: tokens.annotator }), 403],
      ["unknown annotation", request("POST", 999999, { body: { version, decision: "accept" } }), 404],
      ["unknown annotation read", request("GET", 999999), 404],
      ["id not a number", request("GET", "1;drop"), 404],
      [
        "own annotation",
        request("POST", own.id, { body: { version: own.updatedAt.getTime(), decision: "accept" } }),
        403,
      ],
      ["send back without comment", request("POST", annotation.id, { body: { version, decision: "send_back" } }), 400],
      [
        "reject with blank comment",
        request("POST", annotation.id, { body: { version, decision: "reject", comment: "  " } }),
        400,
      ],
      ["unknown decision", request("POST", annotation.id, { body: { version, decision: "approve" } }), 400],
      [
        "version not a number",
        request("POST", annotation.id, { body: { version: `${version}ms`, decision: "accept" } }),
        400,
      ],
      ["version true", request("POST", annotation.id, { body: { version: true, decision: "accept" } }), 400],
      ["version null", request("POST", annotation.id, { body: { version: null, decision: "accept" } }), 400],
      ["no version", request("POST", annotation.id, { body: { decision: "accept" } }), 400],
      [
        "unknown field",
        request("POST", annotation.id, { body: { version, decision: "accept", annotationId: 1 } }),
        400,
      ],
      [
        "comment too long",
        request("POST", annotation.id, { body: { version, decision: "reject", comment: "x".repeat(5001) } }),
        400,
      ],
      ["not JSON", request("POST", annotation.id, { body: "{decision" }), 400],
      ["an array", request("POST", annotation.id, { body: [] }), 400],
    ];
    for (const [what, response, status] of cases) expect((await response).status, what).toBe(status);
    expect(await decisions()).toEqual([]);
  });
});
