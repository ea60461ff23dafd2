/**
 * The PostgreSQL backend on the run's test cluster (db/pg/test-database.ts): opening and migrating
 * (db/pg/index.ts), and the triggers (db/pg/migrations/0002_derived_tables.sql) against SQLite's:
 * the same writes, done through each backend's schema on a temp SQLite file and on PostgreSQL, must
 * leave every derived table the same on both, and the same as a recompute from the base rows.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { is } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "@/db";
import { openPostgres, PG_MIGRATIONS_FOLDER } from "@/db/pg";
import * as pgSchema from "@/db/pg/schema";
import { databaseUrl } from "@/db/pg/test-cluster";
import { postgresDatabasePerTest, postgresSide, postgresTestsRun, sqliteSide, type Side } from "@/db/pg/test-database";
import { likePattern } from "@/lib/datasets/prompt-search";
import { HISTOGRAM_BINS, STATS_HISTOGRAMS, statsBin } from "@/lib/datasets/prompt-stats";

/** A small seeded generator, so both backends see the same "random" writes. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;
function normalise(rows: object[], key: (row: never) => string): unknown[] {
  return rows
    .map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [k, typeof v === "number" && !Number.isInteger(v) ? round(v) : v]),
      ),
    )
    .sort((a, b) => key(a as never).localeCompare(key(b as never)));
}

/** Every derived table (and derived column) as the side holds it, keyed and rounded for comparison. */
async function derived(side: Side) {
  return {
    annotationCounts: normalise(
      (await side.rows("prompts")).map((p) => ({ id: p.id, annotationCount: p.annotationCount })),
      (p: { id: number }) => String(p.id).padStart(6),
    ),
    promptStats: normalise(await side.rows("promptStats"), (r: { promptId: number }) => String(r.promptId).padStart(6)),
    datasetFill: normalise(
      await side.rows("datasetFill"),
      (r: { datasetId: number; annotationCount: number }) => `${r.datasetId}/${r.annotationCount}`,
    ),
    datasetStats: normalise(await side.rows("datasetStats"), (r: { datasetId: number }) => String(r.datasetId)),
    statsBins: normalise(
      await side.rows("statsBins"),
      (r: { datasetId: number; metric: string; bin: number }) => `${r.datasetId}/${r.metric}/${r.bin}`,
    ),
    datasetAnnotators: normalise(
      await side.rows("datasetAnnotators"),
      (r: { datasetId: number; annotatorId: number }) => `${r.datasetId}/${r.annotatorId}`,
    ),
  };
}

type Derived = Awaited<ReturnType<typeof derived>>;

