import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db";
import { createApiToken } from "@/lib/admin/queries";
import { getDataset } from "@/lib/datasets/queries";
import { MAX_CONCURRENT_IMPORTS, runningImports } from "@/lib/datasets/import-process";
import { addUser, freshDbPerTest, promptLines } from "@/lib/test-fixtures";
import { POST } from "./route";

const fresh = freshDbPerTest();
const globalForDb = globalThis as unknown as { octorankDb?: Db };
let token: string;
let savedPath: string | undefined;

beforeEach(async () => {
  globalForDb.octorankDb = fresh.db;
  // The import child opens the server's database by path.
  savedPath = process.env.DATABASE_PATH;
  process.env.DATABASE_PATH = path.join(fresh.dir, "test.db");
  token = (await createApiToken(fresh.store, { userId: addUser(fresh.db, "rita", "researcher"), name: "t" })).token;
});
afterEach(() => {
  delete globalForDb.octorankDb;
  process.env.DATABASE_PATH = savedPath;
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
    const running = Array.from({ length: MAX_CONCURRENT_IMPORTS }, (_, i) =>
      post(`busy-${i}`, promptLines(3000, { prefix: `busy${i}-` })),
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
    const prompts = () =>
      fresh.db.$client
        .prepare("select count(*) from prompts p join datasets d on d.id = p.dataset_id where d.slug = 'taken'")
        .pluck()
        .get();
    expect(prompts()).toBe(2);
    // An import into the dataset (its own page's form) still adds to it.
    expect((await post("taken", promptLines(2, { prefix: "b" }))).status).toBe(200);
    expect(prompts()).toBe(4);
  }, 60_000);
});
