import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { listUsers } from "@/lib/admin/queries";
import { saveAnnotation } from "@/lib/annotations/annotations";
import { findQueueDataset, listQueueDatasets } from "@/lib/annotations/queue";
import { exportLines, exportOptionsSchema } from "@/lib/datasets/export";
import { importJsonlFile } from "@/lib/datasets/import";
import { discardAbandonedImports, IMPORT_LEASE_MS } from "@/lib/datasets/import-staging";
import { environmentOpening } from "@/lib/env";
import { parsePromptSearch, searchPrompts } from "@/lib/datasets/prompt-search";
import { getDataset, getDatasetProgress, listDatasets } from "@/lib/datasets/queries";
import { createRun } from "@/lib/runs/request-run";
import type { RunRequest } from "@/lib/runs/schemas";
import { datasetTrainingStats } from "@/lib/runs/training-data";
import {
  anotherConnection,
  importedRowCounts,
  freshDbPerTest,
  writeJsonl,
  promptLines,
  collect,
  seedDataset,
  seedUser,
  TEST_BACKEND,
} from "@/lib/test-fixtures";

const temp = freshDbPerTest();

function spawnWorker(script: string, args: string[]): ChildProcess {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join("lib", "datasets", "test-workers", script), ...args],
    {
      cwd: process.cwd(),
      env: environmentOpening(temp.store.location),
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    },
  );
  children.push(child);
  return child;
}

/** Imports `lines` into `slug`, calling (and awaiting) `meanwhile` after the import's `nth` write transaction. */
function importWhile(lines: (object | string)[], slug: string, nth: number, meanwhile: () => void | Promise<void>) {
  let transactions = 0;
  return importJsonlFile(
    temp.store,
    writeJsonl(temp.dir, lines),
    { slug },
    {
      transactionBudgetMs: 20,
      onTransaction: async () => {
        if (++transactions === nth) await meanwhile();
      },
    },
  );
}

async function stagedPrompts() {
  const staging = new Set((await temp.side.rows("datasets")).filter((d) => d.importStaging).map((d) => d.id));
  return (await temp.side.rows("prompts")).filter((p) => staging.has(p.datasetId)).length;
}

/**
 * Enough lines for more than twenty write transactions at a 20 ms budget. PostgreSQL's batches
 * hold their transaction longer (a round trip per statement), so they shrink to the budget sooner
 * and fewer lines make as many transactions.
 */
const LARGE = TEST_BACKEND === "postgres" ? 1500 : 6000;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  children.length = 0;
});

describe("a large import", () => {
  it("never makes a writer submitting in a loop (with the server's lock wait) give up waiting for a lock", async () => {
    const annotator = await seedUser(temp.side, "busy-annotator");
    const { prompts } = await seedDataset(temp.side, { slug: "busy", promptCount: 4, perPrompt: 4 });
    const file = writeJsonl(temp.dir, promptLines(LARGE));
    const submitter = spawnWorker("submit-loop.ts", [String(annotator), JSON.stringify(prompts)]);
    const report = new Promise<{ submits: number; busy: number; otherErrors: string[]; longestSubmitMs: number }>(
      (resolve) => submitter.on("message", (m) => m !== "ready" && resolve(m as never)),
    );
    await new Promise((resolve) => submitter.once("message", resolve));
    const submitsBefore = (await temp.side.rows("annotationRevisions")).length;

    const holds: number[] = [];
    const result = await importJsonlFile(
      temp.store,
      file,
      { slug: "big" },
      { transactionBudgetMs: 20, onTransaction: (ms) => void holds.push(ms) },
    );
    const submitsDuring = (await temp.side.rows("annotationRevisions")).length;
    submitter.send("stop");
    const seen = await report;

    expect(result).toMatchObject({ ok: true, promptsCreated: LARGE, annotationsCreated: LARGE });
    expect(seen.busy).toBe(0);
    expect(seen.otherErrors).toEqual([]);
    // The submitter got in while the import ran, not only after it.
    expect(submitsDuring).toBeGreaterThan(submitsBefore);
    expect(holds.length).toBeGreaterThan(20);
    console.log(
      `import of ${LARGE} lines: ${holds.length} write transactions, longest held ${Math.max(...holds).toFixed(1)} ms; ` +
        `${seen.submits} submits beside it, longest ${seen.longestSubmitMs.toFixed(1)} ms, ${seen.busy} busy`,
    );
  });
});