/** The derived tables recomputed from the base rows; rows the triggers leave at zero count as absent. */
async function recompute(side: Side) {
  const prompts = await side.rows("prompts");
  const annotations = await side.rows("annotations");
  const stats = await side.rows("promptStats");
  const agreement = await side.rows("annotationAgreement");
  const datasetOf = new Map(prompts.map((p) => [p.id, p.datasetId]));
  const count = <T>(items: T[], key: (item: T) => string) => {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
    return counts;
  };
  const perPrompt = count(annotations, (a) => String(a.promptId));
  const sums = new Map<number, Record<string, number>>();
  for (const s of stats) {
    const sum = sums.get(s.datasetId) ?? {};
    const add = (k: string, v: number) => (sum[k] = (sum[k] ?? 0) + v);
    add("prompts", 1);
    add("stale", s.stale ? 1 : 0);
    add("wCount", s.kendallW === null ? 0 : 1);
    add("wSum", s.kendallW ?? 0);
    add("alphaCount", s.alphaCount);
    add("alphaSum", s.alphaSum);
    add("alphaSumSquares", s.alphaSumSquares);
    add("alphaWithin", s.alphaWithin);
    add("alphaUnits", s.alphaCount > 0 ? 1 : 0);
    add("reviewPending", s.reviewPending);
    add("reviewAccepted", s.reviewAccepted);
    add("reviewRejected", s.reviewRejected);
    add("reviewSentBack", s.reviewSentBack);
    sums.set(s.datasetId, sum);
  }
  const bins = count(
    stats.flatMap((s) =>
      (["kendall_w", "mean_tau_b"] as const).flatMap((metric) => {
        const value = metric === "kendall_w" ? s.kendallW : s.meanTauB;
        return value === null ? [] : [`${s.datasetId}/${metric}/${statsBin(metric, value)}`];
      }),
    ),
    (k) => k,
  );
  const annotators = new Map<string, { annotations: number; compared: number; tauSum: number; durations: number }>();
  const annotator = (key: string) => {
    const row = annotators.get(key) ?? { annotations: 0, compared: 0, tauSum: 0, durations: 0 };
    annotators.set(key, row);
    return row;
  };
  for (const a of annotations) annotator(`${datasetOf.get(a.promptId)}/${a.annotatorId}`).annotations++;
  for (const a of agreement) {
    const row = annotator(`${a.datasetId}/${a.annotatorId}`);
    row.compared += a.tau === null ? 0 : 1;
    row.tauSum += a.tau ?? 0;
    row.durations += a.durationMs === null ? 0 : 1;
  }
  return {
    annotationCounts: prompts.map((p) => [p.id, perPrompt.get(String(p.id)) ?? 0]),
    promptStatsRows: [...prompts.map((p) => [p.id, p.datasetId])].sort((a, b) => a[0]! - b[0]!),
    datasetFill: count(prompts, (p) => `${p.datasetId}/${perPrompt.get(String(p.id)) ?? 0}`),
    datasetStats: sums,
    statsBins: bins,
    datasetAnnotators: annotators,
  };
}

function expectRecomputed(held: Derived, base: Awaited<ReturnType<typeof recompute>>, label: string) {
  const rows = <T>(items: unknown[]) => items as T[];
  expect(
    rows<{ id: number; annotationCount: number }>(held.annotationCounts).map((p) => [p.id, p.annotationCount]),
    `${label}: prompts.annotation_count`,
  ).toEqual(base.annotationCounts.sort((a, b) => a[0]! - b[0]!));
  expect(
    rows<{ promptId: number; datasetId: number }>(held.promptStats).map((s) => [s.promptId, s.datasetId]),
    `${label}: a prompt_stats row per prompt`,
  ).toEqual(base.promptStatsRows);
  const fill = rows<{ datasetId: number; annotationCount: number; prompts: number }>(held.datasetFill);
  expect(fill.every((f) => f.prompts >= 0)).toBe(true);
  expect(
    new Map(fill.filter((f) => f.prompts > 0).map((f) => [`${f.datasetId}/${f.annotationCount}`, f.prompts])),
    `${label}: dataset_fill`,
  ).toEqual(base.datasetFill);
  for (const row of rows<Record<string, number>>(held.datasetStats)) {
    const { datasetId, annotationChanges: _changes, ...sums } = row;
    const expected = base.datasetStats.get(datasetId!) ?? {};
    for (const [k, v] of Object.entries(sums))
      expect(v, `${label}: dataset_stats ${datasetId} ${k}`).toBeCloseTo(expected[k] ?? 0, 9);
  }
  expect(
    new Set(rows<{ datasetId: number }>(held.datasetStats).map((r) => r.datasetId)),
    `${label}: a dataset_stats row for every dataset with prompts`,
  ).toEqual(
    new Set([...base.datasetStats.keys(), ...rows<{ datasetId: number }>(held.datasetStats).map((r) => r.datasetId)]),
  );
  const bins = rows<{ datasetId: number; metric: string; bin: number; prompts: number }>(held.statsBins);
  expect(bins.every((b) => b.prompts >= 0)).toBe(true);
  expect(
    new Map(bins.filter((b) => b.prompts > 0).map((b) => [`${b.datasetId}/${b.metric}/${b.bin}`, b.prompts])),
    `${label}: stats_bins`,
  ).toEqual(base.statsBins);
  const annotators = rows<{
    datasetId: number;
    annotatorId: number;
    annotations: number;
    compared: number;
    tauSum: number;
    durations: number;
  }>(held.datasetAnnotators);
  const heldAnnotators = new Map(
    annotators
      .filter((a) => a.annotations !== 0 || a.compared !== 0 || a.durations !== 0 || round(a.tauSum) !== 0)
      .map(({ datasetId, annotatorId, ...counts }) => [
        `${datasetId}/${annotatorId}`,
        { ...counts, tauSum: round(counts.tauSum) },
      ]),
  );
  const baseAnnotators = new Map([...base.datasetAnnotators].map(([k, v]) => [k, { ...v, tauSum: round(v.tauSum) }]));
  expect(heldAnnotators, `${label}: dataset_annotators`).toEqual(baseAnnotators);
}

