import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "@/db";
import { importJsonlFile } from "@/lib/datasets/import";
import { importInChildProcess } from "@/lib/datasets/import-process";
import {
  DEFAULT_STAGING_TUNING,
  discardAbandonedImports,
  IMPORT_LEASE_MS,
  ImportStaging,
  type ImportPhase,
} from "@/lib/datasets/import-staging";
import { refreshPromptStats } from "@/lib/datasets/prompt-stats";
import { getDataset } from "@/lib/datasets/queries";
import { environmentOpening } from "@/lib/env";
import {
  freshDbPerTest,
  importedRowCounts,
  writeJsonl,
  promptLines,
  TEST_BACKEND,
  type Side,
} from "@/lib/test-fixtures";

const temp = freshDbPerTest();

/**
 * A test worker (lib/datasets/test-workers) in its own process, on this test's database (named in
 * its environment); resolves with its exit signal and output.
 */
function runWorker(script: string, args: string[]): Promise<{ signal: NodeJS.Signals | null; stdout: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join("lib", "datasets", "test-workers", script), ...args],
    { cwd: process.cwd(), env: environmentOpening(temp.store.location), stdio: ["ignore", "pipe", "inherit"] },
  );
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => child.on("exit", (_code, signal) => resolve({ signal, stdout })));
}

/** A time past the lease of every importer and discarder killed so far: liveness is the lease alone. */
const afterLease = () => Date.now() + IMPORT_LEASE_MS + 1;