describe("an import that does not pass", () => {
  it("leaves nothing when its last line is bad, whether it creates a dataset or adds to one", async () => {
    await seedUser(temp.side, "member");
    const kept = promptLines(3, { prefix: "k", annotators: ["alice", "member@test.local"] });
    expect((await importJsonlFile(temp.store, writeJsonl(temp.dir, kept), { slug: "kept" })).ok).toBe(true);
    const before = await importedRowCounts(temp);
    // New prompts, new annotators, and a changed ranking of a stored prompt: then a bad line.
    const changed = { ...kept[0]!, annotations: [{ annotator: "alice", ranking: [[3], [2], [1], [0]] }] };
    const lines = [changed, ...promptLines(1000, { annotators: ["carol", "dave"] }), '{"prompt": "no responses"}'];
    for (const slug of ["kept", "never"]) {
      const result = await importJsonlFile(temp.store, writeJsonl(temp.dir, lines), { slug });
      expect(result).toMatchObject({ ok: false, errors: [{ line: 1002, field: "responses" }] });
      expect(await importedRowCounts(temp)).toEqual(before);
    }
  });

  it("leaves nothing visible when its process is killed, and the next import after its lease discards what it staged", async () => {
    const before = await importedRowCounts(temp);
    const file = writeJsonl(temp.dir, promptLines(30_000, { annotators: ["erin"] }));
    const importer = spawnWorker("import-file.ts", [file, "killed"]);
    const exited = new Promise((resolve) => importer.on("exit", resolve));
    while ((await stagedPrompts()) < 500) await new Promise((resolve) => setTimeout(resolve, 50));
    importer.kill("SIGKILL");
    await exited;

    expect(await stagedPrompts()).toBeGreaterThan(0);
    expect(await getDataset(temp.store, "killed")).toBeNull();
    expect(await listDatasets(temp.store)).toEqual([]);
    expect(await listQueueDatasets(temp.store)).toEqual([]);

    // Its lease is still fresh: it may be a live import on another server, whose pid says nothing here.
    expect(await discardAbandonedImports(temp.store)).toBe(0);
    const afterLease = Date.now() + IMPORT_LEASE_MS + 1;
    expect(await discardAbandonedImports(temp.store, undefined, afterLease)).toBe(1);
    expect(await importedRowCounts(temp)).toEqual(before);
    expect(await discardAbandonedImports(temp.store, undefined, afterLease)).toBe(0);
    expect(await importJsonlFile(temp.store, writeJsonl(temp.dir, promptLines(2)), { slug: "killed" })).toMatchObject({
      ok: true,
      promptsCreated: 2,
    });
  });

  it("is discarded, and says so, when its importer stalls past the lease", async () => {
    const before = await importedRowCounts(temp);
    const other = anotherConnection(temp.store.location);
    let discarding: Promise<number> | null = null;
    // Another process finds the lease expired (as after a SIGSTOP) while the import goes on.
    const result = await importWhile(promptLines(2000), "stalled", 3, () => {
      discarding = discardAbandonedImports(other.store, undefined, Date.now() + IMPORT_LEASE_MS + 1);
    });
    expect(await discarding).toBe(1);
    expect(result).toMatchObject({ ok: false, errors: [{ line: 0, field: "dataset" }] });
    expect(!result.ok && result.errors[0]!.reason).toMatch(/stalled past its lease/);
    expect(await importedRowCounts(temp)).toEqual(before);
    await other.close();
  });

  it("refuses to land when its slug was created, or its prompts stored, by another writer meanwhile", async () => {
    const created = await importWhile(promptLines(200), "race", 1, async () => {
      await seedDataset(temp.side, { slug: "race", promptCount: 1, perPrompt: 4 });
    });
    expect(created).toMatchObject({ ok: false, errors: [{ line: 0, field: "dataset" }] });
    expect((await getDatasetProgress(temp.store, "race"))!.prompts).toBe(1);

    const before = await importedRowCounts(temp);
    const clash = { ...promptLines(1, { prefix: "race-p" })[0]!, id: "clash" };
    // Staged first, then stored in the target by someone else: found when the import lands.
    const raceId = (await getDataset(temp.store, "race"))!.id;
    const merged = await importWhile([clash, ...promptLines(200, { prefix: "m" })], "race", 1, async () => {
      await temp.side.insert("prompts", [{ datasetId: raceId, externalId: "clash", text: "another text" }]);
    });
    expect(merged).toMatchObject({ ok: false, errors: [{ line: 0, field: "dataset" }] });
    expect(!merged.ok && merged.errors[0]!.reason).toMatch(/"clash" reached dataset "race" from another writer/);
    expect(await importedRowCounts(temp)).toEqual({
      ...before,
      prompts: before.prompts + 1,
      promptStats: before.promptStats + 1,
      searchIndexRows: before.searchIndexRows + 1,
      datasetFill: before.datasetFill + 1,
    });
  });
});

