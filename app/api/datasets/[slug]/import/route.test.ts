import { beforeEach, describe, expect, it } from "vitest";
import { createApiToken } from "@/lib/admin/queries";
import { getDataset } from "@/lib/datasets/queries";
import { MAX_CONCURRENT_IMPORTS, runningImports } from "@/lib/datasets/import-process";
import { freshDbPerTest, promptLines, seedUser, serveTestStore } from "@/lib/test-fixtures";
import { POST } from "./route";

const fresh = freshDbPerTest();
// The route's store, whose location the import child is sent.
serveTestStore(fresh);
let token: string;

beforeEach(async () => {
  const userId = await seedUser(fresh.side, "rita", "researcher");
  token = (await createApiToken(fresh.store, { userId, name: "t" })).token;
});

const post = (slug: string, lines: (object | string)[], search = "") =>
  POST(
    new Request(`http://octorank.test/api/datasets/${slug}/import${search}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/x-ndjson" },
      body: lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n",
    }),
    { params: Promise.resolve({ slug }) },
  );

describe("POST /api/datasets/<slug>/import", () => {
  it("runs at most MAX_CONCURRENT_IMPORTS imports at once, refuses one more with 429, and frees a slot however an import ends", async () => {
    // Each holds its slot for seconds (a child process started, then its lines imported) on either backend.
    const running = Array.from({ length: MAX_CONCURRENT_IMPORTS }, (_, i) =>
      post(`busy-${i}`, promptLines(300, { prefix: `busy${i}-` })),
    );
    while ((await runningImports(fresh.store)) < MAX_CONCURRENT_IMPORTS)
      await new Promise((resolve) => setTimeout(resolve, 5));

    const refused = await post("extra", promptLines(2, { prefix: "extra" }));
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toMatch(/already running/);

    const answers = await Promise.all(running);
    expect(answers.map((r) => r.status)).toEqual(running.map(() => 200));
    expect(await getDataset(fresh.store, "extra")).toBeNull();
    expect(await runningImports(fresh.store)).toBe(0);

    expect((await post("broken", ["{ not json"])).status).toBe(422);
    expect(await runningImports(fresh.store)).toBe(0);
    expect((await post("extra", promptLines(2, { prefix: "extra" }))).status).toBe(200);
    expect(await getDataset(fresh.store, "extra")).not.toBeNull();
  }, 120_000);

  it("refuses a new dataset (new=1) whose slug exists, writing nothing, and merges without it", async () => {
    expect((await post("taken", promptLines(2, { prefix: "a" }), "?new=1&name=First")).status).toBe(200);
    const refused = await post("taken", promptLines(2, { prefix: "b" }), "?new=1&name=Second");
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toMatch(/already a dataset "taken"/);
    expect((await getDataset(fresh.store, "taken"))?.name).toBe("First");
    const { id } = (await getDataset(fresh.store, "taken"))!;
    const prompts = async () => (await fresh.side.rows("prompts")).filter((p) => p.datasetId === id).length;
    expect(await prompts()).toBe(2);
    // An import into the dataset (its own page's form) still adds to it.
    expect((await post("taken", promptLines(2, { prefix: "b" }))).status).toBe(200);
    expect(await prompts()).toBe(4);
  }, 60_000);
});
