import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/db";
import { sqliteStore, type Store } from "@/db/store";
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
  addDataset,
  addUser,
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

/** Imports `lines` into `slug`, calling `meanwhile` after the import's `nth` write transaction. */
function importWhile(lines: (object | string)[], slug: string, nth: number, meanwhile: () => void) {
  let transactions = 0;
  return importJsonlFile(
    temp.store,
    writeJsonl(temp.dir, lines),
    { slug },
    {
      transactionBudgetMs: 20,
      onTransaction: () => {
        if (++transactions === nth) meanwhile();
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
      { transactionBudgetMs: 20, onTransaction: (ms) => holds.push(ms) },
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

  // SQLite-only for now: the other writer writes synchronously inside the import's onTransaction
  // (between two of its transactions); on PostgreSQL that write is asynchronous.
  it.runIf(TEST_BACKEND === "sqlite")(
    "refuses to land when its slug was created, or its prompts stored, by another writer meanwhile",
    async () => {
      const other = openDatabase(path.join(temp.dir, "test.db"));
      const race = async () => (await getDataset(sqliteStore(other), "race"))!.id;
      const created = await importWhile(promptLines(200), "race", 1, () =>
        addDataset(other, { slug: "race", promptCount: 1, perPrompt: 4 }),
      );
      expect(created).toMatchObject({ ok: false, errors: [{ line: 0, field: "dataset" }] });
      expect((await getDatasetProgress(temp.store, "race"))!.prompts).toBe(1);

      const before = await importedRowCounts(temp);
      const clash = { ...promptLines(1, { prefix: "race-p" })[0]!, id: "clash" };
      // Staged first, then stored in the target by someone else: found when the import lands.
      const raceId = await race();
      const merged = await importWhile([clash, ...promptLines(200, { prefix: "m" })], "race", 1, () =>
        other.$client
          .prepare("insert into prompts (dataset_id, external_id, text) values (?, 'clash', 'another text')")
          .run(raceId),
      );
      expect(merged).toMatchObject({ ok: false, errors: [{ line: 0, field: "dataset" }] });
      expect(!merged.ok && merged.errors[0]!.reason).toMatch(/"clash" reached dataset "race" from another writer/);
      expect(await importedRowCounts(temp)).toEqual({
        ...before,
        prompts: before.prompts + 1,
        promptStats: before.promptStats + 1,
        searchIndexRows: before.searchIndexRows + 1,
        datasetFill: before.datasetFill + 1,
      });
      other.$client.close();
    },
  );
});

describe("an import in progress", () => {
  // SQLite-only for now: the reader reads synchronously between two of the import's transactions
  // (raw SQL on its own handle), and its views start before their first await to see one state.
  it.runIf(TEST_BACKEND === "sqlite")(
    "is invisible to every reader until it lands, then all of it is there",
    async () => {
      const member = addUser(temp.db, "member");
      const target = addDataset(temp.db, { slug: "target", promptCount: 3, perPrompt: 4 });
      const reader = openDatabase(path.join(temp.dir, "test.db"));
      const consensus = (s: Store) =>
        collect(exportLines(s, target.dataset.id, exportOptionsSchema.parse({ format: "consensus" })));
      const readerStore = sqliteStore(reader);
      const view = async (s: Store) => {
        // Every read starts before the first await, so all of them see the database as it is now.
        const [datasets, fresh, exported, queue, freshQueue, mine, users, search, training] = [
          listDatasets(s),
          getDataset(s, "fresh"),
          consensus(s),
          listQueueDatasets(readerStore),
          findQueueDataset(readerStore, "fresh"),
          readerStore.annotations.myTotal(member),
          listUsers(readerStore),
          searchPrompts(readerStore, target.dataset.id, parsePromptSearch({}), 10_000),
          datasetTrainingStats(readerStore),
        ];
        return {
          datasets: (await datasets).map((x) => [x.slug, x.prompts, x.annotations]),
          fresh: await fresh,
          search: (await search).rows.length,
          consensus: (await exported).length,
          training: (await training).map((x) => [x.slug, x.prompts]),
          queue: (await queue).map((x) => x.slug),
          freshQueue: await freshQueue,
          mine: await mine,
          adminCount: (await users).find((u) => u.id === member)?.annotations,
        };
      };
      // Annotations by a team member, on new prompts and on one the target already has.
      const existing = {
        id: "target-p0",
        prompt: "Prompt 0 of target",
        responses: Array.from({ length: 4 }, (_, i) => ({ id: `r${i}`, text: `Response ${i} to prompt 0` })),
        annotations: [{ annotator: "member@test.local", ranking: [["r3"], ["r0"], ["r1"], ["r2"]] }],
      };
      const lines = [existing, ...promptLines(600, { annotators: ["member@test.local", "outsider"] })];
      for (const slug of ["target", "fresh"]) {
        const before = await view(readerStore);
        const during: ReturnType<typeof view>[] = [];
        let runOnStaging: unknown = null;
        let annotationOnStaging: unknown = null;
        const result = await importJsonlFile(
          temp.store,
          writeJsonl(temp.dir, lines),
          { slug },
          {
            transactionBudgetMs: 20,
            onTransaction: () => {
              const staging = reader.$client.prepare("select id from datasets where import_staging = 1").get() as
                { id: number } | undefined;
              if (!staging || during.length >= 3) return;
              during.push(view(readerStore));
              // Its read runs at once (no transaction is open on the reader's connection).
              runOnStaging = createRun(readerStore, { datasetId: staging.id } as RunRequest, null, "api").catch(
                (error: unknown) => error,
              );
              // A guessed id of a staged prompt takes no annotation before the import lands.
              const staged = reader.$client
                .prepare(
                  "select p.id, r.id as response from prompts p join responses r on r.prompt_id = p.id where p.dataset_id = ? limit 1",
                )
                .get(staging.id) as { id: number; response: number } | undefined;
              // The prompt is looked up at once (before the save's first await), while it is still staged.
              if (staged)
                annotationOnStaging = saveAnnotation(readerStore, member, {
                  promptId: staged.id,
                  ranking: [[staged.response]],
                  notRankable: false,
                }).then(
                  () => null,
                  (error: unknown) => error,
                );
            },
          },
        );
        expect(result.ok).toBe(true);
        expect(await Promise.all(during)).toEqual([before, before, before]);
        expect(String(await runOnStaging)).toMatch(/no dataset/);
        expect(String(await annotationOnStaging)).toMatch(/There is no prompt/);
      }
      const after = await view(readerStore);
      expect(after.datasets).toEqual([
        ["target", 603, 1201],
        ["fresh", 601, 1201],
      ]);
      expect(after.mine).toBe(601 + 601);
      expect(after.search).toBe(603);
      expect(temp.db.$client.prepare("select count(*) as n from datasets where import_staging = 1").get()).toEqual({
        n: 0,
      });
      reader.$client.close();
    },
  );
});