describe("an import in progress", () => {
  it("is invisible to every reader until it lands, then all of it is there", async () => {
    const member = await seedUser(temp.side, "member");
    const target = await seedDataset(temp.side, { slug: "target", promptCount: 3, perPrompt: 4 });
    const reader = anotherConnection(temp.store.location);
    const readerStore = reader.store;
    const view = async () => {
      const [datasets, fresh, exported, queue, freshQueue, mine, users, search, training] = await Promise.all([
        listDatasets(readerStore),
        getDataset(readerStore, "fresh"),
        collect(exportLines(readerStore, target.dataset.id, exportOptionsSchema.parse({ format: "consensus" }))),
        listQueueDatasets(readerStore),
        findQueueDataset(readerStore, "fresh"),
        readerStore.annotations.myTotal(member),
        listUsers(readerStore),
        searchPrompts(readerStore, target.dataset.id, parsePromptSearch({}), 10_000),
        datasetTrainingStats(readerStore),
      ]);
      return {
        datasets: datasets.map((x) => [x.slug, x.prompts, x.annotations]),
        fresh,
        search: search.rows.length,
        consensus: exported.length,
        training: training.map((x) => [x.slug, x.prompts]),
        queue: queue.map((x) => x.slug),
        freshQueue,
        mine,
        adminCount: users.find((u) => u.id === member)?.annotations,
      };
    };
    const stagingDataset = async () => (await temp.side.rows("datasets")).find((d) => d.importStaging);
    // Annotations by a team member, on new prompts and on one the target already has.
    const existing = {
      id: "target-p0",
      prompt: "Prompt 0 of target",
      responses: Array.from({ length: 4 }, (_, i) => ({ id: `r${i}`, text: `Response ${i} to prompt 0` })),
      annotations: [{ annotator: "member@test.local", ranking: [["r3"], ["r0"], ["r1"], ["r2"]] }],
    };
    const lines = [existing, ...promptLines(600, { annotators: ["member@test.local", "outsider"] })];
    for (const slug of ["target", "fresh"]) {
      const before = await view();
      const during: Awaited<ReturnType<typeof view>>[] = [];
      let runOnStaging: unknown = null;
      let annotationOnStaging: unknown = null;
      const result = await importJsonlFile(
        temp.store,
        writeJsonl(temp.dir, lines),
        { slug },
        {
          transactionBudgetMs: 20,
          // Between two of the import's transactions (it waits for this), as another request would.
          onTransaction: async () => {
            const staging = await stagingDataset();
            if (!staging || during.length >= 3) return;
            during.push(await view());
            runOnStaging = await createRun(readerStore, { datasetId: staging.id } as RunRequest, null, "api").catch(
              (error: unknown) => error,
            );
            // A guessed id of a staged prompt takes no annotation before the import lands.
            const staged = (await temp.side.rows("prompts")).find((p) => p.datasetId === staging.id);
            const response = staged && (await temp.side.rows("responses")).find((r) => r.promptId === staged.id);
            if (staged && response)
              annotationOnStaging = await saveAnnotation(readerStore, member, {
                promptId: staged.id,
                ranking: [[response.id]],
                notRankable: false,
              }).then(
                () => null,
                (error: unknown) => error,
              );
          },
        },
      );
      expect(result.ok).toBe(true);
      expect(during).toEqual([before, before, before]);
      expect(String(runOnStaging)).toMatch(/no dataset/);
      expect(String(annotationOnStaging)).toMatch(/There is no prompt/);
    }
    const after = await view();
    expect(after.datasets).toEqual([
      ["target", 603, 1201],
      ["fresh", 601, 1201],
    ]);
    expect(after.mine).toBe(601 + 601);
    expect(after.search).toBe(603);
    expect(await stagingDataset()).toBeUndefined();
    await reader.close();
  });
});