/** An import in a child process that SIGKILLs itself right after its nth committed transaction of `phase`. */
async function importCrashingAfter(file: string, slug: string, phase: ImportPhase, nth: number) {
  const { signal } = await runWorker("import-file.ts", [file, slug, phase, String(nth)]);
  expect(signal).toBe("SIGKILL");
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;

/** Rows in the order of their values, key by key (numbers as numbers), so that two listings compare. */
function sorted<T extends object>(rows: T[]): T[] {
  const compare = (a: unknown, b: unknown) =>
    typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
  return [...rows].sort((a, b) => {
    const [x, y] = [Object.values(a), Object.values(b)];
    for (let i = 0; i < x.length; i++) if (compare(x[i], y[i]) !== 0) return compare(x[i], y[i]);
    return 0;
  });
}

/** Rows grouped by a key, each group's rows in a list, in the order of the keys' first rows. */
function groups<T>(rows: T[], key: (row: T) => string): T[][] {
  const byKey = new Map<string, T[]>();
  for (const row of rows) byKey.set(key(row), [...(byKey.get(key(row)) ?? []), row]);
  return [...byKey.values()];
}

const sum = (values: number[]) => values.reduce((total, x) => total + x, 0);

/**
 * Everything the triggers keep (queue counts, dataset aggregates, histograms, per-annotator
 * counts), next to the same figures recomputed from the rows they summarise.
 */
async function aggregates(side: Side) {
  const [prompts, annotations, promptStats, datasetFill, datasetStats, statsBins, datasetAnnotators] = [
    await side.rows("prompts"),
    await side.rows("annotations"),
    await side.rows("promptStats"),
    await side.rows("datasetFill"),
    await side.rows("datasetStats"),
    await side.rows("statsBins"),
    await side.rows("datasetAnnotators"),
  ];
  const kept = {
    annotationCounts: prompts.map((p) => ({ id: p.id, n: p.annotationCount })),
    fill: sorted(
      datasetFill
        .filter((f) => f.prompts !== 0)
        .map((f) => ({ datasetId: f.datasetId, annotationCount: f.annotationCount, prompts: f.prompts })),
    ),
    stats: sorted(
      datasetStats
        .filter((s) => s.prompts !== 0)
        .map((s) => ({
          datasetId: s.datasetId,
          prompts: s.prompts,
          stale: s.stale,
          wCount: s.wCount,
          wSum: round(s.wSum),
          alphaCount: s.alphaCount,
          alphaSum: round(s.alphaSum),
          alphaUnits: s.alphaUnits,
          reviewPending: s.reviewPending,
        })),
    ),
    bins: sorted(
      statsBins
        .filter((b) => b.prompts !== 0)
        .map((b) => ({ datasetId: b.datasetId, metric: b.metric, bin: b.bin, prompts: b.prompts })),
    ),
    annotators: sorted(
      datasetAnnotators
        .filter((a) => a.annotations !== 0)
        .map((a) => ({ datasetId: a.datasetId, annotatorId: a.annotatorId, annotations: a.annotations })),
    ),
    statsKeys: sorted(promptStats.map((s) => ({ promptId: s.promptId, datasetId: s.datasetId }))),
  };
  const datasetOf = new Map(prompts.map((p) => [p.id, p.datasetId]));
  const annotationsOf = new Map<number, number>();
  for (const a of annotations) annotationsOf.set(a.promptId, (annotationsOf.get(a.promptId) ?? 0) + 1);
  const annotationCount = (promptId: number) => annotationsOf.get(promptId) ?? 0;
  // SQLite's triggers bin as `cast(x / width as integer)`, clamped to the ten bins.
  const bin = (x: number, width: number) => Math.min(9, Math.max(0, Math.trunc(x / width)));
  const binned = (metric: "kendall_w" | "mean_tau_b", values: { datasetId: number; value: number | null }[]) =>
    groups(
      values.filter((v) => v.value !== null),
      (v) => `${v.datasetId}/${bin(v.value! + (metric === "mean_tau_b" ? 1 : 0), metric === "mean_tau_b" ? 0.2 : 0.1)}`,
    ).map((group) => ({
      datasetId: group[0]!.datasetId,
      metric,
      bin: bin(group[0]!.value! + (metric === "mean_tau_b" ? 1 : 0), metric === "mean_tau_b" ? 0.2 : 0.1),
      prompts: group.length,
    }));
  const recomputed = {
    annotationCounts: prompts.map((p) => ({ id: p.id, n: annotationCount(p.id) })),
    fill: sorted(
      groups(prompts, (p) => `${p.datasetId}/${annotationCount(p.id)}`).map((group) => ({
        datasetId: group[0]!.datasetId,
        annotationCount: annotationCount(group[0]!.id),
        prompts: group.length,
      })),
    ),
    stats: sorted(
      groups(promptStats, (s) => String(s.datasetId)).map((group) => ({
        datasetId: group[0]!.datasetId,
        prompts: group.length,
        stale: group.filter((s) => s.stale).length,
        wCount: group.filter((s) => s.kendallW !== null).length,
        wSum: round(sum(group.map((s) => s.kendallW ?? 0))),
        alphaCount: sum(group.map((s) => s.alphaCount)),
        alphaSum: round(sum(group.map((s) => s.alphaSum))),
        alphaUnits: group.filter((s) => s.alphaCount > 0).length,
        reviewPending: sum(group.map((s) => s.reviewPending)),
      })),
    ),
    bins: sorted([
      ...binned(
        "kendall_w",
        promptStats.map((s) => ({ datasetId: s.datasetId, value: s.kendallW })),
      ),
      ...binned(
        "mean_tau_b",
        promptStats.map((s) => ({ datasetId: s.datasetId, value: s.meanTauB })),
      ),
    ]),
    annotators: sorted(
      groups(annotations, (a) => `${datasetOf.get(a.promptId)}/${a.annotatorId}`).map((group) => ({
        datasetId: datasetOf.get(group[0]!.promptId)!,
        annotatorId: group[0]!.annotatorId,
        annotations: group.length,
      })),
    ),
    statsKeys: prompts.map((p) => ({ promptId: p.id, datasetId: p.datasetId })),
  };
  return { kept, recomputed };
}

async function expectAggregatesConsistent() {
  const { kept, recomputed } = await aggregates(temp.side);
  expect(kept).toEqual(recomputed);
}

/** The staging datasets, each with its import's state (null: no import names it). */
async function stagings() {
  const imports = await temp.side.rows("datasetImports");
  return (await temp.side.rows("datasets"))
    .filter((d) => d.importStaging)
    .map((d) => ({ id: d.id, state: imports.find((i) => i.stagingDatasetId === d.id)?.state ?? null }));
}

async function targetPrompts(slug: string) {
  const dataset = (await temp.side.rows("datasets")).find((d) => d.slug === slug);
  return (await temp.side.rows("prompts")).filter((p) => p.datasetId === dataset?.id).length;
}

/**
 * New prompts in the merge: enough for more than five landing transactions, the most the tests
 * below kill an importer after. PostgreSQL's batches hold their transaction longer (a round trip
 * per statement), so they shrink to the budget sooner and fewer prompts make as many transactions.
 */
const ADDED = TEST_BACKEND === "postgres" ? 500 : 1500;

/** A target of 40 prompts ranked by alice, then a file that re-ranks them (alice) and adds `added` new prompts (bob). */
async function targetAndMerge(added: number) {
  const first = await importJsonlFile(temp.store, writeJsonl(temp.dir, promptLines(40, { annotators: ["alice"] })), {
    slug: "target",
  });
  expect(first.ok).toBe(true);
  const existing = (await getDataset(temp.store, "target"))!.id;
  await refreshPromptStats(temp.store, existing);
  const merge = [
    ...promptLines(40, { annotators: ["alice"], shift: 1 }),
    ...promptLines(added, { prefix: "n", annotators: ["bob", "alice"] }),
  ];
  return { file: writeJsonl(temp.dir, merge), datasetId: existing };
}

describe("landing a merge into an existing dataset", () => {
  it("moves the prompts and applies the annotations in many short transactions, others writing in between", async () => {
    const { file, datasetId } = await targetAndMerge(ADDED);
    // SQLite's one write lock: another handle, with no busy timeout at all, must get it between two
    // landing batches. PostgreSQL has no database-wide lock for the landing to hold between them.
    const other = TEST_BACKEND === "sqlite" ? openDatabase(temp.store.location) : null;
    other?.$client.pragma("busy_timeout = 0");
    const landingTransactions: number[] = [];
    let writesBetween = 0;
    const result = await importJsonlFile(
      temp.store,
      file,
      { slug: "target" },
      {
        transactionBudgetMs: 40,
        onTransaction: (heldMs, phase) => {
          if (phase !== "land") return;
          landingTransactions.push(heldMs);
          if (!other) return;
          // With no busy timeout at all: the landing must not be holding the lock between batches.
          other.$client.prepare("update users set name = name where id = 1").run();
          writesBetween++;
        },
      },
    );
    other?.$client.close();
    expect(result).toMatchObject({
      ok: true,
      promptsCreated: ADDED,
      annotationsCreated: 2 * ADDED,
      annotationsUpdated: 40,
      annotatorsCreated: 1,
    });
    expect(landingTransactions.length).toBeGreaterThan(5);
    if (other) expect(writesBetween).toBe(landingTransactions.length);
    expect(await targetPrompts("target")).toBe(40 + ADDED);
    expect((await temp.side.rows("annotationRevisions")).length).toBe(40);
    expect(await stagings()).toEqual([]);
    await expectAggregatesConsistent();
    await refreshPromptStats(temp.store, datasetId);
    await expectAggregatesConsistent();
  });

  it("lands a merge that only changes annotations, and one of a single new prompt, in bounded transactions too", async () => {
    const { datasetId } = await targetAndMerge(0);
    const onlyAnnotations = writeJsonl(temp.dir, promptLines(40, { annotators: ["alice"], shift: 2 }));
    const phases: ImportPhase[] = [];
    const updated = await importJsonlFile(
      temp.store,
      onlyAnnotations,
      { slug: "target" },
      { transactionBudgetMs: 40, onTransaction: (_ms, phase) => void phases.push(phase) },
    );
    expect(updated).toMatchObject({ ok: true, promptsCreated: 0, annotationsUpdated: 40 });
    expect(phases.filter((p) => p === "land").length).toBeGreaterThan(1);
    const tiny = await importJsonlFile(temp.store, writeJsonl(temp.dir, promptLines(1, { prefix: "tiny" })), {
      slug: "target",
    });
    expect(tiny).toMatchObject({ ok: true, promptsCreated: 1, annotationsCreated: 1 });
    const empty = await importJsonlFile(temp.store, writeJsonl(temp.dir, []), { slug: "target" });
    expect(empty).toMatchObject({ ok: true, lines: 0, promptsCreated: 0 });
    expect(await targetPrompts("target")).toBe(41);
    expect(await stagings()).toEqual([]);
    await refreshPromptStats(temp.store, datasetId);
    await expectAggregatesConsistent();
  });

  it.each([1, 4])(
    "is finished by the clean-up when the importer is killed right after its landing transaction %i",
    async (nth) => {
      const { file, datasetId } = await targetAndMerge(ADDED);
      const before = await importedRowCounts(temp);
      await importCrashingAfter(file, "target", "land", nth);
      expect(await stagings()).toEqual([{ id: expect.any(Number), state: "landing" }]);
      // Half-landed: not discarded, never re-staged, and every count kept by triggers still adds up.
      if (nth > 1) expect(await targetPrompts("target")).toBeGreaterThan(40);
      expect(await targetPrompts("target")).toBeLessThan(40 + ADDED);
      await expectAggregatesConsistent();

      expect(await discardAbandonedImports(temp.store, undefined, afterLease())).toBe(1);
      expect(await stagings()).toEqual([]);
      expect(await importedRowCounts(temp)).toMatchObject({
        prompts: 40 + ADDED,
        annotations: 40 + 2 * ADDED,
        annotationRevisions: 40,
        users: before.users + 1,
        stagedAnnotations: 0,
        datasetImports: 0,
      });
      await expectAggregatesConsistent();
      await refreshPromptStats(temp.store, datasetId);
      await expectAggregatesConsistent();
      // Importing the file again finds all of it there.
      expect(await importJsonlFile(temp.store, file, { slug: "target" })).toMatchObject({
        ok: true,
        promptsCreated: 0,
        promptsUnchanged: 40 + ADDED,
        annotationsUnchanged: 40 + 2 * ADDED,
      });
    },
  );
});

describe("discarding an import", () => {
  it("removes the external accounts it created even when the discarder is killed half-way", async () => {
    const before = await importedRowCounts(temp);
    const lines = [
      ...promptLines(1200, { annotators: ["ext-1", "ext-2", "ext-3"] }),
      ...promptLines(5, { prefix: "late", annotators: ["ext-late"] }),
    ];
    // Killed between two of its staging batches, then the discarder between two of its own.
    await importCrashingAfter(writeJsonl(temp.dir, lines), "fresh", "stage", 3);
    expect((await temp.side.rows("users")).filter((u) => u.external).length).toBeGreaterThanOrEqual(3);
    const discarder = await runWorker("discard-abandoned.ts", ["discard", "2"]);
    expect(discarder.signal).toBe("SIGKILL");
    expect(await stagings()).toEqual([{ id: expect.any(Number), state: "discarding" }]);

    expect(await discardAbandonedImports(temp.store, undefined, afterLease())).toBe(1);
    expect(await importedRowCounts(temp)).toEqual(before);
    expect(await discardAbandonedImports(temp.store, undefined, afterLease())).toBe(0);
    await expectAggregatesConsistent();
  });

  it("keeps an account a finished import uses, and knows the accounts of a batch the importer died right after", async () => {
    const kept = await importJsonlFile(temp.store, writeJsonl(temp.dir, promptLines(3, { annotators: ["shared"] })), {
      slug: "kept",
    });
    expect(kept.ok).toBe(true);
    const before = await importedRowCounts(temp);
    await importCrashingAfter(
      writeJsonl(temp.dir, promptLines(400, { prefix: "x", annotators: ["shared", "only-here"] })),
      "gone",
      "stage",
      1,
    );
    expect((await temp.side.rows("users")).filter((u) => u.name === "only-here").length).toBe(1);
    expect(await discardAbandonedImports(temp.store, undefined, afterLease())).toBe(1);
    expect(await importedRowCounts(temp)).toEqual(before);
  });
});

describe("an import child that dies under the server", () => {
  it("has its staging discarded as soon as it exits, while another importer's live staging is left alone", async () => {
    const before = await importedRowCounts(temp);
    // A live importer elsewhere (this test's process), with a staging of its own in progress.
    const live = await ImportStaging.open(
      temp.store,
      "live",
      null,
      { name: "Live", guidelines: "", responsesPerPrompt: 4, annotationsPerPrompt: 3 },
      DEFAULT_STAGING_TUNING,
    );
    const otherStaging = await stagings();
    expect(otherStaging).toEqual([{ id: live.datasetId, state: "staging" }]);

    const child = importInChildProcess(
      writeJsonl(temp.dir, promptLines(30_000, { prefix: "doomed" })),
      { slug: "doomed" },
      temp.store,
    );
    const childStaging = async () => (await stagings()).filter((s) => s.id !== otherStaging[0]!.id);
    while ((await childStaging()).length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const staged = (await childStaging())[0]!.id;
    const pid = (await temp.side.rows("datasetImports")).find((i) => i.stagingDatasetId === staged)!.ownerPid;
    expect(pid).not.toBe(process.pid);
    process.kill(pid, "SIGKILL");
    await expect(child).rejects.toThrow(/SIGKILL/);
    // Discarded by the time the failure is reported: not left for the next import or server start.
    expect(await childStaging()).toEqual([]);
    expect(await stagings()).toEqual(otherStaging);
    expect(await getDataset(temp.store, "doomed")).toBeNull();
    await live.discard();
    expect(await importedRowCounts(temp)).toEqual(before);
  });
});