describe.skipIf(!postgresTestsRun())("the PostgreSQL backend", () => {
  // One database for the file: the triggers' tests replay writes onto what the earlier ones left.
  const postgres = postgresDatabasePerTest({ maxConnections: 3, shared: true });
  let pool: pg.Pool;
  let folder: string;
  let lite: Side;
  let post: Side;
  let sqliteDb: Db;

  beforeAll(async () => {
    pool = postgres.db.$client;
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "octorank-parity-"));
    sqliteDb = openDatabase(path.join(folder, "octorank.db"));
    lite = sqliteSide(sqliteDb);
    post = postgresSide(postgres.db);
  });

  afterAll(async () => {
    sqliteDb?.$client.close();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  /** A new empty database on the cluster, and its URL. */
  async function createDatabase(name: string, options = ""): Promise<string> {
    await pool.query(`create database ${name} ${options}`);
    return databaseUrl(postgres.url, name);
  }

  it("opens from several servers starting together, which apply the migrations once", async () => {
    const url = await createDatabase("together");
    const [first, second] = await Promise.all([openPostgres(url), openPostgres(url)]);
    try {
      const journal = JSON.parse(fs.readFileSync(path.join(PG_MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8"));
      const applied = await first.$client.query("select hash from drizzle.__drizzle_migrations");
      expect(applied.rowCount).toBe(journal.entries.length);
      expect((await second.$client.query("select count(*)::int as n from prompts")).rows[0].n).toBe(0);
    } finally {
      await Promise.all([first.$client.end(), second.$client.end()]);
    }
  });

  it("refuses, with what to do, a database whose encoding or ctype cannot hold or search prompts", async () => {
    const url = await createDatabase("ascii", "encoding 'SQL_ASCII' lc_ctype 'C' lc_collate 'C' template template0");
    await expect(openPostgres(url)).rejects.toThrow(
      /encoding is SQL_ASCII, and prompts need UTF8; the database's ctype is C.*createdb --encoding=UTF8/,
    );
    // Its connection is closed: the server sees it go a moment later.
    const connections = async () =>
      (await pool.query("select count(*)::int as n from pg_stat_activity where datname = 'ascii'")).rows[0].n;
    await expect.poll(connections, { timeout: 5000 }).toBe(0);
    const tables = new pg.Pool({ connectionString: url, max: 1 });
    try {
      expect(
        (await tables.query("select count(*)::int as n from pg_tables where schemaname = 'public'")).rows[0].n,
      ).toBe(0);
    } finally {
      await tables.end();
    }
  });

  it("applies the migrations to an empty database: every table, the trigram extension and the triggers", async () => {
    const tables = await pool.query<{ name: string }>(
      "select table_name as name from information_schema.tables where table_schema = 'public'",
    );
    expect(tables.rows.map((r) => r.name).sort()).toEqual(
      Object.values(pgSchema)
        .flatMap((t) => (is(t, PgTable) ? [getTableConfig(t).name] : []))
        .sort(),
    );
    const extensions = await pool.query("select extname from pg_extension where extname = 'pg_trgm'");
    expect(extensions.rowCount).toBe(1);
    const triggers = await pool.query<{ name: string }>(
      "select tgname as name from pg_trigger where not tgisinternal order by tgname",
    );
    expect(triggers.rows.map((r) => r.name)).toEqual([
      "annotation_changes",
      "annotation_reviews_no_update",
      "annotations_count_insert_delete",
      "annotations_count_move",
      "dataset_annotators_on_agreement",
      "dataset_annotators_on_annotation_insert_delete",
      "dataset_annotators_on_annotation_move",
      "dataset_annotators_on_prompt_delete",
      "dataset_stats_on_prompt_stats",
      "prompt_moves_dataset",
      "prompt_stats_on_annotation_change",
      "prompt_stats_on_openness_update",
      "prompt_stats_on_prompt_insert",
      "prompt_stats_on_review_insert",
      "prompts_fill_insert_delete",
      "prompts_fill_update",
    ]);
  });
  /** Runs a write on both backends; ids the two hand back must agree, since later writes name them. */
  async function both<T>(write: (side: Side) => Promise<T>): Promise<T> {
    const onSqlite = await write(lite);
    const onPostgres = await write(post);
    expect(onPostgres).toEqual(onSqlite);
    return onSqlite;
  }

  async function expectSameDerivedTables(label: string) {
    const [held, mirror] = [await derived(lite), await derived(post)];
    expect(mirror, `${label}: PostgreSQL's derived tables are SQLite's`).toEqual(held);
    expectRecomputed(held, await recompute(lite), label);
  }

  /** What lib/datasets' refresh writes: a prompt's stats and its annotations' agreement, recomputed. */
  async function refresh(side: Side, seed: number, values: { w: (number | null)[]; tau: (number | null)[] }) {
    const rng = random(seed);
    const annotations = await side.rows("annotations");
    const prompts = await side.rows("prompts");
    for (const [i, prompt] of prompts.entries()) {
      const own = annotations.filter((a) => a.promptId === prompt.id);
      await side.update(
        "promptStats",
        {
          stale: false,
          annotations: own.length,
          rankings: own.filter((a) => !a.notRankable).length,
          kendallW: values.w[i % values.w.length],
          meanTauB: values.tau[(i * 7) % values.tau.length],
          alphaCount: own.length >= 2 ? own.length : 0,
          alphaSum: own.length >= 2 ? rng.next() * 3 : 0,
          alphaSumSquares: own.length >= 2 ? rng.next() * 2 : 0,
          alphaWithin: own.length >= 2 ? rng.next() : 0,
          reviewPending: rng.pick([0, 0, 1, 2]),
          reviewAccepted: rng.pick([0, 1]),
          reviewRejected: rng.pick([0, 0, 1]),
          reviewSentBack: rng.pick([0, 0, 0, 1]),
        },
        { promptId: prompt.id },
      );
      await side.remove("annotationAgreement", { promptId: prompt.id });
      const rankable = own.filter((a) => !a.notRankable);
      if (rankable.length >= 2)
        await side.insert(
          "annotationAgreement",
          rankable.map((a) => ({
            annotationId: a.id,
            promptId: prompt.id,
            datasetId: prompt.datasetId,
            annotatorId: a.annotatorId,
            tau: rng.chance(0.2) ? null : rng.next() * 2 - 1,
            durationMs: a.durationMs,
          })),
        );
    }
  }

  it("keeps every derived table as SQLite's triggers do, through adds, refreshes, edits, reviews, moves and deletes", async () => {
    const annotators = await both((s) =>
      s.insert(
        "users",
        [1, 2, 3, 4].map((n) => ({ email: `a${n}@example.org`, name: `Annotator ${n}` })),
      ),
    );
    const [reviewer] = await both((s) =>
      s.insert("users", [{ email: "r@example.org", name: "Reviewer", role: "researcher" as const }]),
    );
    const [main, target, empty, staging, doomed] = await both((s) =>
      s.insert(
        "datasets",
        ["main", "target", "empty", "staging", "doomed"].map((slug) => ({
          slug,
          name: slug,
          importStaging: slug === "staging",
        })),
      ),
    );
    const words = ["garden", "Ocean", "école", "ПРИВЕТ", "rain", "50% off", "snake_case", "tea"];
    const promptIds = await both(async (s) => {
      const ids: number[] = [];
      for (const [dataset, n] of [
        [main, 10],
        [target, 3],
        [staging, 3],
        [doomed, 2],
      ] as const) {
        const rows = Array.from({ length: n }, (_, i) => ({
          datasetId: dataset!,
          externalId: `d${dataset}-p${i}`,
          text: `${words[(i + dataset!) % words.length]} and ${words[(i * 3) % words.length]} #${i}`,
          openness: i % 3 === 0 ? 0.5 : null,
        }));
        ids.push(...(await s.insert("prompts", rows)));
      }
      for (const promptId of ids)
        await s.insert(
          "responses",
          [0, 1].map((position) => ({ promptId, position, externalId: `r${position}`, text: `response ${position}` })),
        );
      return ids;
    });
    await expectSameDerivedTables("prompts added (and an empty dataset)");

    await both(async (s) => {
      const rng = random(1);
      for (const promptId of promptIds) {
        const who = annotators.filter(() => rng.chance(0.55));
        if (!who.length) continue;
        await s.insert(
          "annotations",
          who.map((annotatorId) => {
            const notRankable = rng.chance(0.15);
            return {
              promptId,
              annotatorId,
              ranking: notRankable ? [] : [[1], [2]],
              notRankable,
              openness: notRankable ? null : rng.pick([0, 0.25, 0.5, 0.75, 1]),
              durationMs: rng.chance(0.8) ? Math.floor(rng.next() * 60_000) : null,
              comment: rng.chance(0.2) ? "unclear" : null,
            };
          }),
        );
      }
    });
    await expectSameDerivedTables("annotations added");

    // Edge values of the histograms, ties, a NaN (stored as NULL) and no value at all.
    const w = [0, 0.1, 0.3, 0.7, 0.95, 1, null, 0.3, Number.NaN, 0.06, 0.55];
    const tau = [-1, -0.6, 0, 0.2, 1, null, -0.2, 0.6, 0.999, -0.999];
    await both((s) => refresh(s, 2, { w, tau }));
    await expectSameDerivedTables("stats refreshed");

    await both(async (s) => {
      const rng = random(3);
      const all = await s.rows("annotations");
      for (const a of all.filter(() => rng.chance(0.3))) {
        await s.insert("annotationRevisions", [
          {
            annotationId: a.id,
            ranking: a.ranking,
            openness: a.openness,
            notRankable: a.notRankable,
            comment: a.comment,
            durationMs: a.durationMs,
            versionAt: a.updatedAt,
          },
        ]);
        await s.update(
          "annotations",
          {
            ranking: [[2], [1]],
            notRankable: false,
            openness: rng.pick([0, 1]),
            updatedAt: new Date(2026, 0, 2),
          },
          { id: a.id },
        );
      }
      for (const a of all.filter(() => rng.chance(0.3)))
        await s.insert("annotationReviews", [
          {
            annotationId: a.id,
            reviewerId: reviewer!,
            decision: rng.pick(["accept", "reject", "send_back"] as const),
            versionAt: a.updatedAt,
          },
        ]);
      for (const promptId of promptIds.filter(() => rng.chance(0.3)))
        await s.insert("assignments", [
          {
            promptId,
            annotatorId: annotators[0]!,
            leasedUntil: new Date(2026, 0, 3),
            skipped: true,
            skipReason: "too long",
          },
        ]);
    });
    await expectSameDerivedTables("annotations revised, reviewed and skipped");

    await both((s) => refresh(s, 4, { w: [...w].reverse(), tau: [...tau].reverse() }));
    await expectSameDerivedTables("stats refreshed again");

    // An annotation moves to another prompt, another to another annotator (where no annotation of theirs is).
    await both(async (s) => {
      const all = await s.rows("annotations");
      const taken = new Set(all.map((a) => `${a.promptId}/${a.annotatorId}`));
      const moving = all.find((a) => promptIds.some((p) => p !== a.promptId && !taken.has(`${p}/${a.annotatorId}`)))!;
      const to = promptIds.find((p) => p !== moving.promptId && !taken.has(`${p}/${moving.annotatorId}`))!;
      await s.update("annotations", { promptId: to }, { id: moving.id });
      const handed = all.find((a) => a.id !== moving.id && annotators.some((u) => !taken.has(`${a.promptId}/${u}`)))!;
      const other = annotators.find((u) => !taken.has(`${handed.promptId}/${u}`))!;
      await s.update("annotations", { annotatorId: other }, { id: handed.id });
    });
    await expectSameDerivedTables("annotations moved");

    // A staged import lands: its prompts move into the target (moveStagedPrompts in lib/datasets/writer.ts).
    await both(async (s) => {
      const ids = (await s.rows("prompts")).filter((p) => p.datasetId === staging).map((p) => p.id);
      await s.update("prompts", { datasetId: target }, { id: ids });
      await s.update("promptStats", { datasetId: target, stale: true }, { promptId: ids });
      await s.remove("annotationAgreement", { datasetId: staging!, promptId: ids });
      await s.remove("datasets", { id: staging! });
    });
    await expectSameDerivedTables("a staged import landed");

    await both(async (s) => {
      await s.update("prompts", { openness: 0.75 }, { id: promptIds.slice(0, 3) });
      const all = await s.rows("annotations");
      await s.remove("annotations", { id: all.filter((_, i) => i % 4 === 1).map((a) => a.id) });
      await s.remove("annotationAgreement", { annotationId: all.filter((_, i) => i % 5 === 2).map((a) => a.id) });
    });
    await expectSameDerivedTables("openness re-imported, annotations deleted");

    await both((s) => refresh(s, 5, { w: [0.3, 0.3, 0.3, null], tau: [0.2, 0.2, -1] }));
    await expectSameDerivedTables("refreshed with ties");

    // A prompt deleted alone: its annotations go by the cascade, and its annotators' counts with them.
    const annotated = (await lite.rows("annotations")).find((a) => a.promptId !== promptIds[0])!.promptId;
    await both((s) => s.remove("prompts", { id: annotated }));
    await expectSameDerivedTables("a prompt deleted");

    // A dataset deleted the way the app does it: its prompts in batches, then the row.
    await both(async (s) => {
      const ids = (await s.rows("prompts")).filter((p) => p.datasetId === doomed).map((p) => p.id);
      for (const id of ids) await s.remove("prompts", { id });
      await s.remove("datasets", { id: doomed! });
    });
    await expectSameDerivedTables("a dataset deleted");

    expect((await lite.rows("datasetStats")).some((r) => r.datasetId === empty)).toBe(false);
    expect((await lite.rows("datasetFill")).some((r) => r.datasetId === empty)).toBe(false);
    expect((await post.rows("datasetStats")).find((r) => r.datasetId === main)!.annotationChanges).toBeGreaterThan(0);
  });

  it("refuses to change a review on both, and leaves it as it was", async () => {
    const [review] = await both(async (s) => {
      const [user] = await s.insert("users", [{ email: "reviews@example.org", name: "Reviews" }]);
      const [dataset] = await s.insert("datasets", [{ slug: "reviews", name: "reviews" }]);
      const [prompt] = await s.insert("prompts", [{ datasetId: dataset!, externalId: "p", text: "reviewed" }]);
      const [annotation] = await s.insert("annotations", [{ promptId: prompt!, annotatorId: user!, ranking: [] }]);
      return s.insert("annotationReviews", [
        { annotationId: annotation!, reviewerId: user!, decision: "accept" as const, versionAt: new Date(0) },
      ]);
    });
    for (const side of [lite, post]) {
      const refusal = await side.update("annotationReviews", { comment: "rewritten" }, { id: review! }).then(
        () => null,
        (error: Error) => error,
      );
      // drizzle wraps PostgreSQL's error (its words are the cause's), not SQLite's.
      expect(String((refusal?.cause as Error | undefined)?.message ?? refusal?.message), side.name).toMatch(
        /annotation_reviews is append-only/,
      );
      expect((await side.rows("annotationReviews")).find((r) => r.id === review)!.comment, side.name).toBeNull();
    }
  });
  it("puts values at and beyond the histogram edges in the same bins as SQLite (truncated, not rounded)", async () => {
    const [promptId] = await both(async (s) => {
      const [dataset] = await s.insert("datasets", [{ slug: "edges", name: "edges" }]);
      return s.insert("prompts", [{ datasetId: dataset!, externalId: "edge", text: "edge" }]);
    });
    const cases = {
      kendall_w: [-0.05, 0, 0.05, 0.06, 0.1, 0.15, 0.25, 0.3, 0.7, 0.95, 0.96, 0.99999, 1, 1.5],
      mean_tau_b: [-1.5, -1, -0.97, -0.8, -0.6, -0.3, -0.1, 0, 0.2, 0.6, 0.9, 0.95, 1, 2],
    } as const;
    // The cases tell truncation from rounding: a bin by ::integer (rounding) would differ for some.
    const rounded = (metric: keyof typeof cases, v: number) => {
      const { from, to } = STATS_HISTOGRAMS[metric];
      return Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.round((v - from) / ((to - from) / HISTOGRAM_BINS))));
    };
    expect(
      Object.entries(cases).some(([metric, values]) =>
        values.some((v) => rounded(metric as keyof typeof cases, v) !== statsBin(metric as keyof typeof cases, v)),
      ),
    ).toBe(true);
    for (const [metric, values] of Object.entries(cases) as [keyof typeof cases, readonly number[]][]) {
      for (const value of values) {
        const set = metric === "kendall_w" ? { kendallW: value, meanTauB: null } : { kendallW: null, meanTauB: value };
        const bins = await both(async (s) => {
          await s.update("promptStats", set, { promptId: promptId! });
          const datasetId = (await s.rows("prompts")).find((p) => p.id === promptId)!.datasetId;
          return (await s.rows("statsBins"))
            .filter((b) => b.datasetId === datasetId && b.prompts !== 0)
            .map((b) => ({ metric: b.metric, bin: b.bin, prompts: b.prompts }));
        });
        expect(bins, `${metric} = ${value}`).toEqual([{ metric, bin: statsBin(metric, value), prompts: 1 }]);
      }
    }
  });

  it("finds by trigram (ILIKE through pg_trgm) what SQLite's FTS5 trigram search finds", async () => {
    const texts = [
      "The quick brown fox",
      "QUICK thinking",
      "école maternelle",
      "ÉCOLE",
      "Привет мир",
      "50% off today",
      "5000 offers",
      "snake_case name",
      "snakeXcase",
      'say "hello" twice',
      "tabs\tand  double  spaces",
    ];
    const datasetId = await both(async (s) => {
      const [dataset] = await s.insert("datasets", [{ slug: "search", name: "search" }]);
      await s.insert(
        "prompts",
        texts.map((text, i) => ({ datasetId: dataset!, externalId: `search-${i}`, text })),
      );
      return dataset!;
    });
    const queries = [
      "quick",
      "QUICK",
      "ick thi",
      "école",
      "ÉCOLE",
      "привет",
      "ПРИВЕТ",
      "50%",
      "snake_case",
      '"hello"',
      "search-1",
      "and  double",
      "absent",
    ];
    for (const query of queries) {
      const phrase = `"${query.replace(/"/g, '""')}"`;
      const fts = sqliteDb.$client
        .prepare<[number, string], { externalId: string }>(
          `select external_id as externalId from prompts where dataset_id = ?
           and id in (select rowid from prompts_fts where prompts_fts match ?) order by external_id`,
        )
        .all(datasetId, phrase)
        .map((r) => r.externalId);
      const trigram = await pool.query<{ externalId: string }>(
        `select external_id as "externalId" from prompts where dataset_id = $1
         and (text ilike $2 or external_id ilike $2) order by external_id`,
        [datasetId, likePattern(query)],
      );
      expect(
        trigram.rows.map((r) => r.externalId),
        query,
      ).toEqual(fts);
    }
    // The search is an index lookup, not a scan of every prompt's text.
    const client = await pool.connect();
    try {
      await client.query("set enable_seqscan = off");
      const plan = await client.query("explain select id from prompts where text ilike $1 or external_id ilike $1", [
        likePattern("quick"),
      ]);
      const text = plan.rows.map((r: { "QUERY PLAN": string }) => r["QUERY PLAN"]).join("\n");
      expect(text).toContain("prompts_text_trgm");
      expect(text).toContain("prompts_external_id_trgm");
    } finally {
      await client.query("reset enable_seqscan");
      client.release();
    }
  });
});
